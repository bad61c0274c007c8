#pragma once
// The figures bench-compare keeps of one benchmark run, their medians over rounds, and the
// end of a benchmark cluster.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "server/api/client/bench_runner.h"

namespace raftlab::harness {

struct BenchFigures {
  double rps = 0, p50_ms = 0, p99_ms = 0, avg_ms = 0;
  int64_t errors = 0;
};

BenchFigures FiguresOf(const client::BenchResult& result);
// Each figure's median over the runs (errors are summed).
BenchFigures Median(const std::vector<BenchFigures>& runs);
// printf-style formatting of one number, for the tables.
std::string Fmt(const char* format, double value);

// Stops a benchmark's cluster and removes its members' data directories (gigabytes after a
// run, worth nothing once measured); the members' logs stay beside them.
template <typename Cluster>
void StopAndRemoveData(std::unique_ptr<Cluster>& cluster) {
  if (cluster == nullptr) return;
  std::vector<std::string> dirs;
  for (uint64_t id : cluster->ids()) dirs.push_back(cluster->data_dir(id));
  cluster.reset();
  std::error_code ec;
  for (const auto& dir : dirs) std::filesystem::remove_all(dir, ec);
}

}  // namespace raftlab::harness
