#pragma once
// The figures bench-compare keeps of one benchmark run, and their medians over rounds.

#include <cstdint>
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

}  // namespace raftlab::harness
