// cas-register histories: the classic traps, the search's counterexample, and the
// bounds that turn a hard search into `unknown`.
#include "checkers/search.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "checkers/test_util.h"

namespace raftlab::checkers {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::CheckText;
using testing::HistoryText;

KeyResult CasKey(const HistoryText& h) {
  auto c = CheckText(h.text(), ModelKind::kCasRegister);
  EXPECT_TRUE(c.status.ok()) << c.status.message();
  EXPECT_EQ(c.result.keys.size(), 1u);
  return c.result.keys.empty() ? KeyResult{} : c.result.keys[0];
}

TEST(SearchTest, CasChainIsValid) {
  KeyResult k = CasKey(HistoryText()
                           .Invoke(1, "write", "1")
                           .Ok(1, "write", "1")
                           .Invoke(1, "cas", "[1,2]")
                           .Invoke(2, "cas", "[2,3]")
                           .Ok(1, "cas", "[1,2]")
                           .Ok(2, "cas", "[2,3]")
                           .Invoke(3, "read")
                           .Ok(3, "read", "3"));
  EXPECT_EQ(k.verdict, Verdict::kValid);
  EXPECT_EQ(k.method, "search");
}

TEST(SearchTest, CasFromAnAbsentKey) {
  EXPECT_EQ(CasKey(HistoryText()
                       .Invoke(1, "cas", "[null,5]")
                       .Ok(1, "cas", "[null,5]")
                       .Invoke(2, "read")
                       .Ok(2, "read", "5"))
                .verdict,
            Verdict::kValid);
}

TEST(SearchTest, ReadOfAValueAlreadyConsumedByACasIsStale) {
  KeyResult k = CasKey(HistoryText()
                           .Invoke(1, "write", "1")
                           .Ok(1, "write", "1")
                           .Invoke(1, "cas", "[1,2]")
                           .Ok(1, "cas", "[1,2]")
                           .Invoke(2, "read")
                           .Invoke(3, "write", "9")
                           .Ok(2, "read", "1")
                           .Ok(3, "write", "9"));
  EXPECT_EQ(k.verdict, Verdict::kInvalid);
  EXPECT_EQ(k.method, "precheck");
  EXPECT_EQ(k.cex.kind, "stale-read");
  EXPECT_THAT(k.cex.window, ElementsAre(0, 1, 2));
}

TEST(SearchTest, TwoSuccessfulCasFromOneValueIsInvalid) {
  KeyResult k = CasKey(HistoryText()
                           .Invoke(1, "write", "1")
                           .Ok(1, "write", "1")
                           .Invoke(1, "cas", "[1,2]")
                           .Invoke(2, "cas", "[1,3]")
                           .Ok(1, "cas", "[1,2]")
                           .Ok(2, "cas", "[1,3]"));
  EXPECT_EQ(k.verdict, Verdict::kInvalid);
  EXPECT_EQ(k.cex.kind, "double-cas");
}

TEST(SearchTest, FailedCasTookNoEffect) {
  EXPECT_EQ(CasKey(HistoryText()
                       .Invoke(1, "write", "1")
                       .Ok(1, "write", "1")
                       .Invoke(1, "cas", "[1,2]")
                       .Fail(1, "cas", "[1,2]")
                       .Invoke(2, "read")
                       .Ok(2, "read", "1"))
                .verdict,
            Verdict::kValid);
}

TEST(SearchTest, InfoCasMayTakeEffectLate) {
  EXPECT_EQ(CasKey(HistoryText()
                       .Invoke(1, "write", "1")
                       .Ok(1, "write", "1")
                       .Invoke(1, "cas", "[1,2]")
                       .Info(1, "cas", "[1,2]")
                       .Invoke(2, "read")
                       .Ok(2, "read", "1")
                       .Invoke(2, "read")
                       .Ok(2, "read", "2"))
                .verdict,
            Verdict::kValid);
}

TEST(SearchTest, InfoCasObservedThenUnobservedIsInvalid) {
  EXPECT_EQ(CasKey(HistoryText()
                       .Invoke(1, "write", "1")
                       .Ok(1, "write", "1")
                       .Invoke(1, "cas", "[1,2]")
                       .Info(1, "cas", "[1,2]")
                       .Invoke(2, "read")
                       .Ok(2, "read", "2")
                       .Invoke(2, "read")
                       .Ok(2, "read", "1"))
                .verdict,
            Verdict::kInvalid);
}

// Reads see 1, then 2, then 1 again while both writes are still running: no pre-check
// applies (no write completed before any read began), so the search must refute it.
TEST(SearchTest, SearchCounterexampleHasPrefixFailedOpAndState) {
  KeyResult k = CasKey(HistoryText()
                           .Invoke(1, "write", "1")
                           .Invoke(2, "write", "2")
                           .Invoke(3, "read")
                           .Ok(3, "read", "1")
                           .Invoke(4, "read")
                           .Ok(4, "read", "2")
                           .Invoke(3, "read")
                           .Ok(3, "read", "1")
                           .Ok(1, "write", "1")
                           .Ok(2, "write", "2"));
  ASSERT_EQ(k.verdict, Verdict::kInvalid);
  EXPECT_EQ(k.method, "search");
  EXPECT_EQ(k.cex.kind, "search");
  EXPECT_THAT(k.cex.prefix, ElementsAre(0, 2, 1, 3));
  EXPECT_EQ(k.cex.failed_op, 4);
  EXPECT_THAT(k.cex.states, ElementsAre("register = 2"));
  EXPECT_THAT(k.cex.explanation, HasSubstr("no linearization places read 1"));
}

TEST(SearchTest, StaleReadOfARepeatedValueIsFoundByThePrechecks) {
  KeyResult k = CasKey(HistoryText()
                           .Invoke(1, "write", "1")
                           .Ok(1, "write", "1")
                           .Invoke(1, "write", "1")
                           .Ok(1, "write", "1")
                           .Invoke(1, "write", "2")
                           .Ok(1, "write", "2")
                           .Invoke(2, "read")
                           .Ok(2, "read", "1"));
  ASSERT_EQ(k.verdict, Verdict::kInvalid);
  EXPECT_EQ(k.method, "precheck");
  EXPECT_THAT(k.cex.explanation, HasSubstr("the latest-completing of the writes of 1"));
  EXPECT_THAT(k.cex.window, ElementsAre(1, 2, 3));
}

TEST(SearchTest, MapModelChecksEachKeyOfTheMap) {
  auto c = CheckText(HistoryText()
                         .Invoke(1, "write", "1", "a")
                         .Ok(1, "write", "1", "a")
                         .Invoke(1, "cas", "[null,2]", "b")
                         .Ok(1, "cas", "[null,2]", "b")
                         .Invoke(2, "read", "null", "a")
                         .Ok(2, "read", "1", "a")
                         .Invoke(2, "read", "null", "b")
                         .Ok(2, "read", "null", "b")
                         .text(),
                     ModelKind::kMap);
  ASSERT_TRUE(c.status.ok()) << c.status.message();
  EXPECT_EQ(c.result.verdict, Verdict::kInvalid);
  ASSERT_EQ(c.result.keys.size(), 2u);
  EXPECT_EQ(c.result.keys[0].verdict, Verdict::kValid);
  EXPECT_EQ(c.result.keys[1].verdict, Verdict::kInvalid);
}

TEST(SearchTest, StopAtFirstInvalidLeavesLaterKeysUnknown) {
  HistoryText t;
  t.Invoke(1, "write", "1", "a").Ok(1, "write", "1", "a");
  t.Invoke(2, "read", "null", "a").Ok(2, "read", "7", "a");  // never written: invalid
  for (int k = 0; k < 5; ++k) {
    t.Invoke(3, "write", std::to_string(k + 10), "k" + std::to_string(k));
    t.Ok(3, "write", std::to_string(k + 10), "k" + std::to_string(k));
  }
  auto h = ParseJsonl(t.text(), "t.jsonl");
  ASSERT_TRUE(h.ok());
  auto ops = BuildOps(*h, ModelKind::kCasRegister);
  ASSERT_TRUE(ops.ok());
  LinearizabilityOptions options;
  options.threads = 1;
  options.stop_at_first_invalid = true;
  LinearizabilityResult r = CheckLinearizability(*h, *ops, options);
  EXPECT_EQ(r.verdict, Verdict::kInvalid);
  ASSERT_EQ(r.keys.size(), 6u);
  EXPECT_EQ(r.keys[0].verdict, Verdict::kInvalid);
  for (size_t k = 1; k < r.keys.size(); ++k) EXPECT_EQ(r.keys[k].verdict, Verdict::kUnknown);
}

KeyOps ManyConcurrentWrites() {
  KeyOps key;
  // Ten overlapping writes then a read: enough states that the search must work.
  for (int i = 0; i < 10; ++i) key.ops.push_back({RegF::kWrite, true, i + 1, kNil, i, 100 + i, uint32_t(i)});
  key.ops.push_back({RegF::kRead, true, 5, kNil, 200, 201, 10});
  return key;
}

TEST(SearchTest, MemoryCapGivesUnknownWithVerifiedProperties) {
  SearchLimits limits;
  limits.max_cache_bytes = 0;
  KeyResult k = CheckKey(ManyConcurrentWrites(), ModelKind::kCasRegister, limits);
  EXPECT_EQ(k.verdict, Verdict::kUnknown);
  EXPECT_EQ(k.unknown_reason, "memory limit");
  EXPECT_THAT(k.verified, ::testing::Contains("no-stale-reads"));
}

TEST(SearchTest, ExpiredDeadlineGivesUnknown) {
  SearchLimits limits;
  limits.deadline = std::chrono::steady_clock::now() - std::chrono::seconds(1);
  SearchOutcome s = SearchLinearizable(ManyConcurrentWrites(), limits);
  EXPECT_EQ(s.verdict, Verdict::kUnknown);
  EXPECT_EQ(s.unknown_reason, "timeout");
}

TEST(SearchTest, CancelFlagGivesUnknown) {
  std::atomic<bool> cancel{true};
  SearchLimits limits;
  limits.cancel = &cancel;
  EXPECT_EQ(SearchLinearizable(ManyConcurrentWrites(), limits).unknown_reason, "cancelled");
}

}  // namespace
}  // namespace raftlab::checkers
