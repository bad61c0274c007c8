// Reconnect backoff grows exponentially within its bounds, is jittered reproducibly from
// its seed, and starts over after Reset.

#include "server/transport/backoff.h"

#include <gtest/gtest.h>

#include <vector>

namespace raftlab::transport {
namespace {

using std::chrono::milliseconds;

TEST(Backoff, GrowsFromInitialToMaxAndStaysWithinTheJitteredBounds) {
  Backoff b({.initial = milliseconds(50), .max = milliseconds(2000), .jitter = 0.2}, 7);
  double base = 50;
  for (int i = 0; i < 20; ++i) {
    const auto d = b.Next();
    EXPECT_LE(d.count(), static_cast<int64_t>(base)) << "attempt " << i;
    EXPECT_GE(d.count(), static_cast<int64_t>(base * 0.8) - 1) << "attempt " << i;
    base = std::min(base * 2, 2000.0);
  }
  EXPECT_GE(b.Next().count(), 1600 - 1);
}

TEST(Backoff, TheSameSeedGivesTheSameDelaysAndAnotherSeedDiffers) {
  auto delays = [](uint64_t seed) {
    Backoff b({}, seed);
    std::vector<int64_t> out;
    for (int i = 0; i < 10; ++i) out.push_back(b.Next().count());
    return out;
  };
  EXPECT_EQ(delays(1), delays(1));
  EXPECT_NE(delays(1), delays(2));
}

TEST(Backoff, ResetStartsOverFromInitial) {
  Backoff b({.initial = milliseconds(50), .max = milliseconds(2000), .jitter = 0}, 3);
  for (int i = 0; i < 10; ++i) b.Next();
  EXPECT_EQ(b.Next(), milliseconds(2000));
  b.Reset();
  EXPECT_EQ(b.Next(), milliseconds(50));
  EXPECT_EQ(b.Next(), milliseconds(100));
}

TEST(Backoff, NonsenseOptionsAreClampedToAUsableSchedule) {
  Backoff b({.initial = milliseconds(0), .max = milliseconds(0), .multiplier = 0.5, .jitter = 5},
            1);
  for (int i = 0; i < 5; ++i) EXPECT_GE(b.Next().count(), 1);
}

}  // namespace
}  // namespace raftlab::transport
