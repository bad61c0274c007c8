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
                                "Lease-mode reads by outcome: hit = served under the lease; any other outcome "
                                "names why it fell back to ReadIndex.",
                                {"group", "outcome"})),
      read_index_(r.AddCounter("raftlab_read_index_total",
                               "ReadIndex reads: started = opened a new round, joined = shared a round with "
                               "reads queued before it.",
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
                            "Proposals refused before reaching the log (not leader, limits).", {"group"})),
      fsync_skipped_(r.AddCounter("raftlab_wal_fsync_skipped_total",
                                  "Readys persisted without an fsync: only the commit index moved.",
                                  {"group"})) {}

GroupMetrics* EngineMetrics::ForGroup(uint64_t group) {
  std::lock_guard lock(mu_);
  auto& slot = groups_[group];
  if (!slot) {
    const std::string g = std::to_string(group);
    slot = std::make_unique<GroupMetrics>(GroupMetrics{
        .term = term_.WithLabels({g}),
        .leader_changes = leader_changes_.WithLabels({g}),
        .commit_index = commit_.WithLabels({g}),
        .applied_index = applied_.WithLabels({g}),
        .is_leader = is_leader_.WithLabels({g}),
        .lease_reads = {},
        .read_index_started = read_index_.WithLabels({g, "started"}),
        .read_index_joined = read_index_.WithLabels({g, "joined"}),
        .proposal_seconds = proposal_.WithLabels({g}),
        .apply_seconds = apply_.WithLabels({g}),
        .wal_fsync_seconds = wal_fsync_.WithLabels({g}),
        .snapshots = snapshots_.WithLabels({g}),
        .proposals_refused = refused_.WithLabels({g}),
        .wal_fsync_skipped = fsync_skipped_.WithLabels({g})});
    // Every outcome is exported from the start, so a zero is visible, not missing.
    for (int i = 0; i < kLeaseOutcomeCount; ++i) {
      slot->lease_reads[i] = lease_reads_.WithLabels({g, ToString(static_cast<LeaseOutcome>(i))});
    }
  }
  return slot.get();
}

}  // namespace raftlab::engine
