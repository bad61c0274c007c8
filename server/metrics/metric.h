#pragma once
// The three kinds of metric a raftlab process exports: Counter, Gauge and Histogram.
//
// Each object here is one time series (one combination of label values); a Family in
// registry.h owns them and hands out stable pointers, so the hot path is one relaxed atomic
// operation on a pointer the caller looked up once. Every method is safe to call from any
// thread at any time; readers (the exposition) may see a histogram mid-update, which
// Prometheus tolerates: each scrape is a best-effort snapshot.

#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace raftlab::metrics {

// A monotonically increasing count of events (an integer: raftlab only counts events).
class Counter {
 public:
  void Inc() { value_.fetch_add(1, std::memory_order_relaxed); }
  void Add(uint64_t n) { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  // Own cache line: counters of different labels are bumped by different threads.
  alignas(64) std::atomic<uint64_t> value_{0};
};

// A value that goes up and down (term, commit index, queue depth, a mode flag).
class Gauge {
 public:
  void Set(double v) { value_.store(v, std::memory_order_relaxed); }
  void Add(double v) { value_.fetch_add(v, std::memory_order_relaxed); }
  void Inc() { Add(1); }
  void Dec() { Add(-1); }
  double Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  alignas(64) std::atomic<double> value_{0};
};

// Counts observations into fixed buckets by upper bound (Prometheus `le`: a value equal to
// a bound belongs to that bucket), plus one implicit +Inf bucket, and keeps their sum.
// NaN observations are ignored: they carry no position and would poison the sum.
class Histogram {
 public:
  // bounds: strictly increasing finite upper bounds, owned by the family (outlives this).
  explicit Histogram(std::span<const double> bounds);

  void Observe(double value);

  struct Snapshot {
    std::vector<uint64_t> cumulative;  // one per bound, then +Inf (== count)
    double sum = 0;
    uint64_t count = 0;
  };
  // Cumulative counts as the text format wants them; count is the +Inf bucket, so the two
  // always agree within one snapshot.
  Snapshot Collect() const;

  std::span<const double> bounds() const { return bounds_; }

 private:
  std::span<const double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> counts_;  // per bucket, not cumulative
  std::atomic<double> sum_{0};
};

// Latency buckets in seconds, 100 µs to 10 s, fine enough for fsync and loopback RPCs.
std::vector<double> LatencyBuckets();

// count bounds start, start*factor, start*factor^2, ... (start > 0, factor > 1).
std::vector<double> ExponentialBuckets(double start, double factor, int count);

}  // namespace raftlab::metrics
