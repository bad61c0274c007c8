// The registry's text exposition matches the Prometheus text format 0.0.4 byte for byte.

#include "server/metrics/registry.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "server/metrics/text_format.h"

namespace raftlab::metrics {
namespace {

TEST(Exposition, CounterWithLabelsInLabelValueOrder) {
  Registry r;
  auto& f = r.AddCounter("raftlab_test_requests_total", "Requests seen.", {"method", "code"});
  f.WithLabels({"put", "ok"})->Inc();
  Counter* get = f.WithLabels({"get", "ok"});
  get->Add(3);
  EXPECT_EQ(r.TextExposition(),
            "# HELP raftlab_test_requests_total Requests seen.\n"
            "# TYPE raftlab_test_requests_total counter\n"
            "raftlab_test_requests_total{method=\"get\",code=\"ok\"} 3\n"
            "raftlab_test_requests_total{method=\"put\",code=\"ok\"} 1\n");
}

TEST(Exposition, UnlabelledFamiliesAreExposedAtZeroFromRegistration) {
  Registry r;
  r.AddCounter("raftlab_test_events_total", "Events.");
  r.AddGauge("raftlab_test_term", "Term.");
  EXPECT_EQ(r.TextExposition(),
            "# HELP raftlab_test_events_total Events.\n"
            "# TYPE raftlab_test_events_total counter\n"
            "raftlab_test_events_total 0\n"
            "# HELP raftlab_test_term Term.\n"
            "# TYPE raftlab_test_term gauge\n"
            "raftlab_test_term 0\n");
}

TEST(Exposition, GaugeValues) {
  Registry r;
  auto& f = r.AddGauge("raftlab_test_level", "A level.", {"kind"});
  f.WithLabels({"int"})->Set(42);
  f.WithLabels({"frac"})->Set(-0.25);
  f.WithLabels({"tiny"})->Set(1e-05);
  f.WithLabels({"inf"})->Set(std::numeric_limits<double>::infinity());
  EXPECT_EQ(r.TextExposition(),
            "# HELP raftlab_test_level A level.\n"
            "# TYPE raftlab_test_level gauge\n"
            "raftlab_test_level{kind=\"frac\"} -0.25\n"
            "raftlab_test_level{kind=\"inf\"} +Inf\n"
            "raftlab_test_level{kind=\"int\"} 42\n"
            "raftlab_test_level{kind=\"tiny\"} 1e-05\n");
}

TEST(Exposition, HistogramCumulativeBucketsSumAndCount) {
  Registry r;
  auto& f = r.AddHistogram("raftlab_test_latency_seconds", "Latency.", {0.25, 1, 2.5}, {"op"});
  Histogram* h = f.WithLabels({"put"});
  h->Observe(0.25);
  h->Observe(0.5);
  h->Observe(4);
  EXPECT_EQ(r.TextExposition(),
            "# HELP raftlab_test_latency_seconds Latency.\n"
            "# TYPE raftlab_test_latency_seconds histogram\n"
            "raftlab_test_latency_seconds_bucket{op=\"put\",le=\"0.25\"} 1\n"
            "raftlab_test_latency_seconds_bucket{op=\"put\",le=\"1\"} 2\n"
            "raftlab_test_latency_seconds_bucket{op=\"put\",le=\"2.5\"} 2\n"
            "raftlab_test_latency_seconds_bucket{op=\"put\",le=\"+Inf\"} 3\n"
            "raftlab_test_latency_seconds_sum{op=\"put\"} 4.75\n"
            "raftlab_test_latency_seconds_count{op=\"put\"} 3\n");
}

TEST(Exposition, UnlabelledHistogramHasOnlyTheLeLabel) {
  Registry r;
  r.AddHistogram("raftlab_test_fsync_seconds", "Fsync.", {0.001})
      .Get()
      ->Observe(0.001);
  EXPECT_EQ(r.TextExposition(),
            "# HELP raftlab_test_fsync_seconds Fsync.\n"
            "# TYPE raftlab_test_fsync_seconds histogram\n"
            "raftlab_test_fsync_seconds_bucket{le=\"0.001\"} 1\n"
            "raftlab_test_fsync_seconds_bucket{le=\"+Inf\"} 1\n"
            "raftlab_test_fsync_seconds_sum 0.001\n"
            "raftlab_test_fsync_seconds_count 1\n");
}

TEST(Exposition, EscapesLabelValuesAndHelp) {
  Registry r;
  auto& f = r.AddCounter("raftlab_test_odd_total", "Back\\slash and\nnewline \"kept\".", {"v"});
  f.WithLabels({"a\\b\"c\nd"})->Inc();
  EXPECT_EQ(r.TextExposition(),
            "# HELP raftlab_test_odd_total Back\\\\slash and\\nnewline \"kept\".\n"
            "# TYPE raftlab_test_odd_total counter\n"
            "raftlab_test_odd_total{v=\"a\\\\b\\\"c\\nd\"} 1\n");
}

TEST(TextFormat, EscapingHelpers) {
  std::string s;
  AppendEscapedLabelValue("x\\\"\n\ty", &s);
  EXPECT_EQ(s, "x\\\\\\\"\\n\ty");
  s.clear();
  AppendEscapedHelp("x\\\"\ny", &s);
  EXPECT_EQ(s, "x\\\\\"\\ny");
  s.clear();
  AppendDouble(std::nan(""), &s);
  EXPECT_EQ(s, "NaN");
}

TEST(Registry, FamiliesAreExposedInNameOrder) {
  Registry r;
  r.AddGauge("raftlab_b_x", "b.");
  r.AddGauge("raftlab_a_x", "a.");
  const std::string text = r.TextExposition();
  EXPECT_LT(text.find("raftlab_a_x"), text.find("raftlab_b_x"));
}

TEST(Registry, SameRegistrationTwiceSharesTheFamilyAndChildren) {
  Registry r;
  auto& a = r.AddCounter("raftlab_test_drop_total", "Drops.", {"lane"});
  auto& b = r.AddCounter("raftlab_test_drop_total", "Drops.", {"lane"});
  EXPECT_EQ(&a, &b);
  EXPECT_EQ(a.WithLabels({"x"}), b.WithLabels({"x"}));
}

TEST(Registry, ConflictingRegistrationIsAnError) {
  Registry r;
  r.AddCounter("raftlab_test_drop_total", "Drops.", {"lane"});
  EXPECT_EQ(r.TryAddCounter("raftlab_test_drop_total", "Drops.", {"peer"}).status().code(),
            absl::StatusCode::kAlreadyExists);
  r.AddGauge("raftlab_test_depth", "Depth.");
  EXPECT_EQ(r.TryAddHistogram("raftlab_test_depth", "Depth.", {1}).status().code(),
            absl::StatusCode::kAlreadyExists);
  r.AddHistogram("raftlab_test_wait_seconds", "Wait.", {1, 2});
  EXPECT_EQ(r.TryAddHistogram("raftlab_test_wait_seconds", "Wait.", {1, 3}).status().code(),
            absl::StatusCode::kAlreadyExists);
}

TEST(Registry, TryAddReportsInvalidNamesHelpAndBounds) {
  Registry r;
  EXPECT_EQ(r.TryAddCounter("raftlab_test_drops", "x").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(r.TryAddGauge("raftlab_test_depth", "x", {"le"}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(r.TryAddGauge("raftlab_test_depth", "").status().code(),
            absl::StatusCode::kInvalidArgument);
  for (const std::vector<double>& bounds : std::vector<std::vector<double>>{
           {}, {1, 1}, {2, 1}, {1, std::numeric_limits<double>::infinity()}, {std::nan("")}}) {
    const auto s = r.TryAddHistogram("raftlab_test_wait_seconds", "x", bounds).status();
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
    EXPECT_NE(s.message().find("raftlab_test_wait_seconds"), std::string_view::npos);
  }
  EXPECT_EQ(r.TextExposition(), "");
}

TEST(RegistryDeathTest, AddAbortsLoudlyOnAnInvalidName) {
  Registry r;
  EXPECT_DEATH(r.AddCounter("raftlab_test_drops", "x"), "a counter must end in '_total'");
}

TEST(RegistryDeathTest, WithLabelsAbortsOnTheWrongNumberOfValues) {
  Registry r;
  auto& f = r.AddCounter("raftlab_test_drop_total", "Drops.", {"lane"});
  EXPECT_DEATH(f.WithLabels({"a", "b"}), "raftlab_test_drop_total.*1 label");
}

}  // namespace
}  // namespace raftlab::metrics
