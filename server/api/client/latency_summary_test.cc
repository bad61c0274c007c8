#include "server/api/client/latency_summary.h"

#include <gtest/gtest.h>

namespace raftlab::client {
namespace {

TEST(LatencySummary, StatisticsOfKnownLatencies) {
  std::vector<double> lats;
  for (int i = 100; i >= 1; --i) lats.push_back(i / 1000.0);  // 1..100 ms, unsorted
  LatencySummary s = Summarize(lats, 2.0);
  EXPECT_EQ(s.count, 100);
  EXPECT_DOUBLE_EQ(s.fastest_s, 0.001);
  EXPECT_DOUBLE_EQ(s.slowest_s, 0.100);
  EXPECT_NEAR(s.average_s, 0.0505, 1e-12);
  EXPECT_NEAR(s.stddev_s, 0.028866, 1e-6);
  EXPECT_DOUBLE_EQ(s.requests_per_s, 50.0);
}

TEST(LatencySummary, PercentilesAreNearestRank) {
  std::vector<double> lats;
  for (int i = 1; i <= 1000; ++i) lats.push_back(i);
  LatencySummary s = Summarize(lats, 1.0);
  ASSERT_EQ(s.percentiles.size(), ReportedPercents().size());
  EXPECT_EQ(s.percentiles[0], std::make_pair(10.0, 100.0));
  EXPECT_EQ(s.percentiles[2], std::make_pair(50.0, 500.0));
  EXPECT_EQ(s.percentiles[6], std::make_pair(99.0, 990.0));
  EXPECT_EQ(s.percentiles[7], std::make_pair(99.9, 999.0));
}

TEST(LatencySummary, HistogramCountsEveryLatencyOnce) {
  std::vector<double> lats{0.0, 0.05, 0.1, 0.1, 1.0, 0.95, 0.3};
  LatencySummary s = Summarize(lats, 1.0);
  ASSERT_EQ(s.histogram.size(), 11u);
  int64_t sum = 0;
  for (const auto& b : s.histogram) sum += b.count;
  EXPECT_EQ(sum, 7);
  EXPECT_EQ(s.histogram[0].count, 1);   // 0.0
  EXPECT_EQ(s.histogram[1].count, 3);   // 0.05, 0.1, 0.1
  EXPECT_EQ(s.histogram[10].count, 2);  // 0.95, 1.0
}

TEST(LatencySummary, EmptyRunFormatsWithoutStatistics) {
  LatencySummary s = Summarize({}, 1.5);
  EXPECT_EQ(s.count, 0);
  std::string text = FormatSummary(s);
  EXPECT_NE(text.find("Total:\t1.5000 secs."), std::string::npos);
  EXPECT_NE(text.find("No successful requests"), std::string::npos);
}

TEST(LatencySummary, FormatHasEtcdSections) {
  std::string text = FormatSummary(Summarize({0.001, 0.002, 0.003}, 1.0));
  for (const char* part : {"Summary:", "Slowest:", "Fastest:", "Average:", "Stddev:", "Requests/sec:",
                           "Response time histogram:", "Latency distribution:", "99.9% in"}) {
    EXPECT_NE(text.find(part), std::string::npos) << part;
  }
}

}  // namespace
}  // namespace raftlab::client
