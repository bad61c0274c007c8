#pragma once
// Latency statistics in the shape etcd's `benchmark` tool prints them, so raftlab and etcd
// figures can be read side by side. Pure functions; no threads.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace raftlab::client {

struct HistogramBucket {
  double upper_s = 0;  // latencies up to this mark (and above the previous one)
  int64_t count = 0;
};

struct LatencySummary {
  int64_t count = 0;  // successful requests
  double total_s = 0;  // wall time of the whole run
  double slowest_s = 0;
  double fastest_s = 0;
  double average_s = 0;
  double stddev_s = 0;  // population standard deviation
  double requests_per_s = 0;  // count / total_s
  std::vector<HistogramBucket> histogram;  // 11 marks, evenly spaced from fastest to slowest
  std::vector<std::pair<double, double>> percentiles;  // (percent, seconds), nearest rank
};

// The percents reported: 10, 25, 50, 75, 90, 95, 99, 99.9.
const std::vector<double>& ReportedPercents();

LatencySummary Summarize(std::vector<double> latencies_s, double total_s);

// "Summary:", "Response time histogram:" and "Latency distribution:" sections.
std::string FormatSummary(const LatencySummary& summary);

}  // namespace raftlab::client
