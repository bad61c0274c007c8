// ReadIndex (Raft thesis §6.4) and lease rounds.
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

TEST(ReadIndex, LeaderAnswersAfterQuorumHeartbeatRound) {
  Network net(3);
  net.Campaign(1);
  ASSERT_TRUE(net.Propose(1, "a").ok());
  net.Ignore(raftpb::MsgHeartbeatResp);
  ASSERT_TRUE(net.Do(1, [](RawNode& n) { return n.ReadIndex("r1"); }).ok());
  EXPECT_TRUE(net.TakeReadStates(1).empty());  // no quorum ack yet
  net.Recover();
  net.Tick(1);  // next heartbeat round is acked
  auto rs = net.TakeReadStates(1);
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0], (ReadState{net.raft(1).log().committed(), "r1"}));
}

TEST(ReadIndex, HeldUntilLeaderCommitsEntryOfItsTerm) {
  Network net(3);
  net.Campaign(1);
  net.Ignore(raftpb::MsgAppResp);
  net.Isolate(1);
  net.Recover();
  // New election: the leader's empty entry cannot commit while appends are not acked.
  net.Ignore(raftpb::MsgAppResp);
  net.Campaign(2);
  ASSERT_EQ(net.raft(2).state(), StateType::kLeader);
  EXPECT_FALSE(net.raft(2).CommittedInTerm());
  ASSERT_TRUE(net.Do(2, [](RawNode& n) { return n.ReadIndex("early"); }).ok());
  net.Tick(2);
  EXPECT_TRUE(net.TakeReadStates(2).empty());
  EXPECT_EQ(net.raft(2).pending_read_count(), 1u);
  net.Recover();
  net.Tick(2);  // appends acked -> commit in term -> read scheduled -> heartbeat round acked
  net.Tick(2);
  auto rs = net.TakeReadStates(2);
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].index, net.raft(2).log().committed());
  EXPECT_EQ(rs[0].context, "early");
}

TEST(ReadIndex, FollowerForwardsToLeaderAndGetsAnswer) {
  Network net(3);
  net.Campaign(1);
  ASSERT_TRUE(net.Propose(1, "a").ok());
  ASSERT_TRUE(net.Do(2, [](RawNode& n) { return n.ReadIndex("f"); }).ok());
  auto rs = net.TakeReadStates(2);
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0], (ReadState{net.raft(1).log().committed(), "f"}));
  EXPECT_TRUE(net.TakeReadStates(1).empty());
}

TEST(ReadIndex, WithoutLeaderIsDropped) {
  Network net(3);
  auto s = net.Do(2, [](RawNode& n) { return n.ReadIndex("x"); });
  EXPECT_TRUE(Is(s, RaftError::kProposalDropped)) << s;
}

TEST(ReadIndex, SingleNodeAnswersImmediately) {
  Network net(1);
  net.Campaign(1);
  ASSERT_TRUE(net.Do(1, [](RawNode& n) { return n.ReadIndex("s"); }).ok());
  auto rs = net.TakeReadStates(1);
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].index, 2u);  // founding entry + the leader's empty entry
}

TEST(ReadIndex, DeposedLeaderNeverAnswers) {
  Network net(3);
  net.Campaign(1);
  net.Isolate(1);
  ASSERT_TRUE(net.Do(1, [](RawNode& n) { return n.ReadIndex("stale"); }).ok());
  net.Campaign(2);
  ASSERT_TRUE(net.Propose(2, "w").ok());
  net.Tick(1, 3);
  EXPECT_TRUE(net.TakeReadStates(1).empty());
  net.Recover();
  net.Tick(2);
  EXPECT_EQ(net.raft(1).state(), StateType::kFollower);
  EXPECT_TRUE(net.TakeReadStates(1).empty());
  EXPECT_EQ(net.raft(1).pending_read_count(), 0u);
}

TEST(Lease, RoundsAreNumberedEchoedAndQuorumAcked) {
  Network net(3, QuorumAndPreVote);
  net.Campaign(1);
  EXPECT_EQ(net.lease_round(1), 0u);
  auto out = [&] {
    net.node(1).Tick();
    return net.TakeOutbox(1);
  }();
  ASSERT_EQ(out.size(), 2u);
  for (const auto& m : out) {
    EXPECT_EQ(m.type(), raftpb::MsgHeartbeat);
    EXPECT_EQ(m.round(), 1u);
  }
  net.Send(out[0]);  // only node 2 answers: 2 of 3 voters (leader counts itself)
  EXPECT_EQ(net.lease_round(1), 1u);
  net.Tick(1);
  EXPECT_EQ(net.lease_round(1), 2u);
}

TEST(Lease, ReadyReportsRoundsAndCommittedInTerm) {
  MemoryStorage st;
  auto c = testing::TestConfig(1, {1, 2, 3}, &st);
  c.check_quorum = true;
  auto node = *RawNode::Create(c);
  auto cycle = [&] {
    Ready rd = node->GetReady();
    if (rd.hard_state) st.SetHardState(*rd.hard_state);
    EXPECT_TRUE(st.Append(rd.entries).ok());
    node->Advance();
    return rd;
  };
  cycle();  // founding entries
  ASSERT_TRUE(node->Campaign().ok());
  cycle();
  for (uint64_t from : {2, 3}) {
    auto v = Msg(from, 1, raftpb::MsgVoteResp, 1);
    ASSERT_TRUE(node->Step(v).ok());
  }
  Ready rd = cycle();
  EXPECT_FALSE(rd.committed_in_term);
  auto ack = Msg(2, 1, raftpb::MsgAppResp, 1);
  ack.set_index(node->raft().log().LastIndex());
  ASSERT_TRUE(node->Step(ack).ok());
  node->Tick();
  ASSERT_TRUE(node->HasReady());
  rd = cycle();
  EXPECT_TRUE(rd.committed_in_term);
  EXPECT_EQ(rd.heartbeat_round, 1u);
  EXPECT_EQ(rd.lease_round, 0u);
  auto hb = Msg(3, 1, raftpb::MsgHeartbeatResp, 1);
  hb.set_round(1);
  ASSERT_TRUE(node->Step(hb).ok());
  ASSERT_TRUE(node->HasReady());  // a lease change alone makes a Ready
  rd = cycle();
  EXPECT_EQ(rd.lease_round, 1u);
  EXPECT_EQ(rd.heartbeat_round, 0u);
  // A bogus round from the future is ignored.
  hb.set_round(99);
  ASSERT_TRUE(node->Step(hb).ok());
  EXPECT_EQ(node->raft().LeaseRound(), 1u);
  // Step-down resets both.
  ASSERT_TRUE(node->Step(Msg(2, 1, raftpb::MsgAppResp, 2)).ok());
  rd = cycle();
  EXPECT_EQ(rd.lease_round, 0u);
  EXPECT_FALSE(rd.committed_in_term);
}

TEST(Lease, DeposedPartitionedLeaderNeverReportsQuorumRoundInNewLeadersTerm) {
  Network net(5, QuorumAndPreVote);
  net.Campaign(1);
  net.Tick(1);
  ASSERT_GT(net.lease_round(1), 0u);
  // 1 and 2 on one side, 3,4,5 on the other.
  for (uint64_t a : {1, 2}) {
    for (uint64_t b : {3, 4, 5}) net.Cut(a, b);
  }
  const uint64_t before = net.lease_round(1);
  for (int i = 0; i < 30; ++i) {
    net.Tick(1);
    net.Tick(3);
    net.Tick(4);
    net.Tick(5);
    // Whatever 1 reports stays at rounds sent before the partition (1 and 2 ack only).
    EXPECT_LE(net.lease_round(1), before);
    if (net.raft(1).state() != StateType::kLeader) {
      EXPECT_EQ(net.lease_round(1), 0u);
    }
  }
  bool other_leader = false;
  for (uint64_t id : {3, 4, 5}) other_leader |= net.raft(id).state() == StateType::kLeader;
  EXPECT_TRUE(other_leader);
  EXPECT_EQ(net.raft(1).state(), StateType::kFollower);  // CheckQuorum deposed it
}

// The property lease reads rest on: a candidate cut off from the leader cannot win while
// a voter still hears the leader, even when its log is up to date (nothing was proposed).
TEST(Lease, CutOffCandidateCannotWinWhileVoterHearsLeader) {
  Network net(3, QuorumAndPreVote);
  net.Campaign(1);
  net.Cut(1, 3);
  for (int i = 0; i < 60; ++i) {
    for (uint64_t id : {1, 2, 3}) net.Tick(id);
    EXPECT_EQ(net.raft(3).state() == StateType::kLeader, false) << "tick " << i;
    EXPECT_EQ(net.raft(1).state(), StateType::kLeader);
  }
  EXPECT_GT(net.lease_round(1), 0u);
  EXPECT_EQ(net.raft(2).term(), 1u);
}

// A rejected MsgPreVoteResp raises a follower's term to a candidate's right after it acked
// the leader's round; the candidate's vote at the now-equal term must still be refused.
TEST(Lease, TermRaisedByOtherMessageDoesNotOpenTheVote) {
  MemoryStorage st;
  auto c = testing::TestConfig(3, {1, 2, 3}, &st);
  c.check_quorum = true;
  c.pre_vote = true;
  auto r = *Raft::Create(c);
  auto hb = Msg(1, 3, raftpb::MsgHeartbeat, 2);
  hb.set_round(2);
  ASSERT_TRUE(r->Step(hb).ok());
  auto rej = Msg(2, 3, raftpb::MsgPreVoteResp, 3);
  rej.set_reject(true);
  ASSERT_TRUE(r->Step(rej).ok());
  ASSERT_EQ(r->term(), 3u);
  (void)r->TakeMessages();
  auto vote = Msg(2, 3, raftpb::MsgVote, 3);
  vote.set_index(100);
  vote.set_log_term(3);
  ASSERT_TRUE(r->Step(vote).ok());
  auto out = r->TakeMessages();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(out[0].reject());
  EXPECT_EQ(r->vote(), 0u);
  for (int i = 0; i < 10; ++i) r->Tick();  // the lease window has passed
  (void)r->TakeMessages();
  if (r->state() == StateType::kFollower) {
    ASSERT_TRUE(r->Step(vote).ok());
    out = r->TakeMessages();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_FALSE(out[0].reject());
  }
}

TEST(Lease, FollowerEchoesRoundAndContext) {
  MemoryStorage st;
  auto r = *Raft::Create(testing::TestConfig(2, {1, 2, 3}, &st));
  auto hb = Msg(1, 2, raftpb::MsgHeartbeat, 1);
  hb.set_round(7);
  hb.set_context("c");
  ASSERT_TRUE(r->Step(hb).ok());
  auto out = r->TakeMessages();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].type(), raftpb::MsgHeartbeatResp);
  EXPECT_EQ(out[0].round(), 7u);
  EXPECT_EQ(out[0].context(), "c");
}

TEST(Lease, ReportedOnlyWithCheckQuorum) {
  Network net(3);  // check_quorum off
  net.Campaign(1);
  net.Tick(1);
  EXPECT_EQ(net.lease_round(1), 0u);
}

}  // namespace
}  // namespace raftlab::raft
