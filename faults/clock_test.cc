#include "faults/clock.h"

#include <gtest/gtest.h>

#include <thread>

#include "faults/partition_filter.h"

namespace raftlab::faults {
namespace {

using std::chrono::milliseconds;
using Nanos = Clock::Nanos;

TEST(Clock, UnskewedClockFollowsRawTime) {
  Clock c;
  const Nanos a = Clock::Raw();
  const Nanos b = c.Now();
  const Nanos d = Clock::Raw();
  // Raw readings on different cores of a VM can disagree by nanoseconds.
  constexpr Nanos kSlack = std::chrono::microseconds(100);
  EXPECT_LE(a, b + kSlack);
  EXPECT_LE(b, d + kSlack);
}

TEST(Clock, OffsetShiftsTheReading) {
  Clock c;
  ASSERT_TRUE(c.Set(milliseconds(5000), 1.0));
  const Nanos skew = c.Now() - Clock::Raw();
  EXPECT_GT(skew, milliseconds(4900));
  EXPECT_LE(skew, milliseconds(5001));
  EXPECT_EQ(c.offset(), milliseconds(5000));
}

TEST(Clock, ResetReturnsToRawTime) {
  Clock c;
  ASSERT_TRUE(c.Set(milliseconds(-3000), 1.0));
  EXPECT_LT(c.Now(), Clock::Raw());
  ASSERT_TRUE(c.Set(Nanos(0), 1.0));
  const Nanos before = Clock::Raw();
  const Nanos now = c.Now();
  EXPECT_GE(now, before - std::chrono::microseconds(100));
  EXPECT_LT(now - before, milliseconds(100));
}

TEST(Clock, RateScalesElapsedTime) {
  Clock c;
  ASSERT_TRUE(c.Set(Nanos(0), 0.5));
  // Bracket each skewed reading by raw ones, so the bound holds however the threads are
  // scheduled: the skewed interval is half of something between the inner and outer ones.
  const Nanos r0 = Clock::Raw();
  const Nanos s0 = c.Now();
  const Nanos r1 = Clock::Raw();
  std::this_thread::sleep_for(milliseconds(20));
  const Nanos r2 = Clock::Raw();
  const Nanos s1 = c.Now();
  const Nanos r3 = Clock::Raw();
  const double skewed = static_cast<double>((s1 - s0).count());
  EXPECT_GE(skewed, 0.5 * (r2 - r1).count() - 1e5);
  EXPECT_LE(skewed, 0.5 * (r3 - r0).count() + 1e5);
  EXPECT_DOUBLE_EQ(c.rate(), 0.5);
}

TEST(Clock, RejectsRatesThatAreNotPositiveAndFinite) {
  Clock c;
  EXPECT_FALSE(c.Set(Nanos(0), 0.0));
  EXPECT_FALSE(c.Set(Nanos(0), -1.0));
  EXPECT_FALSE(c.Set(Nanos(0), std::numeric_limits<double>::infinity()));
  EXPECT_DOUBLE_EQ(c.rate(), 1.0);
}

TEST(Clock, ReadersDuringSetNeverSeeATornAnchor) {
  Clock c;
  std::atomic<bool> stop{false};
  std::atomic<int> bad{0};
  std::thread reader([&] {
    while (!stop.load()) {
      const Nanos skew = c.Now() - Clock::Raw();
      // Every Set below is either 0 or +10 s: a mixed anchor would be far outside both.
      if (skew < milliseconds(-1000) || skew > milliseconds(11000)) bad.fetch_add(1);
    }
  });
  for (int i = 0; i < 20000; ++i) c.Set(i % 2 ? milliseconds(10000) : Nanos(0), 1.0);
  stop.store(true);
  reader.join();
  EXPECT_EQ(bad.load(), 0);
}

TEST(PartitionFilter, BlocksOnlyTheIsolatedPeersBothWaysUntilHealed) {
  PartitionFilter f;
  EXPECT_FALSE(f.DropsInbound(2));
  EXPECT_FALSE(f.DropsOutbound(2));
  f.Set({2, 3});
  EXPECT_TRUE(f.DropsInbound(2));
  EXPECT_TRUE(f.DropsOutbound(2));
  EXPECT_TRUE(f.DropsInbound(3));
  EXPECT_FALSE(f.DropsInbound(1));
  EXPECT_FALSE(f.DropsOutbound(1));
  f.Set({3});
  EXPECT_FALSE(f.DropsInbound(2)) << "Set replaces the set";
  EXPECT_EQ(f.Isolated(), std::vector<uint64_t>{3});
  f.Heal();
  EXPECT_FALSE(f.DropsInbound(3));
  EXPECT_FALSE(f.DropsOutbound(3));
  EXPECT_TRUE(f.Isolated().empty());
}

TEST(PartitionFilter, AOneWayCutDropsOnlyItsDirection) {
  PartitionFilter f;
  f.Set({2}, PartitionDirection::kInbound);
  EXPECT_TRUE(f.DropsInbound(2));
  EXPECT_FALSE(f.DropsOutbound(2)) << "inbound-only keeps this node's sends";
  EXPECT_EQ(f.direction(), PartitionDirection::kInbound);
  f.Set({2}, PartitionDirection::kOutbound);
  EXPECT_FALSE(f.DropsInbound(2)) << "Set replaces the direction too";
  EXPECT_TRUE(f.DropsOutbound(2));
  f.Heal();
  EXPECT_EQ(f.direction(), PartitionDirection::kBoth);
  EXPECT_FALSE(f.DropsOutbound(2));
}

}  // namespace
}  // namespace raftlab::faults
