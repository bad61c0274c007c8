// Coverage: counters summed across scrapes and restarts; warnings for runs that did not
// reach what they meant to test.
#include "harness/coverage.h"

#include <gtest/gtest.h>

namespace raftlab::harness {
namespace {

std::string Scrape(int hits, int misses, int snapshots) {
  return "# HELP raftlab_lease_read_total Lease-mode reads.\n# TYPE raftlab_lease_read_total counter\n"
         "raftlab_lease_read_total{group=\"1\",outcome=\"hit\"} " + std::to_string(hits) +
         "\nraftlab_lease_read_total{group=\"1\",outcome=\"miss\"} " + std::to_string(misses) +
         "\nraftlab_raft_snapshots_total{group=\"1\"} " + std::to_string(snapshots) +
         "\nraftlab_raft_term{group=\"1\"} 7\nmalformed line\n";
}

TEST(PrometheusText, ParsesNamesLabelsAndValuesAndSkipsTheRest) {
  const auto samples = ParsePrometheusText(Scrape(3, 4, 1) + "raftlab_transport_reconnects_total 2.5\n");
  ASSERT_EQ(samples.size(), 5u);
  EXPECT_EQ(samples[0].name, "raftlab_lease_read_total");
  EXPECT_EQ(samples[0].labels.at("outcome"), "hit");
  EXPECT_EQ(samples[0].value, 3);
  EXPECT_EQ(samples[4].name, "raftlab_transport_reconnects_total");
  EXPECT_TRUE(samples[4].labels.empty());
  EXPECT_EQ(samples[4].value, 2.5);
}

TEST(CoverageCounters, SumsNodesAndKeepsCountsAcrossARestart) {
  CoverageCounters c;
  c.Observe(1, 1, Scrape(10, 5, 1));
  c.Observe(1, 1, Scrape(30, 6, 2));
  c.Observe(2, 1, Scrape(0, 8, 1));
  // Node 1 restarted (generation 2): its counters began at zero again.
  c.Observe(1, 2, Scrape(40, 1, 0));
  EXPECT_EQ(c.Total("raftlab_lease_read_total", {{"outcome", "hit"}}), 30 + 40 + 0);
  EXPECT_EQ(c.Total("raftlab_lease_read_total", {{"outcome", "miss"}}), 6 + 1 + 8);
  EXPECT_EQ(c.Total("raftlab_raft_snapshots_total"), 2 + 1);
  EXPECT_EQ(c.Total("raftlab_raft_term"), 0) << "gauges are not counted";
  const auto by = c.ByLabel("raftlab_lease_read_total", "outcome");
  EXPECT_EQ(by.at("hit"), 70);
}

TEST(CoverageCounters, ADropWithinAGenerationIsARestartToo) {
  CoverageCounters c;
  c.Observe(1, 1, Scrape(50, 0, 0));
  c.Observe(1, 1, Scrape(5, 0, 0));
  EXPECT_EQ(c.Total("raftlab_lease_read_total", {{"outcome", "hit"}}), 55);
}

TEST(CoverageWarnings, ALeaseTestWithoutLeaseHitsIsNotMeaningful) {
  CoverageCounters few;
  few.Observe(1, 1, Scrape(3, 900, 1));
  auto w = CoverageWarnings({{"counters", CoverageSummary(few)}}, "lease");
  ASSERT_EQ(w.size(), 1u);
  EXPECT_NE(w[0].find("not meaningful as a lease test: only 3 of 903"), std::string::npos);
  CoverageCounters many;
  many.Observe(1, 1, Scrape(400, 500, 1));
  EXPECT_TRUE(CoverageWarnings({{"counters", CoverageSummary(many)}}, "lease").empty());
  EXPECT_TRUE(CoverageWarnings({{"counters", CoverageSummary(few)}}, "linearizable").empty());
}

TEST(CoverageWarnings, ASnapshotFaultWithoutSnapshotsIsNamed) {
  CoverageCounters none;
  none.Observe(1, 1, Scrape(0, 0, 0));
  auto w = CoverageWarnings({{"counters", CoverageSummary(none)}, {"faults_started", {{"snapshot-install", 2}}}},
                            "linearizable");
  ASSERT_EQ(w.size(), 2u);
  EXPECT_NE(w[0].find("snapshot-install fault ran but no node took a snapshot"), std::string::npos);
  EXPECT_NE(w[1].find("no follower installed a snapshot"), std::string::npos);
}

}  // namespace
}  // namespace raftlab::harness
