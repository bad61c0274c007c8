// Leadership transfer (thesis §3.10) and MsgForgetLeader.
#include "gtest/gtest.h"
#include "server/raft/errors.h"
#include "server/raft/network.h"

namespace raftlab::raft {
namespace {

using testing::Msg;
using testing::Network;

void QuorumAndPreVote(Config& c) {
  c.check_quorum = true;
  c.pre_vote = true;
}

TEST(Transfer, ToUpToDateFollowerSucceedsEvenUnderLease) {
  Network net(3, QuorumAndPreVote);
  net.Campaign(1);
  ASSERT_TRUE(net.Propose(1, "a").ok());
  net.Do(1, [](RawNode& n) { n.TransferLeader(2); });
  EXPECT_EQ(net.raft(2).state(), StateType::kLeader);
  EXPECT_EQ(net.raft(2).term(), 2u);
  EXPECT_EQ(net.raft(1).state(), StateType::kFollower);
  EXPECT_EQ(net.raft(1).lead(), 2u);
}

TEST(Transfer, RequestedOnFollowerIsForwarded) {
  Network net(3, QuorumAndPreVote);
  net.Campaign(1);
  net.Do(3, [](RawNode& n) { n.TransferLeader(3); });
  EXPECT_EQ(net.raft(3).state(), StateType::kLeader);
}

TEST(Transfer, LaggingTargetIsCaughtUpFirst) {
  Network net(3, QuorumAndPreVote);
  net.Campaign(1);
  net.Isolate(3);
  ASSERT_TRUE(net.Propose(1, "a").ok());
  net.Recover();
  auto out = [&] {
    net.node(1).TransferLeader(3);
    return net.TakeOutbox(1);
  }();
  ASSERT_EQ(net.raft(1).lead_transferee(), 3u);
  // Proposals are refused while the transfer is in progress.
  EXPECT_TRUE(Is(net.node(1).Propose("b"), RaftError::kProposalDropped));
  bool saw_timeout_now = false;
  for (auto& m : out) saw_timeout_now |= m.type() == raftpb::MsgTimeoutNow;
  EXPECT_FALSE(saw_timeout_now);
  for (auto& m : out) net.Send(m);
  net.Tick(1);  // the paused probe restarts; 3 catches up; TimeoutNow follows
  EXPECT_EQ(net.raft(3).state(), StateType::kLeader);
}

TEST(Transfer, AbortedAfterElectionTimeout) {
  Network net(3, QuorumAndPreVote);
  net.Campaign(1);
  net.Isolate(3);
  net.Do(1, [](RawNode& n) { n.TransferLeader(3); });
  EXPECT_EQ(net.raft(1).lead_transferee(), 3u);
  net.Tick(1, 9);
  EXPECT_EQ(net.raft(1).lead_transferee(), 3u);
  net.Tick(1, 1);
  EXPECT_EQ(net.raft(1).lead_transferee(), 0u);
  EXPECT_EQ(net.raft(1).state(), StateType::kLeader);
  EXPECT_TRUE(net.Propose(1, "ok").ok());
}

TEST(Transfer, ToSelfOrLearnerIsIgnored) {
  Network net(0, QuorumAndPreVote);
  net.Add(1, {1, 2}, {3});
  net.Add(2, {1, 2}, {3});
  net.Add(3, {1, 2}, {3});
  net.Campaign(1);
  net.Do(1, [](RawNode& n) { n.TransferLeader(1); });
  EXPECT_EQ(net.raft(1).lead_transferee(), 0u);
  net.Do(1, [](RawNode& n) { n.TransferLeader(3); });
  EXPECT_EQ(net.raft(1).lead_transferee(), 0u);
  EXPECT_EQ(net.raft(1).state(), StateType::kLeader);
}

TEST(Transfer, SendingTimeoutNowVoidsTheLeaseForTheTerm) {
  Network net(3, QuorumAndPreVote);
  net.Campaign(1);
  net.Tick(1);
  ASSERT_GT(net.lease_round(1), 0u);
  net.Ignore(raftpb::MsgTimeoutNow);
  net.Do(1, [](RawNode& n) { n.TransferLeader(2); });
  EXPECT_EQ(net.lease_round(1), 0u);
  EXPECT_EQ(net.reported_transfer(1), std::make_pair(uint64_t{2}, true));
  net.Recover();
  net.Tick(1, 12);  // transfer aborted, still leader, lease stays void in this term
  ASSERT_EQ(net.raft(1).state(), StateType::kLeader);
  EXPECT_EQ(net.raft(1).lead_transferee(), 0u);
  EXPECT_EQ(net.lease_round(1), 0u);
  EXPECT_EQ(net.reported_transfer(1), std::make_pair(uint64_t{0}, true));
}

TEST(Transfer, TheLeaseEndsWhenTheTransferStartsBeforeAnyTimeoutNow) {
  Network net(3, QuorumAndPreVote);
  net.Campaign(1);
  net.Isolate(3);
  ASSERT_TRUE(net.Propose(1, "a").ok());  // 3 lags: the transfer must catch it up first
  net.Tick(1);
  ASSERT_GT(net.lease_round(1), 0u);
  net.Do(1, [](RawNode& n) { n.TransferLeader(3); });
  for (const auto& m : net.TakeDropped()) EXPECT_NE(m.type(), raftpb::MsgTimeoutNow);
  EXPECT_EQ(net.lease_round(1), 0u) << "the Ready that starts the transfer withdraws the lease";
  EXPECT_EQ(net.reported_transfer(1), std::make_pair(uint64_t{3}, false));
  net.Tick(1, 5);  // rounds acked by node 2 during the transfer do not count
  EXPECT_EQ(net.lease_round(1), 0u);
}

TEST(Transfer, AfterAnAbortBeforeTimeoutNowOnlyARoundSentAfterTheAbortGivesALease) {
  Network net(3, QuorumAndPreVote);
  net.Campaign(1);
  net.Isolate(3);
  ASSERT_TRUE(net.Propose(1, "a").ok());
  net.Do(1, [](RawNode& n) { n.TransferLeader(3); });
  net.Tick(1, 9);  // rounds sent and acked by 2 while the transfer is in progress
  ASSERT_EQ(net.raft(1).lead_transferee(), 3u);
  const uint64_t last_round_before_abort = net.raft(1).heartbeat_round();
  ASSERT_GT(last_round_before_abort, 0u);
  net.Ignore(raftpb::MsgHeartbeatResp);
  net.Tick(1);  // aborts; the round sent in this tick is not acked
  ASSERT_EQ(net.raft(1).lead_transferee(), 0u);
  ASSERT_EQ(net.raft(1).state(), StateType::kLeader);
  EXPECT_EQ(net.lease_round(1), 0u) << "a round acked during the transfer must not time a lease";
  EXPECT_EQ(net.reported_transfer(1), std::make_pair(uint64_t{0}, false));
  net.Recover();
  net.Isolate(3);
  net.Tick(1);
  EXPECT_GT(net.lease_round(1), last_round_before_abort);
}

TEST(ForgetLeader, FollowerForgetsAndMayVoteAtOnce) {
  Network net(3, QuorumAndPreVote);
  net.Campaign(1);
  net.Do(2, [](RawNode& n) { n.ForgetLeader(); });
  EXPECT_EQ(net.raft(2).lead(), 0u);
  auto v = Msg(3, 2, raftpb::MsgPreVote, 2);
  v.set_index(net.raft(2).log().LastIndex());
  v.set_log_term(net.raft(2).log().LastTerm());
  ASSERT_TRUE(net.raft(2).Step(v).ok());
  auto out = net.raft(2).TakeMessages();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_FALSE(out[0].reject());
  // The leader ignores it.
  net.Do(1, [](RawNode& n) { n.ForgetLeader(); });
  EXPECT_EQ(net.raft(1).lead(), 1u);
}

}  // namespace
}  // namespace raftlab::raft
