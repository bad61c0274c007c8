#pragma once
// The outcome of a bench run as text (etcd benchmark's layout plus raftlab's header and
// error lines) and as JSON for regression tracking.

#include <string>

#include "server/api/client/bench_config.h"
#include "server/api/client/bench_runner.h"

namespace raftlab::client {

std::string FormatBenchReport(const BenchConfig& config, const BenchResult& result);

// {"op","clients","conns","total","key_size","val_size","key_space","read_mode","target",
//  "targets","ok","errors","error_counts","read_paths","total_s","slowest_ms","fastest_ms","average_ms",
//  "stddev_ms","requests_per_s","percentiles_ms":{"p10",...,"p99.9"},"histogram":[...]}
std::string BenchJson(const BenchConfig& config, const BenchResult& result);

}  // namespace raftlab::client
