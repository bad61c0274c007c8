#include "server/engine/read_coalescer.h"

#include <gtest/gtest.h>

namespace raftlab::engine {
namespace {

using Clock = ReadCoalescer::Clock;
using std::chrono::seconds;

struct Recorder {
  std::vector<ReadOutcome> outcomes;
  ReadCoalescer::Callback cb() {
    return [this](const ReadOutcome& o) { outcomes.push_back(o); };
  }
};

TEST(ReadCoalescer, ConcurrentReadsShareOneRound) {
  ReadCoalescer c(10);
  Recorder r;
  const auto deadline = Clock::now() + seconds(5);
  c.Add(deadline, r.cb());
  c.Add(deadline, r.cb());
  c.Add(deadline, r.cb());
  auto ctx = c.TakeRoundToIssue();
  ASSERT_TRUE(ctx.has_value());
  EXPECT_FALSE(c.TakeRoundToIssue().has_value()) << "a second round while one is in flight";
  c.OnReadState(*ctx, 42, /*applied=*/42);
  ASSERT_EQ(r.outcomes.size(), 3u);
  for (const auto& o : r.outcomes) {
    EXPECT_TRUE(o.ok());
    EXPECT_EQ(o.read_index, 42u);
  }
}

TEST(ReadCoalescer, ReadsArrivingDuringARoundWaitForTheNextOne) {
  ReadCoalescer c(10);
  Recorder first, second;
  const auto deadline = Clock::now() + seconds(5);
  c.Add(deadline, first.cb());
  auto ctx1 = c.TakeRoundToIssue();
  c.Add(deadline, second.cb());
  c.OnReadState(*ctx1, 10, 10);
  EXPECT_EQ(first.outcomes.size(), 1u);
  EXPECT_TRUE(second.outcomes.empty()) << "a read that arrived after the round began was served by it";
  auto ctx2 = c.TakeRoundToIssue();
  ASSERT_TRUE(ctx2.has_value());
  EXPECT_NE(*ctx1, *ctx2);
  c.OnReadState(*ctx2, 11, 11);
  ASSERT_EQ(second.outcomes.size(), 1u);
  EXPECT_EQ(second.outcomes[0].read_index, 11u);
}

TEST(ReadCoalescer, ReadsWaitUntilTheReadIndexIsApplied) {
  ReadCoalescer c(10);
  Recorder r;
  c.Add(Clock::now() + seconds(5), r.cb());
  auto ctx = c.TakeRoundToIssue();
  c.OnReadState(*ctx, 20, /*applied=*/15);
  EXPECT_TRUE(r.outcomes.empty());
  c.OnApplied(19);
  EXPECT_TRUE(r.outcomes.empty());
  c.OnApplied(20);
  ASSERT_EQ(r.outcomes.size(), 1u);
  EXPECT_EQ(r.outcomes[0].read_index, 20u);
}

TEST(ReadCoalescer, UnansweredRoundIsReissuedAndTheLateAnswerIgnored) {
  ReadCoalescer c(3);
  Recorder r;
  c.Add(Clock::now() + seconds(5), r.cb());
  auto old_ctx = c.TakeRoundToIssue();
  for (int i = 0; i < 2; ++i) c.Tick();
  EXPECT_FALSE(c.TakeRoundToIssue().has_value());
  c.Tick();
  auto new_ctx = c.TakeRoundToIssue();
  ASSERT_TRUE(new_ctx.has_value());
  EXPECT_NE(*old_ctx, *new_ctx);
  c.OnReadState(*old_ctx, 5, 5);
  EXPECT_TRUE(r.outcomes.empty()) << "an answer to a superseded round was used";
  c.OnReadState(*new_ctx, 6, 6);
  ASSERT_EQ(r.outcomes.size(), 1u);
  EXPECT_EQ(r.outcomes[0].read_index, 6u);
}

TEST(ReadCoalescer, ExpireFailsLateReadsWhereverTheyWait) {
  ReadCoalescer c(10);
  Recorder r;
  const auto t0 = Clock::now();
  c.Add(t0 + seconds(1), r.cb());
  auto ctx = c.TakeRoundToIssue();
  c.OnReadState(*ctx, 9, 0);     // waiting for apply
  c.Add(t0 + seconds(1), r.cb());  // queued
  c.Add(t0 + seconds(9), r.cb());  // queued, not yet late
  c.Expire(t0 + seconds(2));
  ASSERT_EQ(r.outcomes.size(), 2u);
  for (const auto& o : r.outcomes) EXPECT_EQ(o.failure, ReadFailure::kTimeout);
  EXPECT_EQ(c.pending(), 1u);
}

TEST(ReadCoalescer, AbortAllFailsEverything) {
  ReadCoalescer c(10);
  Recorder r;
  c.Add(Clock::now() + seconds(5), r.cb());
  c.TakeRoundToIssue();
  c.Add(Clock::now() + seconds(5), r.cb());
  c.AbortAll();
  ASSERT_EQ(r.outcomes.size(), 2u);
  for (const auto& o : r.outcomes) EXPECT_EQ(o.failure, ReadFailure::kAborted);
  EXPECT_EQ(c.pending(), 0u);
  EXPECT_FALSE(c.TakeRoundToIssue().has_value());
}

TEST(ReadCoalescer, WaitAppliedCompletesAtOnceWhenCovered) {
  ReadCoalescer c(10);
  Recorder r;
  c.WaitApplied(7, 7, Clock::now() + seconds(5), r.cb());
  ASSERT_EQ(r.outcomes.size(), 1u);
  EXPECT_EQ(r.outcomes[0].read_index, 7u);
}

TEST(ReadCoalescer, WaitAppliedWaitsForTheApplyLoop) {
  ReadCoalescer c(10);
  Recorder r;
  c.WaitApplied(9, 5, Clock::now() + seconds(5), r.cb());
  EXPECT_TRUE(r.outcomes.empty());
  EXPECT_FALSE(c.TakeRoundToIssue().has_value()) << "a lease read must not start a round";
  c.OnApplied(9);
  ASSERT_EQ(r.outcomes.size(), 1u);
  EXPECT_EQ(r.outcomes[0].read_index, 9u);
}

TEST(ReadCoalescer, WaitAppliedSeesAnApplyThatRacedTheCaller) {
  ReadCoalescer c(10);
  Recorder r;
  c.OnApplied(12);  // the apply loop moved on after the caller sampled applied = 5
  c.WaitApplied(10, 5, Clock::now() + seconds(5), r.cb());
  ASSERT_EQ(r.outcomes.size(), 1u);
}

TEST(ReadCoalescer, NoRoundWithoutReads) {
  ReadCoalescer c(10);
  EXPECT_FALSE(c.TakeRoundToIssue().has_value());
}

TEST(ReadCoalescer, AnAnswerFromBeforeARestartDoesNotAnswerTheNewRound) {
  // Two process starts of one node: each makes its own coalescer.
  ReadCoalescer before(10), after(10);
  Recorder old_reads, new_reads;
  const auto deadline = Clock::now() + seconds(5);
  before.Add(deadline, old_reads.cb());
  const auto old_ctx = before.TakeRoundToIssue();
  after.Add(deadline, new_reads.cb());
  const auto new_ctx = after.TakeRoundToIssue();
  ASSERT_TRUE(old_ctx.has_value() && new_ctx.has_value());
  EXPECT_NE(*old_ctx, *new_ctx);
  // The old round's answer arrives late, after the restart, with an old read index.
  after.OnReadState(*old_ctx, 3, /*applied=*/10);
  EXPECT_TRUE(new_reads.outcomes.empty()) << "a delayed answer to the previous incarnation";
  after.OnReadState(*new_ctx, 9, /*applied=*/10);
  ASSERT_EQ(new_reads.outcomes.size(), 1u);
  EXPECT_EQ(new_reads.outcomes[0].read_index, 9u);
}

TEST(ReadCoalescer, ContextsCarryTheIncarnation) {
  ReadCoalescer a(10, 0xabc), b(10, 0xabc), c(10, 0xabd);
  const auto deadline = Clock::now() + seconds(5);
  Recorder r;
  for (ReadCoalescer* x : {&a, &b, &c}) x->Add(deadline, r.cb());
  EXPECT_EQ(*a.TakeRoundToIssue(), "read-0000000000000abc-1");
  EXPECT_EQ(*b.TakeRoundToIssue(), "read-0000000000000abc-1") << "same incarnation, same contexts";
  EXPECT_EQ(*c.TakeRoundToIssue(), "read-0000000000000abd-1");
}

TEST(ReadCoalescer, TheFirstReadQueuedForARoundStartsItAndLaterOnesJoin) {
  ReadCoalescer c(10, 1);
  Recorder r;
  const auto deadline = Clock::now() + seconds(5);
  EXPECT_EQ(c.Add(deadline, r.cb()), ReadJoin::kStarted);
  EXPECT_EQ(c.Add(deadline, r.cb()), ReadJoin::kJoined);
  ASSERT_TRUE(c.TakeRoundToIssue().has_value());
  EXPECT_EQ(c.Add(deadline, r.cb()), ReadJoin::kStarted) << "the next round is started by this one";
  EXPECT_EQ(c.Add(deadline, r.cb()), ReadJoin::kJoined);
}

}  // namespace
}  // namespace raftlab::engine
