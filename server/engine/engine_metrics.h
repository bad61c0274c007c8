#pragma once
// The metrics every GroupEngine exports, registered once per process and labelled by group.
// Threads: the families are thread-safe; a GroupMetrics is written by its group's threads.

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>

#include "server/metrics/registry.h"

namespace raftlab::engine {

struct GroupMetrics {
  metrics::Gauge* term;
  metrics::Counter* leader_changes;
  metrics::Gauge* commit_index;
  metrics::Gauge* applied_index;
  metrics::Gauge* is_leader;
  metrics::Counter* lease_hit;
  metrics::Counter* lease_miss;
  metrics::Histogram* proposal_seconds;
  metrics::Histogram* apply_seconds;
  metrics::Histogram* wal_fsync_seconds;
  metrics::Counter* snapshots;
  metrics::Counter* proposals_refused;
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
  metrics::HistogramFamily& proposal_;
  metrics::HistogramFamily& apply_;
  metrics::HistogramFamily& wal_fsync_;
  metrics::CounterFamily& snapshots_;
  metrics::CounterFamily& refused_;
  std::mutex mu_;
  std::map<uint64_t, std::unique_ptr<GroupMetrics>> groups_;  // guarded by mu_
};

}  // namespace raftlab::engine
