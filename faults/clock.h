#pragma once
// faults::Clock: the monotonic clock every timing decision of the server reads (ticks,
// lease expiry), skewable at run time so tests can make one node's clock jump or drift.
//
//   now = raw(t0) + offset + (raw(now) - raw(t0)) * rate
//
// where raw is CLOCK_MONOTONIC_RAW (immune to NTP slewing) and t0 is the instant of the last
// Set. Set(0, 1.0) puts the clock back on raw time. A negative offset, or a reset after a
// fast rate, makes the clock jump backwards: a fault worth injecting, so it is allowed.
//
// Thread-safe: Now() never blocks; it retries while a (rare) Set is rewriting the anchor.

#include <atomic>
#include <chrono>
#include <cstdint>

namespace raftlab::faults {

class Clock {
 public:
  using Nanos = std::chrono::nanoseconds;

  Clock();

  // The skewed monotonic reading.
  Nanos Now() const;

  // From now on the clock reads raw + offset, advancing at `rate` (1.0 = real time). Returns
  // false (and changes nothing) for a rate that is not positive and finite.
  bool Set(Nanos offset, double rate);

  Nanos offset() const { return Nanos(offset_.load(std::memory_order_relaxed)); }
  double rate() const { return rate_.load(std::memory_order_relaxed); }

  // CLOCK_MONOTONIC_RAW, unskewed.
  static Nanos Raw();

 private:
  // Generation counter: odd while Set is writing, so Now() retries.
  std::atomic<uint64_t> gen_{0};
  std::atomic<int64_t> anchor_raw_{0};     // raw reading at the last Set
  std::atomic<int64_t> anchor_skewed_{0};  // skewed reading at the last Set
  std::atomic<double> rate_{1.0};
  std::atomic<int64_t> offset_{0};         // the offset of the last Set, for reporting
};

}  // namespace raftlab::faults
