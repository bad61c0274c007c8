// Set, bank and stats checkers, and the summary/JSON renderings of a result.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "checkers/bank_checker.h"
#include "checkers/history_gen.h"
#include "checkers/html_report.h"
#include "checkers/report.h"
#include "checkers/set_checker.h"
#include "checkers/stats.h"
#include "checkers/test_util.h"

namespace raftlab::checkers {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::HistoryText;

struct Loaded {
  History history;
  std::vector<Op> ops;
};

Loaded Load(const std::string& text, ModelKind model) {
  auto h = ParseJsonl(text, "t.jsonl");
  EXPECT_TRUE(h.ok()) << h.status().message();
  auto ops = BuildOps(*h, model);
  EXPECT_TRUE(ops.ok()) << ops.status().message();
  return {std::move(*h), std::move(*ops)};
}

TEST(SetCheckerTest, CountsLostUnexpectedRecoveredAndStale) {
  Loaded l = Load(HistoryText()
                      .Invoke(1, "add", "1").Ok(1, "add", "1")
                      .Invoke(1, "add", "2").Ok(1, "add", "2")
                      .Invoke(2, "add", "3").Info(2, "add", "3")
                      .Invoke(3, "add", "4").Fail(3, "add", "4")
                      .Invoke(4, "read").Ok(4, "read", "[1]")  // 2 missing: stale
                      .Invoke(4, "read").Ok(4, "read", "[2,3,4,9]")
                      .text(),
                  ModelKind::kSet);
  SetResult r = CheckSet(l.history, l.ops);
  EXPECT_EQ(r.verdict, Verdict::kInvalid);
  EXPECT_EQ(r.attempted, 4u);
  EXPECT_EQ(r.acknowledged, 2u);
  EXPECT_THAT(r.lost_values, ElementsAre(1));
  EXPECT_EQ(r.unexpected, 2u);  // 9 never added, 4 failed
  EXPECT_EQ(r.recovered, 1u);
  EXPECT_THAT(r.stale_values, ElementsAre(2));
}

TEST(SetCheckerTest, CompleteFinalReadIsValid) {
  Loaded l = Load(HistoryText()
                      .Invoke(1, "add", "1").Invoke(2, "read").Ok(2, "read", "[]").Ok(1, "add", "1")
                      .Invoke(2, "read").Ok(2, "read", "[1]")
                      .text(),
                  ModelKind::kSet);
  EXPECT_EQ(CheckSet(l.history, l.ops).verdict, Verdict::kValid);
}

TEST(BankCheckerTest, ReadWithTheWrongTotalIsInvalid) {
  Loaded l = Load(HistoryText()
                      .Invoke(1, "read").Ok(1, "read", "[50,50]")
                      .Invoke(1, "transfer", "[0,1,10]").Ok(1, "transfer", "[0,1,10]")
                      .Invoke(1, "read").Ok(1, "read", "[40,60]")
                      .Invoke(1, "read").Ok(1, "read", "[40,50]")
                      .text(),
                  ModelKind::kBank);
  BankResult r = CheckBank(l.history, l.ops, std::nullopt);
  EXPECT_EQ(r.verdict, Verdict::kInvalid);
  EXPECT_EQ(r.total, 100);
  EXPECT_EQ(r.bad_reads, 1u);
  EXPECT_THAT(r.bad_ops, ElementsAre(3));
  EXPECT_EQ(CheckBank(l.history, l.ops, 90).bad_reads, 2u);
}

TEST(StatsTest, CountsPerFAndLatencyPercentiles) {
  std::string text;
  for (int i = 0; i < 100; ++i) {
    int64_t t0 = i * 10'000'000LL;
    text += "{\"type\":\"invoke\",\"process\":1,\"f\":\"read\",\"value\":null,\"time\":" +
            std::to_string(t0) + "}\n{\"type\":\"" + (i % 10 == 0 ? "fail" : "ok") +
            "\",\"process\":1,\"f\":\"read\",\"value\":null,\"time\":" +
            std::to_string(t0 + (i + 1) * 1000) + "}\n";
  }
  Loaded l = Load(text, ModelKind::kStats);
  Stats s = ComputeStats(l.history, l.ops);
  ASSERT_EQ(s.per_f.size(), 1u);
  EXPECT_EQ(s.per_f[0].ok, 90u);
  EXPECT_EQ(s.per_f[0].fail, 10u);
  EXPECT_EQ(s.latency.max, 100000);
  EXPECT_EQ(s.latency.count, 90u);
  EXPECT_EQ(s.ok_per_second.size(), 1u);
  EXPECT_EQ(s.ok_per_second[0], 90u);
}

TEST(ReportTest, SummaryAndJsonNameTheKeyTheOpAndTheWindow) {
  HistoryText t;
  t.Invoke(1, "write", "12", "k7").Ok(1, "write", "12", "k7");
  t.Invoke(1, "write", "13", "k7").Ok(1, "write", "13", "k7");
  t.Invoke(2, "read", "null", "k7").Ok(2, "read", "12", "k7");
  auto c = testing::CheckText(t.text(), ModelKind::kCasRegister);
  Loaded l = Load(t.text(), ModelKind::kCasRegister);
  CheckReport report;
  report.linearizability = c.result;
  report.verdict = c.result.verdict;
  report.stats = ComputeStats(l.history, l.ops);
  EXPECT_EQ(SummaryLine(report, l.history, l.ops),
            "invalid: key k7: read of 12 at index 5 cannot be linearized (3 ops in window)");
  auto j = nlohmann::json::parse(ReportJson(report, l.history, l.ops));
  EXPECT_EQ(j["verdict"], "invalid");
  EXPECT_EQ(j["valid"], false);
  ASSERT_EQ(j["counterexamples"].size(), 1u);
  EXPECT_EQ(j["counterexamples"][0]["kind"], "lost-write");
  EXPECT_EQ(j["counterexamples"][0]["window"].size(), 3u);
  EXPECT_EQ(j["counterexamples"][0]["failed_op"]["complete_index"], 5);
  EXPECT_THAT(ReportText(report, l.history, l.ops), HasSubstr("<- cannot be placed"));
  std::string html = ReportHtml(report, l.history, l.ops);
  EXPECT_THAT(html, HasSubstr("<svg class=timeline"));
  EXPECT_THAT(html, HasSubstr("key <code>k7</code>: invalid"));
}

TEST(GeneratorTest, GeneratedHistoriesAreLinearizableAndTheStaleReadIsCaught) {
  HistoryGenOptions o;
  o.ops = 5000;
  o.keys = 3;
  o.info_rate = 0.05;
  for (bool stale : {false, true}) {
    o.stale_read = stale;
    GeneratedHistory g = GenerateCasHistory(o);
    auto ops = BuildOps(g.history, ModelKind::kCasRegister);
    ASSERT_TRUE(ops.ok()) << ops.status().message();
    LinearizabilityOptions lo;
    lo.threads = 1;
    auto r = CheckLinearizability(g.history, *ops, lo);
    EXPECT_EQ(r.verdict, stale ? Verdict::kInvalid : Verdict::kValid);
    if (stale) {
      ASSERT_GE(g.stale_read_event, 0);
      for (const KeyResult& k : r.keys) {
        if (k.verdict == Verdict::kInvalid) {
          EXPECT_EQ((*ops)[static_cast<size_t>(k.cex.failed_op)].complete_event, g.stale_read_event);
        }
      }
    }
  }
}

}  // namespace
}  // namespace raftlab::checkers
