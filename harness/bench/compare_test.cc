// The benchmark comparison: the U test's p-values, a synthetic 30% regression flagged (time
// up, throughput down) while noise within the threshold on repeated identical runs is not,
// min-of-N with few repetitions, result files from Google Benchmark and raftlab-ctl output,
// the trend page, and raftlab-bench's exit codes.
#include "harness/bench/compare.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <random>

#include "harness/bench/trend.h"
#include "harness/test_util.h"

namespace raftlab::bench {
namespace {

// Repetitions of a benchmark whose true value is `center`, with seeded noise of `noise`
// (relative standard deviation).
std::vector<double> Draw(double center, double noise, int reps, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> d(1.0, noise);
  std::vector<double> v;
  for (int i = 0; i < reps; ++i) v.push_back(center * d(rng));
  return v;
}

BenchResult Result(const std::string& commit, const std::string& date, double scale, uint32_t seed, int reps = 10) {
  BenchResult r;
  r.commit = commit;
  r.date = date;
  r.machine = {{"cpu", "test"}, {"cores", 2}};
  r.benchmarks.push_back({"raft_bench/BM_Propose", "ns", false, Draw(1000 * scale, 0.03, reps, seed)});
  r.benchmarks.push_back({"load/put-1/req_per_s", "req/s", true, Draw(700 / scale, 0.03, reps, seed + 1000)});
  return r;
}

const Comparison& Row(const std::vector<Comparison>& rows, const std::string& name) {
  for (const auto& c : rows) {
    if (c.name == name) return c;
  }
  static Comparison none;
  ADD_FAILURE() << "no row " << name;
  return none;
}

TEST(BenchCompare, MannWhitneyPValues) {
  // Fully separated samples of 5: exact p = 2 / C(10, 5).
  EXPECT_NEAR(MannWhitneyP({1, 2, 3, 4, 5}, {6, 7, 8, 9, 10}), 2.0 / 252, 1e-12);
  EXPECT_NEAR(MannWhitneyP({6, 7, 8, 9, 10}, {1, 2, 3, 4, 5}), 2.0 / 252, 1e-12);
  EXPECT_DOUBLE_EQ(MannWhitneyP({1, 3, 5}, {2, 4, 6}), 0.7);  // U = 3 of 9: P(U <= 3) = 7/20
  EXPECT_DOUBLE_EQ(MannWhitneyP({5, 5, 5}, {5, 5, 5}), 1.0);  // all tied
  EXPECT_LT(MannWhitneyP(Draw(1, 0.01, 30, 1), Draw(1.2, 0.01, 30, 2)), 1e-6) << "normal approximation";
  EXPECT_DOUBLE_EQ(MannWhitneyP({}, {1}), 1.0);
}

TEST(BenchCompare, SyntheticThirtyPercentRegressionIsFlagged) {
  const BenchResult base = Result("a", "1", 1.0, 1);
  const BenchResult slow = Result("b", "2", 1.3, 2);  // 30% more time, 1/1.3 the throughput
  const auto rows = Compare(base, slow, {});
  EXPECT_EQ(Row(rows, "raft_bench/BM_Propose").verdict, "regression");
  EXPECT_EQ(Row(rows, "raft_bench/BM_Propose").method, "u-test");
  EXPECT_NEAR(Row(rows, "raft_bench/BM_Propose").change, 0.3, 0.05);
  EXPECT_EQ(Row(rows, "load/put-1/req_per_s").verdict, "regression") << "throughput down is worse";
  EXPECT_TRUE(HasRegression(rows));
  const std::string text = CompareText(rows, {});
  EXPECT_NE(text.find("regressions:\n  raft_bench/BM_Propose +"), std::string::npos) << text;
  // The other way round it is an improvement, not a regression.
  const auto back = Compare(slow, base, {});
  EXPECT_EQ(Row(back, "raft_bench/BM_Propose").verdict, "improvement");
  EXPECT_FALSE(HasRegression(back));
}

TEST(BenchCompare, NoiseWithinTheThresholdOnRepeatedIdenticalRunsIsIgnored) {
  for (uint32_t seed = 1; seed <= 200; seed += 2) {
    const auto same = Compare(Result("a", "1", 1.0, seed), Result("b", "2", 1.0, seed + 1), {});
    EXPECT_FALSE(HasRegression(same)) << "identical runs, seed " << seed << "\n" << CompareText(same, {});
    // A real but small shift (5%, under the 10% threshold) is significant yet not a regression.
    const auto small = Compare(Result("a", "1", 1.0, seed), Result("b", "2", 1.05, seed + 1), {});
    EXPECT_FALSE(HasRegression(small)) << "5% shift, seed " << seed << "\n" << CompareText(small, {});
  }
}

TEST(BenchCompare, FewRepetitionsCompareTheBestWithATolerance) {
  const auto rows = Compare(Result("a", "1", 1.0, 1, 2), Result("b", "2", 1.3, 2, 2), {});
  EXPECT_EQ(Row(rows, "raft_bench/BM_Propose").method, "min-of-n");
  EXPECT_EQ(Row(rows, "raft_bench/BM_Propose").verdict, "regression");
  const auto close = Compare(Result("a", "1", 1.0, 1, 2), Result("b", "2", 1.02, 2, 2), {});
  EXPECT_FALSE(HasRegression(close));
}

TEST(BenchCompare, BenchmarksOnOneSideOnlyAreListed) {
  BenchResult base = Result("a", "1", 1.0, 1), now = Result("b", "2", 1.0, 2);
  base.benchmarks.push_back({"gone", "ns", false, {1}});
  now.benchmarks.push_back({"fresh", "ns", false, {1}});
  const auto rows = Compare(base, now, {});
  EXPECT_EQ(Row(rows, "gone").verdict, "only-in-baseline");
  EXPECT_EQ(Row(rows, "fresh").verdict, "new");
  EXPECT_FALSE(HasRegression(rows));
}

TEST(BenchResultFile, FromGoogleBenchmarkAndCtlOutput) {
  const std::string gbench = R"({"context": {"num_cpus": 2, "mhz_per_cpu": 2400},
    "benchmarks": [
      {"name": "BM_A/8", "run_name": "BM_A/8", "run_type": "iteration", "repetitions": 2, "repetition_index": 0,
       "real_time": 1.5, "cpu_time": 1.4, "time_unit": "us", "items_per_second": 1000},
      {"name": "BM_A/8", "run_name": "BM_A/8", "run_type": "iteration", "repetitions": 2, "repetition_index": 1,
       "real_time": 2.5, "cpu_time": 2.4, "time_unit": "us", "items_per_second": 900},
      {"name": "BM_A/8_mean", "run_name": "BM_A/8", "run_type": "aggregate", "aggregate_name": "mean",
       "real_time": 2.0, "cpu_time": 1.9, "time_unit": "us"},
      {"name": "BM_A/8_cv", "run_name": "BM_A/8", "run_type": "aggregate", "aggregate_name": "cv",
       "real_time": 0.2, "cpu_time": 0.2, "time_unit": "us", "drops": NaN, "x_per_second": -nan}]})";
  BenchResult r;
  ASSERT_TRUE(AddGoogleBenchmarkJson(gbench, "g.json", "raft_bench", &r).ok());
  ASSERT_NE(r.Find("raft_bench/BM_A/8"), nullptr);
  EXPECT_EQ(r.Find("raft_bench/BM_A/8")->values, (std::vector<double>{1500, 2500}))
      << "ns, aggregates skipped, a bare nan read";
  ASSERT_NE(r.Find("raft_bench/BM_A/8:items_per_second"), nullptr);
  EXPECT_TRUE(r.Find("raft_bench/BM_A/8:items_per_second")->higher_is_better);
  EXPECT_EQ(r.machine["gbench"]["mhz_per_cpu"], 2400);

  const std::string ctl = R"({"requests_per_s": 650.5, "errors": 0, "percentiles_ms": {"p99": 2.1}})";
  ASSERT_TRUE(AddCtlBenchJson(ctl, "c.json", "load/put-1", &r).ok());
  ASSERT_TRUE(AddCtlBenchJson(ctl, "c.json", "load/put-1", &r).ok());
  EXPECT_EQ(r.Find("load/put-1/req_per_s")->values.size(), 2u);
  EXPECT_EQ(r.Find("load/put-1/p99_ms")->unit, "ms");

  auto back = ParseResult(ResultJson(r).dump(), "r.json");
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(ResultJson(*back), ResultJson(r));

  EXPECT_NE(AddGoogleBenchmarkJson("{}", "g.json", "x", &r).message().find("g.json: not Google Benchmark"),
            std::string::npos);
  EXPECT_NE(AddCtlBenchJson(R"({"requests_per_s": 1, "errors": 3})", "c.json", "x", &r).message().find("3 requests failed"),
            std::string::npos);
  EXPECT_NE(ParseResult(R"({"format": "raftlab-bench/1", "commit": "a", "date": "b", "benchmarks": [{"name": "x",
            "better": "up", "values": [1]}]})", "r.json").status().message().find("benchmarks[0].better"),
            std::string::npos);
}

TEST(BenchTrend, PlotsEveryBenchmarkAndMarksTheRegression) {
  std::vector<BenchResult> history = {Result("c1", "2026-11-01", 1.0, 1), Result("c2", "2026-11-02", 1.0, 3),
                                      Result("c3", "2026-11-03", 1.3, 5), Result("c4", "2026-11-04", 1.3, 7)};
  const auto regs = TrendRegressions(history, {});
  ASSERT_EQ(regs.size(), 2u) << "time and throughput at c3, nothing at c4";
  EXPECT_EQ(regs[0].result, 2u);
  const std::string html = TrendHtml(history, {});
  size_t svgs = 0, marks = 0;
  for (size_t p = html.find("<svg"); p != std::string::npos; p = html.find("<svg", p + 1)) ++svgs;
  for (size_t p = html.find("class=\"regression\""); p != std::string::npos; p = html.find("class=\"regression\"", p + 1)) ++marks;
  EXPECT_EQ(svgs, 2u);
  EXPECT_EQ(marks, 2u);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("https://"), std::string::npos) << "no network";
}

TEST(BenchCommand, CompareExitsOneOnARegression) {
  raftlab::harness::testing::TempDir dir;
  auto write = [&](const std::string& name, const BenchResult& r) {
    const std::string path = dir.path() + "/" + name;
    std::ofstream(path) << ResultJson(r).dump();
    return path;
  };
  const std::string base = write("base.json", Result("a", "1", 1.0, 1));
  const std::string same = write("same.json", Result("b", "2", 1.0, 2));
  const std::string slow = write("slow.json", Result("c", "3", 1.3, 3));
  const std::string bin = RAFTLAB_BENCH_BIN;
  auto ok = raftlab::harness::testing::RunCommand(bin + " compare " + base + " " + same);
  EXPECT_EQ(ok.exit_code, 0) << ok.output;
  EXPECT_NE(ok.output.find("regressions: none"), std::string::npos) << ok.output;
  auto bad = raftlab::harness::testing::RunCommand(bin + " compare " + base + " " + slow);
  EXPECT_EQ(bad.exit_code, 1) << bad.output;
  EXPECT_NE(bad.output.find("regression"), std::string::npos);
  auto loose = raftlab::harness::testing::RunCommand(bin + " compare --threshold 0.5 " + base + " " + slow);
  EXPECT_EQ(loose.exit_code, 0) << "within a 50% threshold: " << loose.output;
  auto missing = raftlab::harness::testing::RunCommand(bin + " compare " + base + " " + dir.path() + "/none.json");
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.output.find("none.json: cannot read"), std::string::npos) << missing.output;
  auto trend = raftlab::harness::testing::RunCommand(bin + " trend --out " + dir.path() + "/t.html " + slow + " " +
                                                     base + " " + same);
  EXPECT_EQ(trend.exit_code, 0) << trend.output;
  EXPECT_NE(trend.output.find("3 results, 2 regressions"), std::string::npos) << "ordered by date: " << trend.output;
}

}  // namespace
}  // namespace raftlab::bench
