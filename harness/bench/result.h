#pragma once
// One benchmark result file (written by `raftlab-bench collect`, read by compare and trend):
//
//   {"format": "raftlab-bench/1", "commit": "<sha>", "date": "<UTC ISO time>",
//    "machine": {"cpu": ..., "cores": 2, "memory_mib": ..., "kernel": ..., "load_avg": [...], ...},
//    "benchmarks": [{"name": "raft_bench/BM_Propose", "unit": "ns", "better": "lower",
//                    "values": [one per repetition]}, ...]}
//
// Sources: Google Benchmark JSON (each repetition's real time, and its *_per_second counters),
// raftlab-ctl bench --json (requests/s and p99 latency per run), and named timings in seconds.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"

namespace raftlab::bench {

struct Series {
  std::string name;
  std::string unit;
  bool higher_is_better = false;
  std::vector<double> values;  // one per repetition
};

struct BenchResult {
  std::string commit;
  std::string date;
  nlohmann::json machine = nlohmann::json::object();
  std::vector<Series> benchmarks;

  // The series of that name, or nullptr.
  const Series* Find(const std::string& name) const;
  // Appends the values to the series of that name, creating it.
  void Add(const std::string& name, const std::string& unit, bool higher_is_better, double value);
};

nlohmann::json ResultJson(const BenchResult& r);
absl::StatusOr<BenchResult> ParseResult(const std::string& text, const std::string& path);
absl::StatusOr<BenchResult> ReadResult(const std::string& path);

// Adds each repetition of a Google Benchmark JSON output (aggregates skipped), named
// "<prefix>/<run name>"; its context's CPU facts go to machine.gbench.
absl::Status AddGoogleBenchmarkJson(const std::string& text, const std::string& path, const std::string& prefix,
                                    BenchResult* out);
// Adds one run of `raftlab-ctl bench --json`: "<name>/req_per_s" and "<name>/p99_ms".
absl::Status AddCtlBenchJson(const std::string& text, const std::string& path, const std::string& name,
                             BenchResult* out);

// This machine: CPU model, cores, memory, kernel, load average.
nlohmann::json DescribeMachine();

}  // namespace raftlab::bench
