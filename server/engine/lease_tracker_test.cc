#include "server/engine/lease_tracker.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "server/engine/published_lease.h"

namespace raftlab::engine {
namespace {

using std::chrono::milliseconds;

constexpr Nanos kElection = milliseconds(2000);
constexpr Nanos kMargin = milliseconds(300);

LeaseTracker LeaderWithLease(Nanos sent_at) {
  LeaseTracker t(kElection, kMargin);
  t.OnRoundSent(5, 1, sent_at);
  t.OnReady(5, /*is_leader=*/true, /*quorum_acked_round=*/1, /*committed_in_term=*/true);
  return t;
}

TEST(LeaseTracker, LeaseRunsFromTheSendTimeOfTheAckedRound) {
  LeaseTracker t = LeaderWithLease(milliseconds(1000));
  EXPECT_EQ(t.lease_duration(), milliseconds(1700));
  EXPECT_EQ(t.ExpiresAt(), milliseconds(2700));
  EXPECT_EQ(t.Check(milliseconds(2699)), LeaseOutcome::kHit);
  EXPECT_EQ(t.Check(milliseconds(2700)), LeaseOutcome::kExpired);
}

TEST(LeaseTracker, AckArrivingLateDoesNotExtendTheLease) {
  LeaseTracker t(kElection, kMargin);
  t.OnRoundSent(5, 1, milliseconds(1000));
  // The quorum ack is processed much later than the send; the lease still counts from 1000.
  t.OnReady(5, true, 0, true);
  t.OnReady(5, true, 1, true);
  EXPECT_EQ(t.ExpiresAt(), milliseconds(2700));
  EXPECT_EQ(t.Check(milliseconds(2800)), LeaseOutcome::kExpired);
}

TEST(LeaseTracker, NoLeaseBeforeTheLeaderCommitsInItsTerm) {
  LeaseTracker t(kElection, kMargin);
  t.OnRoundSent(5, 1, milliseconds(1000));
  t.OnReady(5, true, 1, /*committed_in_term=*/false);
  EXPECT_EQ(t.Check(milliseconds(1001)), LeaseOutcome::kNotCommittedInTerm);
  t.OnReady(5, true, 1, true);
  EXPECT_EQ(t.Check(milliseconds(1001)), LeaseOutcome::kHit);
}

TEST(LeaseTracker, NoLeaseWithoutAQuorumAckedRound) {
  LeaseTracker t(kElection, kMargin);
  t.OnRoundSent(5, 1, milliseconds(1000));
  t.OnReady(5, true, 0, true);
  EXPECT_EQ(t.Check(milliseconds(1001)), LeaseOutcome::kNoQuorumRound);
}

TEST(LeaseTracker, StepDownForgetsTheLease) {
  LeaseTracker t = LeaderWithLease(milliseconds(1000));
  t.OnReady(5, /*is_leader=*/false, 1, true);
  EXPECT_EQ(t.Check(milliseconds(1001)), LeaseOutcome::kNotLeader);
  // Regaining leadership in the same term is impossible in Raft, but even a stray report
  // must not resurrect the old round without a new quorum ack.
  t.OnReady(5, true, 1, true);
  EXPECT_EQ(t.Check(milliseconds(1001)), LeaseOutcome::kNoQuorumRound);
}

TEST(LeaseTracker, NewTermForgetsRoundsOfTheOldTerm) {
  LeaseTracker t = LeaderWithLease(milliseconds(1000));
  t.OnRoundSent(5, 2, milliseconds(1500));
  t.OnReady(7, true, 2, true);  // round 2 of term 7 was never sent in term 7
  EXPECT_EQ(t.Check(milliseconds(1600)), LeaseOutcome::kNoQuorumRound);
}

TEST(LeaseTracker, LaterRoundsExtendTheLeaseAndALowerReportWithdrawsIt) {
  LeaseTracker t(kElection, kMargin);
  t.OnRoundSent(5, 1, milliseconds(1000));
  t.OnRoundSent(5, 2, milliseconds(1200));
  t.OnRoundSent(5, 3, milliseconds(1400));
  t.OnReady(5, true, 2, true);
  EXPECT_EQ(t.ExpiresAt(), milliseconds(2900));
  t.OnReady(5, true, 2, true);
  EXPECT_EQ(t.ExpiresAt(), milliseconds(2900)) << "the same round again changes nothing";
  // The core lowers the round only on purpose (a transfer, a membership change).
  t.OnReady(5, true, 1, true);
  EXPECT_EQ(t.Check(milliseconds(1500)), LeaseOutcome::kNoQuorumRound);
  t.OnReady(5, true, 3, true);
  EXPECT_EQ(t.ExpiresAt(), milliseconds(3100));
}

TEST(LeaseTracker, AResentRoundKeepsItsFirstSendTime) {
  LeaseTracker t(kElection, kMargin);
  t.OnRoundSent(5, 1, milliseconds(1000));
  t.OnRoundSent(5, 1, milliseconds(1900));
  t.OnReady(5, true, 1, true);
  EXPECT_EQ(t.ExpiresAt(), milliseconds(2700));
}

TEST(LeaseTracker, OneSendStampsEveryRoundUpToIt) {
  LeaseTracker t(kElection, kMargin);
  t.OnRoundSent(5, 3, milliseconds(1000));  // rounds 1..3 went out in one Ready
  t.OnReady(5, true, 2, true);
  EXPECT_EQ(t.ExpiresAt(), milliseconds(2700));
}

TEST(LeaseTracker, RoundsNumberedAfreshInANewTermAreStamped) {
  LeaseTracker t(kElection, kMargin);
  t.OnRoundSent(5, 40, milliseconds(1000));
  t.OnReady(5, true, 40, true);
  t.OnReady(6, false, 0, false);
  // Leader again in term 7: its rounds start at 1, below the old term's 40.
  t.OnRoundSent(7, 1, milliseconds(5000));
  t.OnReady(7, true, 1, true);
  EXPECT_EQ(t.Check(milliseconds(5001)), LeaseOutcome::kHit);
  EXPECT_EQ(t.ExpiresAt(), milliseconds(6700));
}

TEST(LeaseTracker, UntimedRoundGivesNoLease) {
  LeaseTracker t(kElection, kMargin);
  t.OnReady(5, true, 4, true);
  EXPECT_EQ(t.Check(milliseconds(1)), LeaseOutcome::kNoQuorumRound);
}

TEST(LeaseTracker, ALowerReportedRoundWithdrawsTheLease) {
  LeaseTracker t = LeaderWithLease(milliseconds(1000));
  // The core reports round 0 when the leader sends MsgTimeoutNow.
  t.OnReady(5, true, 0, true);
  EXPECT_NE(t.Check(milliseconds(1001)), LeaseOutcome::kHit);
  EXPECT_EQ(t.ExpiresAt(), Nanos::min());
}

TEST(LeaseTracker, ATransferEndsTheLeaseAndOnlyAFreshRoundBringsItBack) {
  LeaseTracker t = LeaderWithLease(milliseconds(1000));
  t.OnRoundSent(5, 2, milliseconds(1100));
  t.OnReady(5, true, 1, true, /*transferring=*/true);
  EXPECT_EQ(t.Check(milliseconds(1001)), LeaseOutcome::kTransferring);
  EXPECT_EQ(t.Standing(), LeaseOutcome::kTransferring);
  EXPECT_EQ(t.ExpiresAt(), Nanos::min());
  // Aborted: the old round does not come back even if reported again.
  t.OnReady(5, true, 1, true);
  EXPECT_EQ(t.Check(milliseconds(1200)), LeaseOutcome::kNoQuorumRound);
  t.OnRoundSent(5, 3, milliseconds(1500));
  t.OnReady(5, true, 3, true);
  EXPECT_EQ(t.Check(milliseconds(1600)), LeaseOutcome::kHit);
  EXPECT_EQ(t.ExpiresAt(), milliseconds(3200));
}

TEST(LeaseTracker, StandingIsTheOutcomeWithoutTheClock) {
  LeaseTracker t = LeaderWithLease(milliseconds(1000));
  EXPECT_EQ(t.Standing(), LeaseOutcome::kHit);
  EXPECT_EQ(t.Check(milliseconds(5000)), LeaseOutcome::kExpired);
  EXPECT_STREQ(ToString(LeaseOutcome::kTransferring), "transferring");
}

TEST(PublishedLease, ReadersSeeWholePublicationsOnly) {
  PublishedLease pub;
  pub.Publish({LeaseOutcome::kHit, Nanos(0), 0});
  std::atomic<bool> stop{false};
  std::atomic<int> torn{0};
  // Each publication keeps expires_at == commit_index, and the standing follows parity.
  std::thread reader([&] {
    while (!stop.load()) {
      const LeaseSnapshot s = pub.Read();
      const bool even = s.commit_index % 2 == 0;
      if (s.expires_at.count() != static_cast<int64_t>(s.commit_index) ||
          (s.standing == LeaseOutcome::kHit) != even) {
        torn.fetch_add(1);
      }
    }
  });
  for (uint64_t i = 1; i <= 200000; ++i) {
    pub.Publish({i % 2 == 0 ? LeaseOutcome::kHit : LeaseOutcome::kTransferring,
                 Nanos(static_cast<int64_t>(i)), i});
  }
  stop.store(true);
  reader.join();
  EXPECT_EQ(torn.load(), 0);
  EXPECT_EQ(pub.Read().At(Nanos(199999)), LeaseOutcome::kHit);
  EXPECT_EQ(pub.Read().At(Nanos(200000)), LeaseOutcome::kExpired);
}

TEST(LeaseTracker, MarginAtLeastTheElectionTimeoutDisablesLeases) {
  LeaseTracker t(milliseconds(300), milliseconds(300));
  t.OnRoundSent(5, 1, milliseconds(1000));
  t.OnReady(5, true, 1, true);
  EXPECT_EQ(t.Check(milliseconds(1000)), LeaseOutcome::kDisabled);
  EXPECT_EQ(t.ExpiresAt(), Nanos::min());
}

}  // namespace
}  // namespace raftlab::engine
