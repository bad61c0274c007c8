// Statistics over a history: per-f outcome counts, latency percentiles of ok ops, and
// completed-ok throughput per second of history time.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "checkers/history.h"

namespace raftlab::checkers {

struct LatencyStats {
  uint64_t count = 0;
  int64_t p50 = 0, p95 = 0, p99 = 0, max = 0;  // nanoseconds
};

struct FStats {
  std::string f;
  uint64_t ok = 0, fail = 0, info = 0;
  LatencyStats latency;  // ok ops of this f
};

struct Stats {
  uint64_t ops = 0;
  uint64_t ok = 0, fail = 0, info = 0;
  std::vector<FStats> per_f;  // in first-seen order
  LatencyStats latency;       // all ok ops
  std::vector<uint64_t> ok_per_second;  // index: second since time 0
  double duration_seconds = 0;
};

Stats ComputeStats(const History& history, const std::vector<Op>& ops);

}  // namespace raftlab::checkers
