// Single-step membership changes (thesis §4.1): voters, learners, one change at a time.
#include "gtest/gtest.h"
#include "server/raft/errors.h"
#include "server/raft/network.h"

namespace raftlab::raft {
namespace {

using testing::Network;

raftpb::ConfChange CC(raftpb::ConfChangeType t, uint64_t node) {
  raftpb::ConfChange cc;
  cc.set_type(t);
  cc.set_node_id(node);
  return cc;
}

absl::Status ProposeCC(Network& net, uint64_t at, raftpb::ConfChangeType t, uint64_t node) {
  return net.Do(at, [&](RawNode& n) { return n.ProposeConfChange(CC(t, node)); });
}

TEST(Membership, AddVoterJoinsFromEmptyLogAndCounts) {
  Network net(3);
  net.Campaign(1);
  ASSERT_TRUE(net.Propose(1, "a").ok());
  ASSERT_TRUE(ProposeCC(net, 1, raftpb::ConfChangeAddNode, 4).ok());
  EXPECT_TRUE(net.raft(1).tracker().IsVoter(4));
  net.Add(4, {});  // a new node knows no configuration until the log tells it
  net.Tick(1);
  net.Tick(1);
  EXPECT_TRUE(net.raft(4).tracker().IsVoter(4));
  EXPECT_EQ(net.raft(4).log().committed(), net.raft(1).log().committed());
  // With 4 voters the quorum is 3: two nodes down blocks commit.
  net.Crash(3);
  net.Crash(4);
  ASSERT_TRUE(net.Propose(1, "blocked").ok());
  EXPECT_NE(net.applied(1).back().data(), "blocked");
}

TEST(Membership, OnlyOnePendingChange) {
  Network net(3);
  net.Campaign(1);
  net.Isolate(1);  // the first change cannot commit
  ASSERT_TRUE(ProposeCC(net, 1, raftpb::ConfChangeAddNode, 4).ok());
  auto s = ProposeCC(net, 1, raftpb::ConfChangeAddNode, 5);
  EXPECT_TRUE(Is(s, RaftError::kPendingConfChange)) << s;
  net.Recover();
  net.Tick(1);
  EXPECT_TRUE(ProposeCC(net, 1, raftpb::ConfChangeAddNode, 5).ok());
}

TEST(Membership, RemoveFollowerShrinksQuorum) {
  Network net(3);
  net.Campaign(1);
  ASSERT_TRUE(ProposeCC(net, 1, raftpb::ConfChangeRemoveNode, 3).ok());
  EXPECT_FALSE(net.raft(1).tracker().IsVoter(3));
  net.Crash(3);
  ASSERT_TRUE(net.Propose(1, "two-node").ok());
  EXPECT_EQ(net.applied(2).back().data(), "two-node");
}

TEST(Membership, RemovedLeaderStepsDownAndOthersElect) {
  Network net(3);
  net.Campaign(1);
  ASSERT_TRUE(ProposeCC(net, 1, raftpb::ConfChangeRemoveNode, 1).ok());
  EXPECT_EQ(net.raft(1).state(), StateType::kFollower);
  net.Tick(1, 50);
  EXPECT_EQ(net.raft(1).state(), StateType::kFollower);  // not promotable any more
  net.Tick(2, 1);  // make sure 2 applied the change
  net.Campaign(2);
  EXPECT_EQ(net.raft(2).state(), StateType::kLeader);
  EXPECT_EQ(net.raft(2).tracker().voters().size(), 2u);
}

TEST(Membership, RemovingTheLastVoterIsRefused) {
  Network net(1);
  net.Campaign(1);
  auto s = ProposeCC(net, 1, raftpb::ConfChangeRemoveNode, 1);
  EXPECT_TRUE(Is(s, RaftError::kInvalidConfChange)) << s;
}

TEST(Membership, LearnerReplicatesWithoutVotingThenIsPromoted) {
  Network net(3);
  net.Campaign(1);
  ASSERT_TRUE(ProposeCC(net, 1, raftpb::ConfChangeAddLearnerNode, 4).ok());
  net.Add(4, {});
  net.Tick(1);
  net.Tick(1);
  EXPECT_TRUE(net.raft(4).is_learner());
  ASSERT_TRUE(net.Propose(1, "x").ok());
  EXPECT_EQ(net.applied(4).back().data(), "x");
  // The learner does not count: with 2 and 3 down nothing commits.
  net.Isolate(2);
  net.Isolate(3);
  ASSERT_TRUE(net.Propose(1, "y").ok());
  EXPECT_EQ(net.applied(4).back().data(), "x");
  net.Recover();
  net.Tick(1);
  ASSERT_TRUE(ProposeCC(net, 1, raftpb::ConfChangeAddNode, 4).ok());
  net.Tick(1);
  EXPECT_FALSE(net.raft(4).is_learner());
  EXPECT_TRUE(net.raft(1).tracker().IsVoter(4));
  // Demotion of a voter to learner is refused.
  auto s = ProposeCC(net, 1, raftpb::ConfChangeAddLearnerNode, 4);
  EXPECT_TRUE(Is(s, RaftError::kInvalidConfChange)) << s;
}

TEST(Membership, NewVoterAfterCompactionGetsSnapshot) {
  Network net(3);
  net.Campaign(1);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(net.Propose(1, "a").ok());
  ASSERT_TRUE(ProposeCC(net, 1, raftpb::ConfChangeAddNode, 4).ok());
  net.SnapshotAndCompact(1);
  net.Add(4, {});
  net.Tick(1);
  net.Tick(1);
  net.Tick(1);
  EXPECT_TRUE(net.raft(4).tracker().IsVoter(4));
  EXPECT_EQ(net.raft(4).log().committed(), net.raft(1).log().committed());
}

}  // namespace
}  // namespace raftlab::raft
