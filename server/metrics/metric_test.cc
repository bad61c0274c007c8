// Counter, Gauge and Histogram: values, bucket boundaries, and updates from many threads.

#include "server/metrics/metric.h"

#include <gtest/gtest.h>

#include <cmath>
#include <thread>
#include <vector>

namespace raftlab::metrics {
namespace {

constexpr int kThreads = 4;
constexpr int kPerThread = 100000;

template <typename Fn>
void RunOnThreads(Fn fn) {
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) threads.emplace_back(fn);
  for (auto& t : threads) t.join();
}

TEST(Counter, ConcurrentIncrementsFromSeveralThreadsSumExactly) {
  Counter c;
  RunOnThreads([&] {
    for (int i = 0; i < kPerThread; ++i) c.Inc();
  });
  c.Add(5);
  EXPECT_EQ(c.Value(), uint64_t{kThreads} * kPerThread + 5);
}

TEST(Gauge, SetAddIncDecFromSeveralThreads) {
  Gauge g;
  g.Set(10);
  RunOnThreads([&] {
    for (int i = 0; i < kPerThread; ++i) {
      g.Inc();
      g.Add(2);
      g.Dec();
    }
  });
  EXPECT_EQ(g.Value(), 10.0 + 2.0 * kThreads * kPerThread);
  g.Set(-1.5);
  EXPECT_EQ(g.Value(), -1.5);
}

TEST(Histogram, ValueEqualToABoundGoesInThatBucket) {
  const std::vector<double> bounds = {0.1, 0.5, 1};
  Histogram h(bounds);
  h.Observe(0.1);   // le=0.1
  h.Observe(0.5);   // le=0.5
  h.Observe(1);     // le=1
  h.Observe(0.05);  // le=0.1
  h.Observe(0.75);  // le=1
  h.Observe(2);     // +Inf
  const auto s = h.Collect();
  EXPECT_EQ(s.cumulative, (std::vector<uint64_t>{2, 3, 5, 6}));
  EXPECT_EQ(s.count, 6u);
  EXPECT_DOUBLE_EQ(s.sum, 0.1 + 0.5 + 1 + 0.05 + 0.75 + 2);
}

TEST(Histogram, JustAboveABoundGoesInTheNextBucket) {
  const std::vector<double> bounds = {1, 2};
  Histogram h(bounds);
  h.Observe(std::nextafter(1.0, 2.0));
  h.Observe(std::nextafter(2.0, 3.0));
  h.Observe(-7);  // below every bound: first bucket
  EXPECT_EQ(h.Collect().cumulative, (std::vector<uint64_t>{1, 2, 3}));
}

TEST(Histogram, IgnoresNaN) {
  const std::vector<double> bounds = {1};
  Histogram h(bounds);
  h.Observe(std::nan(""));
  h.Observe(0.5);
  const auto s = h.Collect();
  EXPECT_EQ(s.count, 1u);
  EXPECT_EQ(s.sum, 0.5);
}

TEST(Histogram, ConcurrentObservationsCountExactly) {
  const std::vector<double> bounds = {1, 10};
  Histogram h(bounds);
  RunOnThreads([&] {
    for (int i = 0; i < kPerThread; ++i) h.Observe(i % 3 == 0 ? 1.0 : 5.0);
  });
  const auto s = h.Collect();
  const uint64_t ones = uint64_t{kThreads} * ((kPerThread + 2) / 3);
  EXPECT_EQ(s.cumulative[0], ones);
  EXPECT_EQ(s.count, uint64_t{kThreads} * kPerThread);
  EXPECT_EQ(s.cumulative[2], s.count);
  // Every partial sum is an integer below 2^53, so the concurrent sum is exact.
  EXPECT_EQ(s.sum, 1.0 * ones + 5.0 * (s.count - ones));
}

TEST(Buckets, LatencyBucketsAreIncreasingSeconds) {
  const auto b = LatencyBuckets();
  ASSERT_FALSE(b.empty());
  EXPECT_EQ(b.front(), 0.0001);
  EXPECT_EQ(b.back(), 10);
  for (std::size_t i = 1; i < b.size(); ++i) EXPECT_LT(b[i - 1], b[i]);
}

TEST(Buckets, ExponentialBuckets) {
  EXPECT_EQ(ExponentialBuckets(1, 2, 4), (std::vector<double>{1, 2, 4, 8}));
  EXPECT_TRUE(ExponentialBuckets(0, 2, 4).empty());
  EXPECT_TRUE(ExponentialBuckets(1, 1, 4).empty());
  EXPECT_TRUE(ExponentialBuckets(1, 2, 0).empty());
}

}  // namespace
}  // namespace raftlab::metrics
