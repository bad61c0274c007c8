#pragma once
// The metrics every GroupEngine exports, registered once per process and labelled by group.
// Threads: the families are thread-safe; a GroupMetrics is written by its group's threads.

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>

#include "server/engine/lease_tracker.h"
#include "server/metrics/registry.h"

namespace raftlab::engine {

struct GroupMetrics {
  metrics::Gauge* term;
  metrics::Counter* leader_changes;
  metrics::Gauge* commit_index;
  metrics::Gauge* applied_index;
  metrics::Gauge* is_leader;
  // raftlab_lease_read_total, one child per LeaseOutcome.
  std::array<metrics::Counter*, kLeaseOutcomeCount> lease_reads;
  metrics::Counter* read_index_started;  // the read opened a new ReadIndex round
  metrics::Counter* read_index_joined;   // the read shared a round another read opened
  metrics::Histogram* proposal_seconds;
  metrics::Histogram* apply_seconds;
  metrics::Histogram* wal_fsync_seconds;
  metrics::Counter* snapshots;
  metrics::Counter* proposals_refused;
  metrics::Counter* wal_fsync_skipped;

  metrics::Counter* LeaseRead(LeaseOutcome outcome) const { return lease_reads[static_cast<size_t>(outcome)]; }
};

class EngineMetrics {
 public:
  explicit EngineMetrics(metrics::Registry& registry);

  // The children for one group, created on first use; the pointer stays valid.
  GroupMetrics* ForGroup(uint64_t group);

 private:
  metrics::GaugeFamily& term_;
  metrics::CounterFamily& leader_changes_;
  metrics::GaugeFamily& commit_;
  metrics::GaugeFamily& applied_;
  metrics::GaugeFamily& is_leader_;
  metrics::CounterFamily& lease_reads_;
  metrics::CounterFamily& read_index_;
  metrics::HistogramFamily& proposal_;
  metrics::HistogramFamily& apply_;
  metrics::HistogramFamily& wal_fsync_;
  metrics::CounterFamily& snapshots_;
  metrics::CounterFamily& refused_;
  metrics::CounterFamily& fsync_skipped_;
  std::mutex mu_;
  std::map<uint64_t, std::unique_ptr<GroupMetrics>> groups_;  // guarded by mu_
};

}  // namespace raftlab::engine
