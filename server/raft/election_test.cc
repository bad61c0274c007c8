// Elections: Raft paper §5.2 / §5.4.1, PreVote and CheckQuorum (thesis §9.6, §4.2.3), term
// rules for stale and future messages.
#include "gtest/gtest.h"
#include "proto/raft_message_types.h"
#include "server/raft/errors.h"
#include "server/raft/network.h"

namespace raftlab::raft {
namespace {

using testing::Msg;
using testing::Network;

void EnableQuorumAndPreVote(Config& c) {
  c.check_quorum = true;
  c.pre_vote = true;
}

TEST(Election, SingleNodeBecomesLeaderAtOnce) {
  Network net(1);
  net.Campaign(1);
  EXPECT_EQ(net.raft(1).state(), StateType::kLeader);
  EXPECT_EQ(net.raft(1).term(), 1u);
}

TEST(Election, ThreeNodesElectOneLeaderAndAllLearnIt) {
  Network net(3);
  net.Campaign(1);
  EXPECT_EQ(net.raft(1).state(), StateType::kLeader);
  for (uint64_t id : {2, 3}) {
    EXPECT_EQ(net.raft(id).state(), StateType::kFollower);
    EXPECT_EQ(net.raft(id).term(), 1u);
    EXPECT_EQ(net.raft(id).lead(), 1u);
    EXPECT_EQ(net.raft(id).vote(), 1u);
  }
}

TEST(Election, CandidateNeedsMajority) {
  Network net(5);
  net.Crash(4);
  net.Crash(5);
  net.Campaign(1);
  EXPECT_EQ(net.raft(1).state(), StateType::kLeader);

  Network net2(5);
  net2.Crash(3);
  net2.Crash(4);
  net2.Crash(5);
  net2.Campaign(1);
  EXPECT_EQ(net2.raft(1).state(), StateType::kCandidate);
}

TEST(Election, CandidateWithMajorityRejectionsBecomesFollower) {
  MemoryStorage st;
  auto r = *Raft::Create(testing::TestConfig(1, {1, 2, 3}, &st));
  r->BecomeCandidate();
  ASSERT_EQ(r->term(), 1u);
  for (uint64_t from : {2, 3}) {
    auto m = Msg(from, 1, raftpb::MsgVoteResp, 1);
    m.set_reject(true);
    ASSERT_TRUE(r->Step(m).ok());
  }
  EXPECT_EQ(r->state(), StateType::kFollower);
  EXPECT_EQ(r->term(), 1u);
}

TEST(Election, VotesOncePerTermFirstComeFirstServed) {
  MemoryStorage st;
  auto r = *Raft::Create(testing::TestConfig(1, {1, 2, 3}, &st));
  auto vote = [&](uint64_t from, uint64_t term) {
    auto m = Msg(from, 1, raftpb::MsgVote, term);
    m.set_index(r->log().LastIndex());  // as up to date as we are (founding entries)
    EXPECT_TRUE(r->Step(m).ok());
    auto out = r->TakeMessages();
    EXPECT_EQ(out.size(), 1u);
    return out.at(0);
  };
  auto a = vote(2, 1);
  EXPECT_FALSE(a.reject());
  EXPECT_EQ(a.type(), raftpb::MsgVoteResp);
  auto b = vote(3, 1);
  EXPECT_TRUE(b.reject());
  auto c = vote(2, 1);  // the same candidate again: granted again
  EXPECT_FALSE(c.reject());
  EXPECT_EQ(r->vote(), 2u);
}

TEST(Election, VoteRequiresUpToDateLog) {
  MemoryStorage st;
  raftpb::Entry e1, e2;
  e1.set_index(1);
  e1.set_term(2);
  e2.set_index(2);
  e2.set_term(2);
  ASSERT_TRUE(st.Append({e1, e2}).ok());
  auto r = *Raft::Create(testing::TestConfig(1, {1, 2, 3}, &st));
  struct Case {
    uint64_t index, log_term;
    bool granted;
  } cases[] = {{1, 2, false}, {2, 1, false}, {2, 2, true}, {3, 2, true}, {1, 3, true}};
  uint64_t term = 3;
  for (const auto& c : cases) {
    auto m = Msg(2, 1, raftpb::MsgVote, term++);
    m.set_index(c.index);
    m.set_log_term(c.log_term);
    ASSERT_TRUE(r->Step(m).ok());
    auto out = r->TakeMessages();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(!out[0].reject(), c.granted) << c.index << "/" << c.log_term;
  }
}

TEST(Election, RandomizedTimeoutIsInRangeAndSeeded) {
  std::set<int> seen;
  for (uint64_t seed = 1; seed <= 50; ++seed) {
    MemoryStorage st;
    auto c = testing::TestConfig(1, {1, 2, 3}, &st);
    c.rng_seed = seed;
    auto r = *Raft::Create(c);
    const int t = r->randomized_election_timeout();
    EXPECT_GE(t, 10);
    EXPECT_LT(t, 20);
    seen.insert(t);
    MemoryStorage st2;
    c.storage = &st2;
    EXPECT_EQ((*Raft::Create(c))->randomized_election_timeout(), t);
  }
  EXPECT_GT(seen.size(), 3u);
}

TEST(Election, FollowerCampaignsAfterRandomizedTimeout) {
  MemoryStorage st;
  auto r = *Raft::Create(testing::TestConfig(1, {1, 2, 3}, &st));
  const int timeout = r->randomized_election_timeout();
  for (int i = 0; i < timeout - 1; ++i) r->Tick();
  EXPECT_EQ(r->state(), StateType::kFollower);
  r->Tick();
  EXPECT_EQ(r->state(), StateType::kCandidate);
  auto out = r->TakeMessages();
  ASSERT_EQ(out.size(), 2u);
  for (const auto& m : out) {
    EXPECT_EQ(m.type(), raftpb::MsgVote);
    EXPECT_EQ(m.term(), 1u);
  }
}

TEST(Election, LeaderIsolationNewLeaderThenOldStepsDown) {
  Network net(3);
  net.Campaign(1);
  net.Isolate(1);
  net.Campaign(2);
  EXPECT_EQ(net.raft(2).state(), StateType::kLeader);
  EXPECT_EQ(net.raft(2).term(), 2u);
  EXPECT_EQ(net.raft(1).state(), StateType::kLeader);  // does not know yet
  EXPECT_EQ(net.Propose(1, "lost"), absl::OkStatus());  // accepted, never committed
  net.Recover();
  net.Tick(2, 1);  // heartbeat from the new leader reaches 1
  EXPECT_EQ(net.raft(1).state(), StateType::kFollower);
  EXPECT_EQ(net.raft(1).term(), 2u);
  ASSERT_TRUE(net.Propose(2, "kept").ok());
  // The uncommitted entry of the old leader is overwritten.
  for (uint64_t id : {1, 2, 3}) {
    EXPECT_EQ(net.applied(id).back().data(), "kept");
    EXPECT_EQ(net.raft(id).log().LastIndex(), net.raft(2).log().LastIndex());
  }
}

TEST(Election, CheckQuorumIsolatedLeaderStepsDown) {
  Network net(3, EnableQuorumAndPreVote);
  net.Campaign(1);
  ASSERT_EQ(net.raft(1).state(), StateType::kLeader);
  net.Isolate(1);
  net.Tick(1, 10);  // 2 checks: the first clears activity, the second finds none
  net.Tick(1, 10);
  EXPECT_EQ(net.raft(1).state(), StateType::kFollower);
  EXPECT_EQ(net.raft(1).term(), 1u);
}

TEST(Election, CheckQuorumFollowerInLeaseIgnoresVote) {
  Network net(3, EnableQuorumAndPreVote);
  net.Campaign(1);
  // 3 campaigns with a higher term while 2 still hears the leader.
  auto m = Msg(3, 2, raftpb::MsgVote, 5);
  m.set_index(net.raft(2).log().LastIndex());
  m.set_log_term(net.raft(2).log().LastTerm());
  ASSERT_TRUE(net.raft(2).Step(m).ok());
  EXPECT_TRUE(net.raft(2).TakeMessages().empty());
  EXPECT_EQ(net.raft(2).term(), 1u);
  // A transfer vote overrides the lease.
  m.set_context(std::string(kCampaignTransfer));
  ASSERT_TRUE(net.raft(2).Step(m).ok());
  EXPECT_EQ(net.raft(2).term(), 5u);
}

TEST(Election, PreVotePartitionedNodeDoesNotRaiseTermOrDisruptOnRejoin) {
  Network net(3, EnableQuorumAndPreVote);
  net.Campaign(1);
  net.Isolate(3);
  net.Tick(3, 100);
  EXPECT_EQ(net.raft(3).term(), 1u);
  EXPECT_EQ(net.raft(3).state(), StateType::kPreCandidate);
  net.Recover();
  net.Tick(1, 1);
  EXPECT_EQ(net.raft(1).state(), StateType::kLeader);
  EXPECT_EQ(net.raft(1).term(), 1u);
  EXPECT_EQ(net.raft(3).state(), StateType::kFollower);
  EXPECT_EQ(net.raft(3).lead(), 1u);
}

TEST(Election, PreVoteThenVoteWinsWhenNoLeader) {
  Network net(3, EnableQuorumAndPreVote);
  net.Campaign(2);
  EXPECT_EQ(net.raft(2).state(), StateType::kLeader);
  EXPECT_EQ(net.raft(2).term(), 1u);
}

TEST(Election, RestartedNodeWithTermRefusesVotesForOneTimeout) {
  Network net(3, EnableQuorumAndPreVote);
  net.Campaign(1);
  net.Crash(2);
  net.Add(2, testing::Ids(3));
  auto m = Msg(3, 2, raftpb::MsgPreVote, 2);
  m.set_index(100);
  m.set_log_term(100);
  ASSERT_TRUE(net.raft(2).Step(m).ok());
  EXPECT_TRUE(net.raft(2).TakeMessages().empty());
  for (int i = 0; i < 10; ++i) net.raft(2).Tick();
  (void)net.raft(2).TakeMessages();
  ASSERT_TRUE(net.raft(2).Step(m).ok());
  auto out = net.raft(2).TakeMessages();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_FALSE(out[0].reject());
}

// Every message type with a term below ours: nothing changes, and only a stale leader's
// MsgApp/MsgHeartbeat (answered with our term) and MsgPreVote (rejected) get a reply.
TEST(Election, StaleTermMessagesOfEveryType) {
  for (const auto& info : raftpb::AllMessageTypes()) {
    if (info.local_only || info.type == raftpb::MsgProp || info.type == raftpb::MsgReadIndex) {
      continue;  // termless by design
    }
    SCOPED_TRACE(std::string(info.name));
    MemoryStorage st;
    auto c = testing::TestConfig(1, {1, 2, 3}, &st);
    c.pre_vote = true;
    auto r = *Raft::Create(c);
    r->BecomeFollower(5, 2);
    auto m = Msg(3, 1, info.type, 4);
    ASSERT_TRUE(r->Step(m).ok());
    EXPECT_EQ(r->term(), 5u);
    EXPECT_EQ(r->lead(), 2u);
    EXPECT_EQ(r->state(), StateType::kFollower);
    auto out = r->TakeMessages();
    if (info.type == raftpb::MsgApp || info.type == raftpb::MsgHeartbeat) {
      ASSERT_EQ(out.size(), 1u);
      EXPECT_EQ(out[0].type(), raftpb::MsgAppResp);
      EXPECT_EQ(out[0].term(), 5u);
    } else if (info.type == raftpb::MsgPreVote) {
      ASSERT_EQ(out.size(), 1u);
      EXPECT_EQ(out[0].type(), raftpb::MsgPreVoteResp);
      EXPECT_TRUE(out[0].reject());
    } else {
      EXPECT_TRUE(out.empty());
    }
  }
}

TEST(Election, HigherTermMessageMakesLeaderStepDown) {
  Network net(3);
  net.Campaign(1);
  auto m = Msg(2, 1, raftpb::MsgAppResp, 7);
  ASSERT_TRUE(net.raft(1).Step(m).ok());
  EXPECT_EQ(net.raft(1).state(), StateType::kFollower);
  EXPECT_EQ(net.raft(1).term(), 7u);
  EXPECT_EQ(net.raft(1).lead(), 0u);
  auto hb = Msg(3, 1, raftpb::MsgHeartbeat, 8);
  ASSERT_TRUE(net.raft(1).Step(hb).ok());
  EXPECT_EQ(net.raft(1).lead(), 3u);
}

TEST(Election, LocalMessagesFromTheWireAreRefused) {
  Network net(3);
  for (const auto& info : raftpb::AllMessageTypes()) {
    if (!info.local_only) continue;
    auto s = net.node(1).Step(Msg(2, 1, info.type, 1));
    EXPECT_TRUE(Is(s, RaftError::kStepLocalMessage)) << info.name;
  }
  EXPECT_TRUE(Is(net.node(1).Step(Msg(9, 1, raftpb::MsgAppResp, 1)), RaftError::kStepPeerNotFound));
}

TEST(Election, LearnerNeverCampaigns) {
  Network net(0);
  net.Add(1, {1}, {2});
  net.Add(2, {1}, {2});
  net.Tick(2, 100);
  EXPECT_EQ(net.raft(2).state(), StateType::kFollower);
  EXPECT_TRUE(net.raft(2).is_learner());
}

// A host that holds ticks back until TicksUntilTimer() must see nothing happen before then
// and the timer's action on exactly that tick, in every role.
TEST(Election, TicksUntilTimerNamesTheTickThatActs) {
  auto messages_after = [](Raft& r, int ticks) {
    for (int i = 0; i < ticks; ++i) r.Tick();
    return r.TakeMessages();
  };
  MemoryStorage follower_storage;
  Config fc = testing::TestConfig(1, {1, 2, 3}, &follower_storage, 10, 3);
  EnableQuorumAndPreVote(fc);
  auto follower = *Raft::Create(fc);
  follower->BecomeFollower(1, 2);
  for (int round = 0; round < 3; ++round) {
    const int due = follower->TicksUntilTimer();
    EXPECT_GE(due, 10) << "an election timeout is at least election_tick";
    EXPECT_TRUE(messages_after(*follower, due - 1).empty()) << "acted before its timer";
    EXPECT_EQ(follower->state(), StateType::kFollower);
    const auto at_due = messages_after(*follower, 1);
    ASSERT_FALSE(at_due.empty()) << "no pre-vote at the timer";
    EXPECT_EQ(at_due.front().type(), raftpb::MsgPreVote);
    follower->BecomeFollower(1, 2);
  }

  MemoryStorage leader_storage;
  Config lc = testing::TestConfig(1, {1, 2, 3}, &leader_storage, 10, 3);
  EnableQuorumAndPreVote(lc);
  auto leader = *Raft::Create(lc);
  leader->BecomeCandidate();
  leader->BecomeLeader();
  (void)leader->TakeMessages();
  EXPECT_EQ(leader->TicksUntilTimer(), 3);
  EXPECT_TRUE(messages_after(*leader, 2).empty());
  const auto beat = messages_after(*leader, 1);
  ASSERT_FALSE(beat.empty());
  EXPECT_EQ(beat.front().type(), raftpb::MsgHeartbeat);
  // Three heartbeats later the quorum check at election_tick comes first: no peer answered,
  // so the leader steps down on exactly that tick.
  EXPECT_EQ(leader->TicksUntilTimer(), 3);
  (void)messages_after(*leader, 6);
  EXPECT_EQ(leader->TicksUntilTimer(), 1);
  (void)messages_after(*leader, 1);
  EXPECT_EQ(leader->state(), StateType::kFollower);
}

// Leaders elected on different ticks beat together once aligned to a shared tick count:
// each heartbeat lands on a multiple of heartbeat_tick, and a follower ignores the call.
TEST(Election, AlignedHeartbeatsFallOnMultiplesOfTheHeartbeatInterval) {
  constexpr int kHeartbeat = 5;
  auto new_leader = [](MemoryStorage* storage) {
    Config c = testing::TestConfig(1, {1, 2, 3}, storage, 50, kHeartbeat);
    auto r = *Raft::Create(c);
    r->BecomeCandidate();
    r->BecomeLeader();
    (void)r->TakeMessages();
    return r;
  };
  auto beats_on = [](Raft& r, uint64_t from_tick, uint64_t to_tick) {
    std::vector<uint64_t> ticks;
    for (uint64_t t = from_tick + 1; t <= to_tick; ++t) {
      r.Tick();
      for (const auto& m : r.TakeMessages()) {
        if (m.type() == raftpb::MsgHeartbeat && (ticks.empty() || ticks.back() != t))
          ticks.push_back(t);
      }
    }
    return ticks;
  };
  for (const uint64_t elected_at : {101u, 103u, 104u, 105u}) {
    MemoryStorage storage;
    auto leader = new_leader(&storage);
    leader->AlignHeartbeat(elected_at);
    EXPECT_EQ(leader->TicksUntilTimer(), static_cast<int>(kHeartbeat - elected_at % kHeartbeat))
        << "elected at tick " << elected_at;
    std::vector<uint64_t> multiples;
    for (uint64_t t = elected_at + 1; t <= 120; ++t) {
      if (t % kHeartbeat == 0) multiples.push_back(t);
    }
    EXPECT_EQ(beats_on(*leader, elected_at, 120), multiples) << "elected at tick " << elected_at;
  }

  MemoryStorage storage;
  Config c = testing::TestConfig(1, {1, 2, 3}, &storage, 50, kHeartbeat);
  auto follower = *Raft::Create(c);
  follower->BecomeFollower(1, 2);
  const int due = follower->TicksUntilTimer();
  follower->AlignHeartbeat(104);
  EXPECT_EQ(follower->TicksUntilTimer(), due);
}

}  // namespace
}  // namespace raftlab::raft
