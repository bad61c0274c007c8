#pragma once
// Backoff: how long a (peer, lane) stream waits before reconnecting after it broke.
//
// Exponential from `initial` to at most `max`, multiplied by `multiplier` per consecutive
// failure; each delay is jittered down by up to `jitter` (a fraction) so lanes and nodes
// that broke together do not reconnect in lock step. The jitter comes from a seeded RNG,
// so a seed replays the same delays. Not thread-safe: one owner (a lane's stream).

#include <chrono>
#include <cstdint>
#include <random>

namespace raftlab::transport {

class Backoff {
 public:
  struct Options {
    std::chrono::milliseconds initial{50};
    std::chrono::milliseconds max{2000};
    double multiplier = 2.0;  // >= 1
    double jitter = 0.2;      // in [0, 1): a delay lies in [d * (1 - jitter), d]
  };

  Backoff(Options options, uint64_t seed);

  // The delay before the next attempt; each call without a Reset grows the base delay.
  std::chrono::milliseconds Next();
  // After a success: the next failure waits `initial` again.
  void Reset();

 private:
  Options options_;
  double base_ms_;  // un-jittered delay Next() returns next
  std::mt19937_64 rng_;
};

}  // namespace raftlab::transport
