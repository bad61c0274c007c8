#pragma once
// RunEtcdBench: `raftlab-ctl bench`'s load shapes (client/bench_config.h) against etcd's v3
// KV API, with the same closed-loop clients over dedicated connections, so the two systems'
// figures compare like for like. A get is a Range of one key, linearizable or (any other
// read mode) serializable; READ_MODE_LEASE has no etcd counterpart and is refused.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "server/api/client/bench_config.h"
#include "server/api/client/bench_runner.h"

namespace raftlab::harness {

// With Target::kLeader the connections go to `leader` (host:port of etcd's leader), else
// they spread over `endpoints`.
absl::StatusOr<client::BenchResult> RunEtcdBench(const client::BenchConfig& config,
                                                 const std::vector<std::string>& endpoints, const std::string& leader);

}  // namespace raftlab::harness
