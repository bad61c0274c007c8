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
  ASSERT_TRUE(s.node->Propose("x").ok());
  rd = s.Cycle();
  ASSERT_EQ(rd.entries.size(), 1u);
  EXPECT_EQ(rd.entries[0].data(), "x");
  ASSERT_EQ(rd.committed_entries.size(), 1u);  // single voter: committed at once
  EXPECT_EQ(rd.committed_entries[0].data(), "x");
  EXPECT_FALSE(rd.soft_state.has_value());
  EXPECT_FALSE(s.node->HasReady());
  EXPECT_EQ(s.node->raft().log().applied(), rd.committed_entries[0].index());
  EXPECT_TRUE(s.node->raft().log().UnstableEntries().empty());
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
