#include "faults/clock.h"

#include <time.h>

#include <cmath>
#include <mutex>

namespace raftlab::faults {
namespace {
std::mutex set_mu;  // serialises writers; readers never take it
}

Clock::Nanos Clock::Raw() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
  return Nanos(static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec);
}

Clock::Clock() {
  const int64_t now = Raw().count();
  anchor_raw_.store(now);
  anchor_skewed_.store(now);
}

Clock::Nanos Clock::Now() const {
  while (true) {
    const uint64_t g1 = gen_.load(std::memory_order_acquire);
    if (g1 & 1) continue;
    const int64_t raw0 = anchor_raw_.load(std::memory_order_relaxed);
    const int64_t skewed0 = anchor_skewed_.load(std::memory_order_relaxed);
    const double rate = rate_.load(std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_acquire);
    if (gen_.load(std::memory_order_relaxed) != g1) continue;
    const int64_t elapsed = Raw().count() - raw0;
    const int64_t scaled = rate == 1.0 ? elapsed : static_cast<int64_t>(std::llround(elapsed * rate));
    return Nanos(skewed0 + scaled);
  }
}

bool Clock::Set(Nanos offset, double rate) {
  if (!(rate > 0.0) || !std::isfinite(rate)) return false;
  std::lock_guard lock(set_mu);
  gen_.fetch_add(1, std::memory_order_acq_rel);
  const int64_t raw = Raw().count();
  anchor_raw_.store(raw, std::memory_order_relaxed);
  anchor_skewed_.store(raw + offset.count(), std::memory_order_relaxed);
  rate_.store(rate, std::memory_order_relaxed);
  offset_.store(offset.count(), std::memory_order_relaxed);
  gen_.fetch_add(1, std::memory_order_release);
  return true;
}

}  // namespace raftlab::faults
