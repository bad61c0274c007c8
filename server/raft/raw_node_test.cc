// The Ready/Advance contract of RawNode.
#include "gtest/gtest.h"
#include "server/raft/errors.h"
#include "server/raft/network.h"

namespace raftlab::raft {
namespace {

using testing::Msg;

struct Single {
  MemoryStorage st;
  std::unique_ptr<RawNode> node;
  explicit Single(std::vector<uint64_t> voters = {1}) {
    node = *RawNode::Create(testing::TestConfig(1, std::move(voters), &st));
  }
  Ready Cycle() {
    Ready rd = node->GetReady();
    if (rd.hard_state) st.SetHardState(*rd.hard_state);
    EXPECT_TRUE(st.Append(rd.entries).ok());
    node->Advance();
    return rd;
  }
};

TEST(RawNode, FirstReadyPersistsAndAppliesFoundingMembership) {
  Single s({1, 2});
  ASSERT_TRUE(s.node->HasReady());
  Ready rd = s.Cycle();
  ASSERT_EQ(rd.entries.size(), 2u);
  EXPECT_EQ(rd.entries[0].type(), raftpb::EntryConfChange);
  ASSERT_TRUE(rd.hard_state.has_value());
  EXPECT_EQ(rd.hard_state->commit(), 2u);
  EXPECT_TRUE(rd.must_sync);
  EXPECT_EQ(rd.committed_entries.size(), 2u);
  EXPECT_FALSE(s.node->HasReady());
}

TEST(RawNode, ProposalFlowsThroughReady) {
  Single s;
  s.Cycle();
  ASSERT_TRUE(s.node->Campaign().ok());
  Ready rd = s.Cycle();
  ASSERT_TRUE(rd.soft_state.has_value());
  EXPECT_EQ(rd.soft_state->state, StateType::kLeader);
  EXPECT_EQ(rd.soft_state->lead, 1u);
  while (s.node->HasReady()) s.Cycle();  // the leader's empty entry commits
  ASSERT_TRUE(s.node->Propose("x").ok());
  rd = s.Cycle();
  ASSERT_EQ(rd.entries.size(), 1u);
  EXPECT_EQ(rd.entries[0].data(), "x");
  // Even a single voter commits its entry only once Advance reported it durable.
  EXPECT_TRUE(rd.committed_entries.empty());
  EXPECT_FALSE(rd.soft_state.has_value());
  ASSERT_TRUE(s.node->HasReady());
  rd = s.Cycle();
  EXPECT_TRUE(rd.entries.empty());
  ASSERT_EQ(rd.committed_entries.size(), 1u);
  EXPECT_EQ(rd.committed_entries[0].data(), "x");
  EXPECT_FALSE(s.node->HasReady());
  EXPECT_EQ(s.node->raft().log().applied(), rd.committed_entries[0].index());
  EXPECT_TRUE(s.node->raft().log().UnstableEntries().empty());
}

TEST(RawNode, OnlyTheLeadersReplicationMayLeaveBeforePersisting) {
  Single s({1, 2, 3});
  s.Cycle();
  ASSERT_TRUE(s.node->Campaign().ok());
  Ready rd = s.Cycle();  // a new term and vote: nothing leaves before they are durable
  ASSERT_TRUE(rd.hard_state.has_value());
  EXPECT_FALSE(rd.term_vote_durable);
  ASSERT_FALSE(rd.messages.empty());
  for (const auto& m : rd.messages) EXPECT_FALSE(MaySendBeforePersist(rd, m));
  for (uint64_t from : {2, 3}) {
    ASSERT_TRUE(s.node->Step(Msg(from, 1, raftpb::MsgVoteResp, s.node->raft().term())).ok());
  }
  rd = s.Cycle();  // leader: its appends go out while it writes its empty entry
  ASSERT_EQ(s.node->raft().state(), StateType::kLeader);
  EXPECT_TRUE(rd.term_vote_durable);
  ASSERT_FALSE(rd.entries.empty());
  ASSERT_FALSE(rd.messages.empty());
  for (const auto& m : rd.messages) {
    EXPECT_EQ(m.type(), raftpb::MsgApp);
    EXPECT_TRUE(MaySendBeforePersist(rd, m));
  }
}

TEST(RawNode, ASingleVotersFirstTermWaitsForItsPersist) {
  // Campaign and win in one step: the new term is not durable, so even the leader's
  // appends to a learner wait.
  MemoryStorage st;
  Config c = testing::TestConfig(1, {1}, &st);
  c.learners = {2};
  auto node = *RawNode::Create(c);
  Ready rd = node->GetReady();
  ASSERT_TRUE(st.Append(rd.entries).ok());
  if (rd.hard_state) st.SetHardState(*rd.hard_state);
  node->Advance();
  ASSERT_TRUE(node->Campaign().ok());
  ASSERT_EQ(node->raft().state(), StateType::kLeader);
  ASSERT_TRUE(node->Propose("y").ok());  // replicated to the learner at once
  EXPECT_TRUE(node->TakeMessagesBeforePersist().empty());
  rd = node->GetReady();
  EXPECT_FALSE(rd.term_vote_durable);
  bool app = false;
  for (const auto& m : rd.messages) {
    app |= m.type() == raftpb::MsgApp;
    EXPECT_FALSE(MaySendBeforePersist(rd, m));
  }
  EXPECT_TRUE(app);
}

TEST(RawNode, ReadStatesAreHandedOutOnce) {
  Single s;
  s.Cycle();
  ASSERT_TRUE(s.node->Campaign().ok());
  s.Cycle();
  ASSERT_TRUE(s.node->ReadIndex("ctx").ok());
  Ready rd = s.Cycle();
  ASSERT_EQ(rd.read_states.size(), 1u);
  EXPECT_EQ(rd.read_states[0].context, "ctx");
  EXPECT_FALSE(s.node->HasReady());
}

TEST(RawNode, HeartbeatRoundIsReportedInTheReadyThatSendsIt) {
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
  cycle();
  node->raft().BecomeCandidate();
  node->raft().BecomeLeader();
  cycle();
  node->Tick();
  node->Tick();  // two rounds before the next Ready
  Ready rd = cycle();
  EXPECT_EQ(rd.heartbeat_round, 2u);
  int heartbeats = 0;
  for (const auto& m : rd.messages) heartbeats += m.type() == raftpb::MsgHeartbeat;
  EXPECT_EQ(heartbeats, 4);  // rounds 1 and 2, two peers each
  rd = cycle();
  EXPECT_EQ(rd.heartbeat_round, 0u);
}

TEST(RawNode, InvalidConfigIsRejectedWithFieldName) {
  MemoryStorage st;
  auto c = testing::TestConfig(1, {1}, &st);
  c.election_tick = 1;
  auto n = RawNode::Create(c);
  ASSERT_FALSE(n.ok());
  EXPECT_TRUE(Is(n.status(), RaftError::kInvalidConfig));
  EXPECT_NE(n.status().message().find("election_tick"), std::string::npos);
  c = testing::TestConfig(0, {1}, &st);
  EXPECT_NE(RawNode::Create(c).status().message().find("Config.id"), std::string::npos);
}

TEST(RawNode, UnknownMessageTypeIsRefused) {
  Single s;
  raftpb::Message m = Msg(2, 1, raftpb::MsgApp, 1);
  m.set_type(static_cast<raftpb::MessageType>(99));
  EXPECT_FALSE(s.node->Step(m).ok());
}

}  // namespace
}  // namespace raftlab::raft
