#include "server/api/client/latency_summary.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>

namespace raftlab::client {
namespace {

constexpr int kBuckets = 10;
constexpr int kBarWidth = 40;

std::string Printf(const char* format, double a) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, a);
  return buf;
}

}  // namespace

const std::vector<double>& ReportedPercents() {
  static const std::vector<double> percents{10, 25, 50, 75, 90, 95, 99, 99.9};
  return percents;
}

LatencySummary Summarize(std::vector<double> lats, double total_s) {
  LatencySummary s;
  s.total_s = total_s;
  s.count = static_cast<int64_t>(lats.size());
  if (lats.empty()) return s;
  std::sort(lats.begin(), lats.end());
  const double n = static_cast<double>(lats.size());
  s.fastest_s = lats.front();
  s.slowest_s = lats.back();
  s.average_s = std::accumulate(lats.begin(), lats.end(), 0.0) / n;
  double squares = 0;
  for (double l : lats) squares += (l - s.average_s) * (l - s.average_s);
  s.stddev_s = std::sqrt(squares / n);
  s.requests_per_s = total_s > 0 ? n / total_s : 0;

  const double width = (s.slowest_s - s.fastest_s) / kBuckets;
  for (int i = 0; i < kBuckets; ++i) s.histogram.push_back({s.fastest_s + width * i, 0});
  s.histogram.push_back({s.slowest_s, 0});
  size_t b = 0;
  for (double l : lats) {
    while (b + 1 < s.histogram.size() && l > s.histogram[b].upper_s) ++b;
    ++s.histogram[b].count;
  }

  for (double p : ReportedPercents()) {
    // The epsilon keeps 99.9% of 1000 at rank 999 despite binary rounding.
    auto rank = static_cast<size_t>(std::ceil(p / 100.0 * n - 1e-9));
    size_t index = std::clamp<size_t>(rank, 1, lats.size()) - 1;
    s.percentiles.emplace_back(p, lats[index]);
  }
  return s;
}

std::string FormatSummary(const LatencySummary& s) {
  std::string out = "\nSummary:\n";
  out += "  Total:\t" + Printf("%.4f", s.total_s) + " secs.\n";
  if (s.count == 0) return out + "  No successful requests.\n";
  out += "  Slowest:\t" + Printf("%.4f", s.slowest_s) + " secs.\n";
  out += "  Fastest:\t" + Printf("%.4f", s.fastest_s) + " secs.\n";
  out += "  Average:\t" + Printf("%.4f", s.average_s) + " secs.\n";
  out += "  Stddev:\t" + Printf("%.4f", s.stddev_s) + " secs.\n";
  out += "  Requests/sec:\t" + Printf("%.4f", s.requests_per_s) + "\n";

  out += "\nResponse time histogram:\n";
  int64_t most = 1;
  for (const auto& b : s.histogram) most = std::max(most, b.count);
  for (const auto& b : s.histogram) {
    out += "  " + Printf("%.4f", b.upper_s) + " [" + std::to_string(b.count) + "]\t|";
    int64_t bar = b.count * kBarWidth / most;
    for (int64_t i = 0; i < bar; ++i) out += "\xe2\x88\x8e";  // U+220E, as etcd draws it
    out += "\n";
  }

  out += "\nLatency distribution:\n";
  for (const auto& [p, l] : s.percentiles) out += "  " + Printf("%g", p) + "% in " + Printf("%.4f", l) + " secs.\n";
  return out;
}

}  // namespace raftlab::client
