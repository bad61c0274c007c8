#include "harness/etcd/bench_figures.h"

#include <algorithm>
#include <cstdio>

namespace raftlab::harness {

BenchFigures FiguresOf(const client::BenchResult& r) {
  BenchFigures f;
  f.rps = r.summary.requests_per_s;
  f.avg_ms = r.summary.average_s * 1000;
  f.errors = r.errors;
  for (const auto& [pct, s] : r.summary.percentiles) {
    if (pct == 50) f.p50_ms = s * 1000;
    if (pct == 99) f.p99_ms = s * 1000;
  }
  return f;
}

BenchFigures Median(const std::vector<BenchFigures>& runs) {
  BenchFigures m;
  if (runs.empty()) return m;
  auto med = [&](double BenchFigures::*field) {
    std::vector<double> v;
    for (const auto& r : runs) v.push_back(r.*field);
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  m.rps = med(&BenchFigures::rps);
  m.p50_ms = med(&BenchFigures::p50_ms);
  m.p99_ms = med(&BenchFigures::p99_ms);
  m.avg_ms = med(&BenchFigures::avg_ms);
  for (const auto& r : runs) m.errors += r.errors;
  return m;
}

std::string Fmt(const char* format, double value) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, value);
  return buf;
}

}  // namespace raftlab::harness
