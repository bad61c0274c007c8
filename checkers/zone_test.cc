// Hand-written register histories for the rules and classic traps, through the whole
// pipeline (parse, validate, pre-checks, zone test).
#include "checkers/zone.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "checkers/test_util.h"

namespace raftlab::checkers {
namespace {

using ::testing::HasSubstr;
using testing::CheckText;
using testing::HistoryText;

Verdict RegisterVerdict(const HistoryText& h) {
  auto c = CheckText(h.text(), ModelKind::kRegister);
  EXPECT_TRUE(c.status.ok()) << c.status.message();
  return c.result.verdict;
}

TEST(ZoneTest, SequentialWriteThenReadIsValid) {
  EXPECT_EQ(RegisterVerdict(HistoryText()
                                .Invoke(1, "write", "1")
                                .Ok(1, "write", "1")
                                .Invoke(2, "read")
                                .Ok(2, "read", "1")),
            Verdict::kValid);
}

TEST(ZoneTest, ReadOverlappingAWriteMaySeeEitherValue) {
  for (const char* seen : {"null", "1"}) {
    EXPECT_EQ(RegisterVerdict(HistoryText()
                                  .Invoke(1, "write", "1")
                                  .Invoke(2, "read")
                                  .Ok(2, "read", seen)
                                  .Ok(1, "write", "1")),
              Verdict::kValid)
        << seen;
    EXPECT_EQ(RegisterVerdict(HistoryText()
                                  .Invoke(2, "read")
                                  .Invoke(1, "write", "1")
                                  .Ok(1, "write", "1")
                                  .Ok(2, "read", seen)),
              Verdict::kValid)
        << seen;
  }
}

TEST(ZoneTest, ReadOfInitialValueAfterACompletedWriteIsStale) {
  auto c = CheckText(HistoryText()
                         .Invoke(1, "write", "1")
                         .Ok(1, "write", "1")
                         .Invoke(2, "read")
                         .Ok(2, "read")
                         .Invoke(1, "write", "2")
                         .Ok(1, "write", "2")
                         .text(),
                     ModelKind::kRegister);
  ASSERT_EQ(c.result.verdict, Verdict::kInvalid);
  const KeyResult& k = c.result.keys[0];
  EXPECT_EQ(k.cex.kind, "stale-read");
  EXPECT_EQ(k.cex.failed_op, 1);
}

TEST(ZoneTest, FinalReadMissingAnAcknowledgedWriteIsALostWrite) {
  auto c = CheckText(HistoryText()
                         .Invoke(1, "write", "1")
                         .Ok(1, "write", "1")
                         .Invoke(1, "write", "2")
                         .Ok(1, "write", "2")
                         .Invoke(2, "read")
                         .Ok(2, "read", "1")
                         .text(),
                     ModelKind::kRegister);
  ASSERT_EQ(c.result.verdict, Verdict::kInvalid);
  EXPECT_EQ(c.result.keys[0].cex.kind, "lost-write");
  EXPECT_THAT(c.result.keys[0].cex.explanation,
              HasSubstr("has lost the acknowledged write 2 (index 2-3)"));
}

TEST(ZoneTest, ReadOfAnAbsentKeyBeforeAnyWriteIsValid) {
  EXPECT_EQ(RegisterVerdict(HistoryText().Invoke(2, "read").Ok(2, "read")), Verdict::kValid);
}

TEST(ZoneTest, ReadOfAValueNeverWrittenIsInvalid) {
  auto c = CheckText(HistoryText().Invoke(2, "read").Ok(2, "read", "9").text(),
                     ModelKind::kRegister);
  ASSERT_EQ(c.result.verdict, Verdict::kInvalid);
  EXPECT_EQ(c.result.keys[0].cex.kind, "unwritten-read");
}

TEST(ZoneTest, ReadCompletingBeforeItsWriteBeginsIsInvalid) {
  auto c = CheckText(HistoryText()
                         .Invoke(2, "read")
                         .Ok(2, "read", "1")
                         .Invoke(1, "write", "1")
                         .Ok(1, "write", "1")
                         .text(),
                     ModelKind::kRegister);
  ASSERT_EQ(c.result.verdict, Verdict::kInvalid);
  EXPECT_EQ(c.result.keys[0].cex.kind, "future-read");
}

TEST(ZoneTest, InfoWriteMayTakeEffectLate) {
  // The write times out, yet a read long after sees it: allowed.
  EXPECT_EQ(RegisterVerdict(HistoryText()
                                .Invoke(1, "write", "1")
                                .Info(1, "write", "1")
                                .Invoke(2, "read")
                                .Ok(2, "read")
                                .Invoke(2, "read")
                                .Ok(2, "read", "1")),
            Verdict::kValid);
}

TEST(ZoneTest, InfoWriteOnceSeenCannotBeUnseen) {
  EXPECT_EQ(RegisterVerdict(HistoryText()
                                .Invoke(1, "write", "1")
                                .Info(1, "write", "1")
                                .Invoke(2, "read")
                                .Ok(2, "read", "1")
                                .Invoke(2, "read")
                                .Ok(2, "read")),
            Verdict::kInvalid);
}

TEST(ZoneTest, FailedWriteNeverTookEffect) {
  EXPECT_EQ(RegisterVerdict(HistoryText()
                                .Invoke(1, "write", "1")
                                .Fail(1, "write", "1")
                                .Invoke(2, "read")
                                .Ok(2, "read", "1")),
            Verdict::kInvalid);
}

// Reads see 1, then 2, then 1 again while both writes are still running. Pre-checks
// cannot see it (no write completed before a read began); the zones can.
TEST(ZoneTest, BackwardZoneInsideAForwardZoneIsReportedWithItsWitnessOps) {
  auto c = CheckText(HistoryText()
                         .Invoke(1, "write", "1")
                         .Invoke(2, "write", "2")
                         .Invoke(3, "read")
                         .Ok(3, "read", "1")
                         .Invoke(4, "read")
                         .Ok(4, "read", "2")
                         .Invoke(3, "read")
                         .Ok(3, "read", "1")
                         .Ok(1, "write", "1")
                         .Ok(2, "write", "2")
                         .text(),
                     ModelKind::kRegister);
  ASSERT_EQ(c.result.verdict, Verdict::kInvalid);
  const KeyResult& k = c.result.keys[0];
  EXPECT_EQ(k.method, "zone");
  EXPECT_EQ(k.cex.kind, "zone-nested");
  EXPECT_THAT(k.cex.explanation, HasSubstr("zones of 1 and 2 nest"));
  EXPECT_EQ(k.cex.failed_op, 4);  // the second read of 1
  EXPECT_EQ(k.cex.window, (std::vector<uint32_t>{0, 1, 2, 3, 4}));
}

TEST(ZoneTest, OverlappingForwardZonesAreInvalid) {
  auto c = CheckText(HistoryText()
                         .Invoke(1, "write", "1")
                         .Invoke(2, "write", "2")
                         .Invoke(3, "read")
                         .Ok(3, "read", "1")
                         .Invoke(4, "read")
                         .Ok(4, "read", "2")
                         .Invoke(3, "read")
                         .Invoke(4, "read")
                         .Ok(3, "read", "1")
                         .Ok(4, "read", "2")
                         .Ok(1, "write", "1")
                         .Ok(2, "write", "2")
                         .text(),
                     ModelKind::kRegister);
  ASSERT_EQ(c.result.verdict, Verdict::kInvalid);
  EXPECT_EQ(c.result.keys[0].cex.kind, "zone-overlap");
  EXPECT_THAT(c.result.keys[0].cex.explanation, HasSubstr("zones of 1 and 2 overlap"));
}

TEST(ZoneTest, KeysAreCheckedSeparately) {
  auto c = CheckText(HistoryText()
                         .Invoke(1, "write", "1", "a")
                         .Ok(1, "write", "1", "a")
                         .Invoke(2, "read", "null", "b")
                         .Ok(2, "read", "null", "b")
                         .Invoke(2, "read", "null", "a")
                         .Ok(2, "read", "null", "a")
                         .text(),
                     ModelKind::kRegister);
  ASSERT_EQ(c.result.verdict, Verdict::kInvalid);
  ASSERT_EQ(c.result.keys.size(), 2u);
  EXPECT_EQ(c.result.keys[0].verdict, Verdict::kInvalid);
  EXPECT_EQ(c.result.keys[1].verdict, Verdict::kValid);
}

TEST(ZoneTest, RepeatedWriteValuesFallBackToTheSearch) {
  auto c = CheckText(HistoryText()
                         .Invoke(1, "write", "1")
                         .Ok(1, "write", "1")
                         .Invoke(1, "write", "2")
                         .Ok(1, "write", "2")
                         .Invoke(1, "write", "1")
                         .Ok(1, "write", "1")
                         .Invoke(2, "read")
                         .Ok(2, "read", "1")
                         .text(),
                     ModelKind::kRegister);
  EXPECT_EQ(c.result.verdict, Verdict::kValid);
  EXPECT_EQ(c.result.keys[0].method, "search");
}

}  // namespace
}  // namespace raftlab::checkers
