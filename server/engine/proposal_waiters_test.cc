#include "server/engine/proposal_waiters.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>

namespace raftlab::engine {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::seconds;

TEST(ProposalWaiters, CompleteDeliversTheApplyResultOnce) {
  ProposalWaiters<std::string> w;
  int calls = 0;
  std::string got;
  const uint64_t id = w.Register(Clock::now() + seconds(5), [&](ProposalFailure f, std::string r) {
    EXPECT_EQ(f, ProposalFailure::kNone);
    got = r;
    ++calls;
  });
  EXPECT_TRUE(w.Complete(id, "applied"));
  EXPECT_FALSE(w.Complete(id, "again"));
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(got, "applied");
  EXPECT_EQ(w.pending(), 0u);
}

TEST(ProposalWaiters, IdsAreUnique) {
  ProposalWaiters<int> w;
  const auto a = w.Register(Clock::now(), [](ProposalFailure, int) {});
  const auto b = w.Register(Clock::now(), [](ProposalFailure, int) {});
  EXPECT_NE(a, b);
}

TEST(ProposalWaiters, ExpireTimesOutOnlyPastDeadlines) {
  ProposalWaiters<int> w;
  const auto t0 = Clock::now();
  std::vector<ProposalFailure> failures;
  w.Register(t0 + seconds(1), [&](ProposalFailure f, int) { failures.push_back(f); });
  const auto late = w.Register(t0 + seconds(10), [&](ProposalFailure f, int) { failures.push_back(f); });
  w.Expire(t0 + seconds(2));
  ASSERT_EQ(failures.size(), 1u);
  EXPECT_EQ(failures[0], ProposalFailure::kTimeout);
  EXPECT_TRUE(w.Complete(late, 7));
  EXPECT_EQ(failures.back(), ProposalFailure::kNone);
}

TEST(ProposalWaiters, ACompletionAfterTimeoutIsNotDelivered) {
  ProposalWaiters<int> w;
  int calls = 0;
  const auto id = w.Register(Clock::now() - seconds(1), [&](ProposalFailure, int) { ++calls; });
  w.Expire(Clock::now());
  EXPECT_FALSE(w.Complete(id, 1));
  EXPECT_EQ(calls, 1);
}

TEST(ProposalWaiters, AbortAllFailsEveryWaiter) {
  ProposalWaiters<int> w;
  int aborted = 0;
  for (int i = 0; i < 5; ++i) {
    w.Register(Clock::now() + seconds(5), [&](ProposalFailure f, int) {
      if (f == ProposalFailure::kAborted) ++aborted;
    });
  }
  w.AbortAll();
  EXPECT_EQ(aborted, 5);
  EXPECT_EQ(w.pending(), 0u);
}

TEST(ProposalWaiters, CancelForgetsWithoutCalling) {
  ProposalWaiters<int> w;
  int calls = 0;
  const auto id = w.Register(Clock::now(), [&](ProposalFailure, int) { ++calls; });
  EXPECT_TRUE(w.Cancel(id));
  w.AbortAll();
  EXPECT_EQ(calls, 0);
}

TEST(ProposalWaiters, ConcurrentRegisterAndCompleteDeliverEachExactlyOnce) {
  ProposalWaiters<int> w;
  std::atomic<int> delivered{0};
  constexpr int kPerThread = 2000;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kPerThread; ++i) {
        const auto id = w.Register(Clock::now() + seconds(60),
                                   [&](ProposalFailure, int) { delivered.fetch_add(1); });
        w.Complete(id, i);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(delivered.load(), 4 * kPerThread);
}

}  // namespace
}  // namespace raftlab::engine
