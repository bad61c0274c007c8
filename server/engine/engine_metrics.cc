#include "server/engine/engine_metrics.h"

#include <string>

namespace raftlab::engine {

EngineMetrics::EngineMetrics(metrics::Registry& r)
    : term_(r.AddGauge("raftlab_raft_term", "Current Raft term of this node in the group.", {"group"})),
      leader_changes_(r.AddCounter("raftlab_raft_leader_changes_total",
                                   "Times this node saw the group's leader change.", {"group"})),
      commit_(r.AddGauge("raftlab_raft_commit_index", "Highest log index known committed.", {"group"})),
      applied_(r.AddGauge("raftlab_raft_applied_index", "Highest log index applied to the state machine.",
                          {"group"})),
      is_leader_(r.AddGauge("raftlab_raft_is_leader", "1 while this node leads the group.", {"group"})),
      lease_reads_(r.AddCounter("raftlab_lease_read_total",
                                "Lease-mode reads: hit = served under the lease, miss = fell back to ReadIndex.",
                                {"group", "outcome"})),
      proposal_(r.AddHistogram("raftlab_raft_proposal_duration_seconds",
                               "Time from proposal to apply on the leader.", metrics::LatencyBuckets(),
                               {"group"})),
      apply_(r.AddHistogram("raftlab_fsm_apply_duration_seconds",
                            "Time to apply one Ready's committed entries to the state machine.",
                            metrics::LatencyBuckets(), {"group"})),
      wal_fsync_(r.AddHistogram("raftlab_wal_fsync_duration_seconds",
                                "Time to persist (write + fsync) one Ready to the WAL.",
                                metrics::LatencyBuckets(), {"group"})),
      snapshots_(r.AddCounter("raftlab_raft_snapshots_total", "Local snapshots taken.", {"group"})),
      refused_(r.AddCounter("raftlab_raft_proposals_refused_total",
                            "Proposals refused before reaching the log (not leader, limits).", {"group"})) {}

GroupMetrics* EngineMetrics::ForGroup(uint64_t group) {
  std::lock_guard lock(mu_);
  auto& slot = groups_[group];
  if (!slot) {
    const std::string g = std::to_string(group);
    slot = std::make_unique<GroupMetrics>(GroupMetrics{
        term_.WithLabels({g}), leader_changes_.WithLabels({g}), commit_.WithLabels({g}),
        applied_.WithLabels({g}), is_leader_.WithLabels({g}), lease_reads_.WithLabels({g, "hit"}),
        lease_reads_.WithLabels({g, "miss"}), proposal_.WithLabels({g}), apply_.WithLabels({g}),
        wal_fsync_.WithLabels({g}), snapshots_.WithLabels({g}), refused_.WithLabels({g})});
  }
  return slot.get();
}

}  // namespace raftlab::engine
