// Metric and label names follow raftlab_<component>_<what>_<unit|total> and Prometheus.

#include "server/metrics/names.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace raftlab::metrics {
namespace {

TEST(MetricNames, AcceptsTheNamesTheServerExports) {
  for (const char* name : {"raftlab_raft_dispatch_drop_total", "raftlab_raft_dispatch_errors_total",
                           "raftlab_lease_read_total"}) {
    EXPECT_TRUE(ValidateMetricName(name, MetricType::kCounter).ok()) << name;
  }
  for (const char* name : {"raftlab_raft_term", "raftlab_raft_commit_index",
                           "raftlab_fsm_apply_sync_mode"}) {
    EXPECT_TRUE(ValidateMetricName(name, MetricType::kGauge).ok()) << name;
  }
  EXPECT_TRUE(ValidateMetricName("raftlab_wal_fsync_seconds", MetricType::kHistogram).ok());
}

TEST(MetricNames, RefusesNamesOutsideTheScheme) {
  const std::vector<std::string> bad = {
      "raft_term",            // no raftlab_ prefix
      "raftlab_term",         // no component
      "raftlab_Raft_term",    // upper case
      "raftlab_raft__term",   // empty segment
      "raftlab_raft_term_",   // trailing underscore
      "raftlab_raft-term",    // dash
      "raftlab_wal_fsync_ms"  // non-base unit
  };
  for (const auto& name : bad) {
    const absl::Status s = ValidateMetricName(name, MetricType::kGauge);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << name;
    EXPECT_NE(s.message().find(name), std::string_view::npos) << s.message();
  }
}

TEST(MetricNames, CountersAndOnlyCountersEndInTotal) {
  EXPECT_FALSE(ValidateMetricName("raftlab_raft_drops", MetricType::kCounter).ok());
  EXPECT_FALSE(ValidateMetricName("raftlab_raft_total", MetricType::kCounter).ok());
  EXPECT_FALSE(ValidateMetricName("raftlab_raft_drops_total", MetricType::kGauge).ok());
  EXPECT_FALSE(ValidateMetricName("raftlab_raft_drops_total", MetricType::kHistogram).ok());
}

TEST(MetricNames, HistogramsMayNotUseTheSuffixesTheExpositionAdds) {
  EXPECT_FALSE(ValidateMetricName("raftlab_wal_fsync_count", MetricType::kHistogram).ok());
  EXPECT_FALSE(ValidateMetricName("raftlab_wal_fsync_sum", MetricType::kHistogram).ok());
  EXPECT_FALSE(ValidateMetricName("raftlab_wal_fsync_bucket", MetricType::kHistogram).ok());
}

TEST(LabelNames, AcceptsSnakeCaseAndRefusesReservedDuplicateOrOddNames) {
  EXPECT_TRUE(ValidateLabelNames("m", std::vector<std::string>{"lane", "group_id"}).ok());
  for (const auto& labels : std::vector<std::vector<std::string>>{
           {"le"}, {"quantile"}, {"_x"}, {"Lane"}, {"1x"}, {""}, {"a-b"}, {"lane", "lane"}}) {
    const absl::Status s = ValidateLabelNames("raftlab_x_y_total", labels);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << labels.back();
    EXPECT_NE(s.message().find("raftlab_x_y_total"), std::string_view::npos) << s.message();
  }
}

}  // namespace
}  // namespace raftlab::metrics
