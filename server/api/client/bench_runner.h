#pragma once
// Runs a BenchConfig against a cluster: `clients` closed-loop clients (one request in flight
// each) over `conns` dedicated gRPC connections, driven by gRPC's async API from one
// completion-queue thread per core (capped at clients), so 100 clients need no 100 threads.
// Every failed request is counted by code and message; only successes enter the latencies.
// Successful gets are also counted by the read path their response header reports, so a
// lease run shows how many reads the lease actually served.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "server/api/client/bench_config.h"
#include "server/api/client/latency_summary.h"

namespace raftlab::client {

struct BenchResult {
  std::vector<std::string> targets;  // the endpoints the connections went to
  int64_t ok = 0;
  int64_t errors = 0;
  std::map<std::string, int64_t> error_counts;  // "CODE: message" -> count
  // Gets only: how the server says it served them ("lease", "lease-fallback", ...).
  std::map<std::string, int64_t> read_paths;
  LatencySummary summary;  // of the successful requests
};

// With Target::kLeader the leader of the first key's group is found first (a stale Get for
// the group, then the nodes' Status); an error there is returned and nothing is run.
absl::StatusOr<BenchResult> RunBench(const BenchConfig& config, const std::vector<std::string>& endpoints);

}  // namespace raftlab::client
