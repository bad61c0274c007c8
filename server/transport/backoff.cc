#include "server/transport/backoff.h"

#include <algorithm>

namespace raftlab::transport {
namespace {

Backoff::Options Normalized(Backoff::Options o) {
  o.initial = std::max(o.initial, std::chrono::milliseconds(1));
  o.max = std::max(o.max, o.initial);
  o.multiplier = std::max(o.multiplier, 1.0);
  o.jitter = std::clamp(o.jitter, 0.0, 0.99);
  return o;
}

}  // namespace

Backoff::Backoff(Options options, uint64_t seed)
    : options_(Normalized(options)),
      base_ms_(static_cast<double>(options_.initial.count())),
      rng_(seed) {}

std::chrono::milliseconds Backoff::Next() {
  const double base = base_ms_;
  base_ms_ = std::min(base_ms_ * options_.multiplier, static_cast<double>(options_.max.count()));
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  const double delay = base * (1.0 - options_.jitter * unit(rng_));
  return std::chrono::milliseconds(std::max<int64_t>(1, static_cast<int64_t>(delay)));
}

void Backoff::Reset() { base_ms_ = static_cast<double>(options_.initial.count()); }

}  // namespace raftlab::transport
