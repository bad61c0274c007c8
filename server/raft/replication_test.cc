// Log replication: Raft paper §5.3/§5.4.2, fast back-off, flow control.
#include "gtest/gtest.h"
#include "server/raft/errors.h"
#include "server/raft/network.h"

namespace raftlab::raft {
namespace {

using testing::Msg;
using testing::Network;

std::vector<std::string> Data(const std::vector<Entry>& ents) {
  std::vector<std::string> out;
  for (const auto& e : ents) {
    if (!e.data().empty()) out.push_back(e.data());
  }
  return out;
}

TEST(Replication, ProposalCommitsAndAppliesEverywhere) {
  Network net(3);
  net.Campaign(1);
  ASSERT_TRUE(net.Propose(1, "a").ok());
  ASSERT_TRUE(net.Propose(2, "b").ok());  // forwarded to the leader
  for (uint64_t id : {1, 2, 3}) {
    EXPECT_EQ(Data(net.applied(id)), (std::vector<std::string>{"a", "b"})) << id;
    EXPECT_EQ(net.raft(id).log().committed(), net.raft(1).log().LastIndex());
  }
}

TEST(Replication, EmptyProposalFromTheWireIsAnErrorNotACrash) {
  Network net(3);
  net.Campaign(1);
  auto s = net.node(1).Step(Msg(2, 1, raftpb::MsgProp));
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(net.raft(1).state(), StateType::kLeader);
}

TEST(Replication, BatchProposalTravelsInOneAppendPerFollower) {
  Network net(3);
  net.Campaign(1);
  auto out = [&] {
    EXPECT_TRUE(net.node(1).ProposeBatch({"a", "b", "c"}).ok());
    return net.TakeOutbox(1);
  }();
  int apps = 0;
  for (const auto& m : out) {
    if (m.type() != raftpb::MsgApp) continue;
    ++apps;
    EXPECT_EQ(m.entries_size(), 3);
  }
  EXPECT_EQ(apps, 2);
  for (auto& m : out) net.Send(m);
  EXPECT_EQ(Data(net.applied(3)), (std::vector<std::string>{"a", "b", "c"}));
}

// One write, followed message by message: what the leader sends once both acks made it
// commit. etcd/raft's way tells each follower at once with an empty append; without it
// the commit index waits for the next heartbeat, which then commits the write everywhere.
TEST(Replication, WithoutEmptyAppendOnCommitTheCommitRidesOnTheNextHeartbeat) {
  for (bool empty_append : {true, false}) {
    SCOPED_TRACE(empty_append ? "empty_append_on_commit" : "commit on the next heartbeat");
    Network net(3, [&](Config& c) { c.empty_append_on_commit = empty_append; });
    net.Campaign(1);
    net.Tick(1);  // a heartbeat settles the leader's first entry everywhere
    ASSERT_TRUE(net.node(1).Propose("a").ok());
    std::vector<raftpb::Message> acks;
    for (auto& m : net.TakeOutbox(1)) {
      ASSERT_EQ(m.type(), raftpb::MsgApp);
      ASSERT_EQ(m.entries_size(), 1);
      const uint64_t to = m.to();
      ASSERT_TRUE(net.node(to).Step(std::move(m)).ok());
      for (auto& r : net.TakeOutbox(to)) acks.push_back(std::move(r));
    }
    ASSERT_EQ(acks.size(), 2u);
    for (auto& a : acks) ASSERT_TRUE(net.node(1).Step(std::move(a)).ok());
    const uint64_t index = net.raft(1).log().LastIndex();
    EXPECT_EQ(net.raft(1).log().committed(), index);
    int appends = 0;
    for (const auto& m : net.TakeOutbox(1)) {
      if (m.type() != raftpb::MsgApp) continue;
      ++appends;
      EXPECT_EQ(m.entries_size(), 0);
      EXPECT_EQ(m.commit(), index);
    }
    EXPECT_EQ(appends, empty_append ? 2 : 0);
    for (uint64_t id : {2, 3}) EXPECT_LT(net.raft(id).log().committed(), index) << id;
    net.Tick(1);  // heartbeat_tick is 1: the heartbeat carries the commit
    for (uint64_t id : {2, 3}) {
      EXPECT_EQ(net.raft(id).log().committed(), index) << id;
      EXPECT_EQ(Data(net.applied(id)), std::vector<std::string>{"a"}) << id;
    }
  }
}

TEST(Replication, ProposalWithoutLeaderIsDropped) {
  Network net(3);
  auto s = net.Propose(1, "x");
  EXPECT_TRUE(Is(s, RaftError::kProposalDropped)) << s;
}

TEST(Replication, FollowersLearnCommitFromHeartbeat) {
  Network net(3);
  net.Campaign(1);
  net.Ignore(raftpb::MsgAppResp);
  const uint64_t before = net.raft(1).log().committed();
  ASSERT_TRUE(net.Propose(1, "a").ok());
  EXPECT_EQ(net.raft(1).log().committed(), before);  // not yet: no acks
  net.Recover();
  net.Tick(1);  // heartbeat -> resp -> leader resends -> commit -> heartbeats carry commit
  net.Tick(1);
  for (uint64_t id : {1, 2, 3}) EXPECT_EQ(net.raft(id).log().committed(), before + 1) << id;
}

TEST(Replication, OnlyCurrentTermEntriesCommitByCounting) {
  // Raft paper Figure 8: an entry of an old term replicated on a majority is not
  // committed until an entry of the leader's term is.
  MemoryStorage st;
  auto r = *Raft::Create(testing::TestConfig(1, {1, 2, 3}, &st));
  const uint64_t base = r->log().LastIndex();  // the founding membership entries
  r->BecomeCandidate();
  r->BecomeLeader();  // term 1, empty entry at base+1
  raftpb::Message prop = Msg(1, 1, raftpb::MsgProp);
  prop.add_entries()->set_data("old");
  ASSERT_TRUE(r->Step(prop).ok());  // base+2, term 1
  r->BecomeFollower(2, 0);
  r->BecomeCandidate();  // term 3
  r->BecomeLeader();     // empty entry at base+3, term 3
  (void)r->TakeMessages();
  // The leader's own log is durable, so only the follower's acks decide.
  ASSERT_TRUE(st.Append(r->log().UnstableEntries()).ok());
  r->Advance(0, 0, r->log().LastIndex(), r->log().LastTerm(), 0);
  auto ack = Msg(2, 1, raftpb::MsgAppResp, 3);
  ack.set_index(base + 2);
  ASSERT_TRUE(r->Step(ack).ok());
  EXPECT_EQ(r->log().committed(), base);
  ack.set_index(base + 3);
  ASSERT_TRUE(r->Step(ack).ok());
  EXPECT_EQ(r->log().committed(), base + 3);
}

// A leader of three whose entry one follower acknowledged: whether it is committed
// depends on the leader's own durable copy.
struct LeaderWithAckedEntry {
  MemoryStorage st;
  std::unique_ptr<Raft> r;
  uint64_t entry = 0;
  explicit LeaderWithAckedEntry(bool self_ack_at_append) {
    Config c = testing::TestConfig(1, {1, 2, 3}, &st);
    c.unsafe_leader_self_ack_at_append = self_ack_at_append;
    r = *Raft::Create(c);
    r->BecomeCandidate();
    r->BecomeLeader();
    PersistAndAdvance();
    raftpb::Message prop = Msg(1, 1, raftpb::MsgProp);
    prop.add_entries()->set_data("x");
    EXPECT_TRUE(r->Step(prop).ok());
    entry = r->log().LastIndex();
    auto ack = Msg(2, 1, raftpb::MsgAppResp, r->term());
    ack.set_index(entry);
    EXPECT_TRUE(r->Step(ack).ok());
  }
  void PersistAndAdvance() {
    EXPECT_TRUE(st.Append(r->log().UnstableEntries()).ok());
    r->Advance(0, 0, r->log().LastIndex(), r->log().LastTerm(), 0);
  }
};

TEST(Replication, LeaderCountsItselfOnlyAfterItsEntryIsDurable) {
  // The leader's MsgApp may leave before its own write: one follower's ack is not a quorum
  // while the leader's copy is not durable, and the commit notice waits for Advance.
  LeaderWithAckedEntry l(false);
  EXPECT_LT(l.r->log().committed(), l.entry);
  (void)l.r->TakeMessages();
  l.PersistAndAdvance();
  EXPECT_EQ(l.r->log().committed(), l.entry);
  const auto msgs = l.r->TakeMessages();
  ASSERT_FALSE(msgs.empty());  // followers learn the new commit index at once
  for (const auto& m : msgs) {
    EXPECT_EQ(m.type(), raftpb::MsgApp);
    EXPECT_EQ(m.commit(), l.entry);
  }
}

TEST(Replication, SelfAckAtAppendCommitsBeforeTheLeaderIsDurable) {
  // The planted bug the simulation must catch: the leader counts its unwritten entry.
  LeaderWithAckedEntry l(true);
  EXPECT_EQ(l.r->log().committed(), l.entry);
}

TEST(Replication, ConflictingFollowerSuffixIsTruncated) {
  Network net(3);
  net.Campaign(1);
  net.Isolate(1);
  ASSERT_TRUE(net.Propose(1, "stale1").ok());
  ASSERT_TRUE(net.Propose(1, "stale2").ok());
  net.Recover();
  net.Isolate(1);
  net.Campaign(2);
  ASSERT_TRUE(net.Propose(2, "new").ok());
  net.Recover();
  ASSERT_TRUE(net.Propose(2, "new2").ok());
  net.Tick(2);  // 1's probe was paused; the heartbeat answer restarts it
  EXPECT_EQ(Data(net.applied(1)), (std::vector<std::string>{"new", "new2"}));
  EXPECT_EQ(net.raft(1).log().LastIndex(), net.raft(2).log().LastIndex());
}

TEST(Replication, FollowerRejectionCarriesHintAndTerm) {
  MemoryStorage st;
  std::vector<Entry> ents;
  for (uint64_t i = 1; i <= 5; ++i) {
    Entry e;
    e.set_index(i);
    e.set_term(i <= 2 ? 1 : 2);
    ents.push_back(e);
  }
  ASSERT_TRUE(st.Append(ents).ok());
  auto r = *Raft::Create(testing::TestConfig(2, {1, 2, 3}, &st));
  auto app = Msg(1, 2, raftpb::MsgApp, 4);
  app.set_index(7);
  app.set_log_term(3);
  ASSERT_TRUE(r->Step(app).ok());
  auto out = r->TakeMessages();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(out[0].reject());
  EXPECT_EQ(out[0].index(), 7u);
  EXPECT_EQ(out[0].reject_hint(), 5u);
  EXPECT_EQ(out[0].reject_log_term(), 2u);
}

// A follower whose log diverges over many entries of one term is repaired in a couple of
// round trips, not one per entry.
TEST(Replication, FastBackOffSkipsWholeTerms) {
  Network net(3);
  net.Campaign(1);
  net.Isolate(3);
  net.Isolate(1);
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(net.Propose(1, "dead" + std::to_string(i)).ok());
  net.Recover();
  net.Isolate(1);
  net.Campaign(2);
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(net.Propose(2, "live" + std::to_string(i)).ok());
  net.Recover();
  net.Cut(1, 3);
  net.Tick(2);  // heartbeat -> 1 needs entries -> probes
  for (int round = 0; round < 10; ++round) {
    for (auto& m : net.TakeOutbox(2)) net.Send(m);
  }
  EXPECT_EQ(net.raft(1).log().LastIndex(), net.raft(2).log().LastIndex());
  EXPECT_EQ(net.raft(1).log().committed(), net.raft(2).log().committed());
  EXPECT_EQ(Data(net.applied(1)).back(), "live49");
}

TEST(Replication, FastBackOffMessageCount) {
  // Leader log: 1..3 term 1, 4..60 term 3. Follower: 1..3 term 1, 4..60 term 2.
  MemoryStorage lst, fst;
  std::vector<Entry> lents, fents;
  for (uint64_t i = 1; i <= 60; ++i) {
    Entry e;
    e.set_index(i);
    e.set_term(i <= 3 ? 1 : 3);
    lents.push_back(e);
    e.set_term(i <= 3 ? 1 : 2);
    fents.push_back(e);
  }
  ASSERT_TRUE(lst.Append(lents).ok());
  ASSERT_TRUE(fst.Append(fents).ok());
  raftpb::HardState hs;
  hs.set_term(3);
  lst.SetHardState(hs);
  fst.SetHardState(hs);
  auto leader = *Raft::Create(testing::TestConfig(1, {1, 2}, &lst));
  auto follower = *Raft::Create(testing::TestConfig(2, {1, 2}, &fst));
  leader->BecomeCandidate();
  leader->BecomeLeader();
  ASSERT_TRUE(leader->Step(Msg(1, 1, raftpb::MsgBeat)).ok());
  int rounds = 0;
  int rejects = 0;
  std::vector<raftpb::Message> inflight = leader->TakeMessages();
  while (!inflight.empty() && rounds < 20) {
    ++rounds;
    std::vector<raftpb::Message> next;
    for (auto& m : inflight) {
      rejects += m.reject();
      Raft& to = m.to() == 1 ? *leader : *follower;
      ASSERT_TRUE(to.Step(m).ok());
      for (auto& o : to.TakeMessages()) next.push_back(o);
    }
    inflight = std::move(next);
  }
  EXPECT_EQ(follower->log().LastIndex(), 61u);
  EXPECT_EQ(follower->log().LastTerm(), 4u);
  // One rejection of the probe at 60; its hint (index 60, term 2) lets the leader skip
  // every term-3 entry of its own and probe at 3 directly, which matches.
  EXPECT_EQ(rejects, 1);
  EXPECT_LE(rounds, 8);  // heartbeat, probe, reject (skips term 2), probe at 3, accept
}

TEST(Replication, MaxSizePerMsgLimitsEntriesPerAppend) {
  Network net(2, [](Config& c) { c.max_size_per_msg = 3 * (100 + 16); });
  net.Campaign(1);
  net.Ignore(raftpb::MsgApp);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(net.Propose(1, std::string(100, 'a' + i)).ok());
  net.Recover();
  net.Tick(1);  // heartbeat resp makes the leader send what 2 lacks
  for (auto& m : net.TakeDropped()) {
    if (m.type() == raftpb::MsgApp) {
      EXPECT_LE(m.entries_size(), 3);
    }
  }
  EXPECT_EQ(net.raft(2).log().committed(), net.raft(1).log().LastIndex());
}

TEST(Replication, MaxInflightPausesReplicateState) {
  MemoryStorage st;
  auto c = testing::TestConfig(1, {1, 2}, &st);
  c.max_inflight_msgs = 3;
  auto r = *Raft::Create(c);
  r->BecomeCandidate();
  r->BecomeLeader();
  r->mutable_tracker().Get(2)->BecomeReplicate();
  (void)r->TakeMessages();
  for (int i = 0; i < 5; ++i) {
    auto p = Msg(1, 1, raftpb::MsgProp);
    p.add_entries()->set_data("x");
    ASSERT_TRUE(r->Step(p).ok());
  }
  auto sent = r->TakeMessages();
  ASSERT_EQ(sent.size(), 3u);
  EXPECT_TRUE(r->tracker().Get(2)->IsPaused());
  auto ack = Msg(2, 1, raftpb::MsgAppResp, 1);
  ack.set_index(sent[0].entries(sent[0].entries_size() - 1).index());
  ASSERT_TRUE(r->Step(ack).ok());
  EXPECT_FALSE(r->TakeMessages().empty());
}

TEST(Replication, ProbeStateSendsOneAppendUntilAnswered) {
  MemoryStorage st;
  auto r = *Raft::Create(testing::TestConfig(1, {1, 2}, &st));
  r->BecomeCandidate();
  r->BecomeLeader();
  EXPECT_EQ(r->TakeMessages().size(), 0u);  // BecomeLeader alone does not broadcast
  auto p = Msg(1, 1, raftpb::MsgProp);
  p.add_entries()->set_data("x");
  ASSERT_TRUE(r->Step(p).ok());
  ASSERT_TRUE(r->Step(p).ok());
  EXPECT_EQ(r->TakeMessages().size(), 1u);
  EXPECT_TRUE(r->tracker().Get(2)->probe_sent);
}

TEST(Replication, UncommittedSizeLimitRefusesWithDistinctError) {
  Network net(3, [](Config& c) { c.max_uncommitted_entries_size = 250; });
  net.Campaign(1);
  net.Isolate(1);
  ASSERT_TRUE(net.Propose(1, std::string(200, 'x')).ok());
  auto s = net.Propose(1, std::string(100, 'y'));
  EXPECT_TRUE(Is(s, RaftError::kUncommittedSizeExceeded)) << s;
  EXPECT_FALSE(Is(s, RaftError::kProposalDropped));
  net.Recover();
  net.Tick(1);
  EXPECT_EQ(net.raft(1).uncommitted_size(), 0u);
  EXPECT_TRUE(net.Propose(1, std::string(100, 'y')).ok());
}

TEST(Replication, RestartFromPersistedStateKeepsLogAndTerm) {
  Network net(3);
  net.Campaign(1);
  ASSERT_TRUE(net.Propose(1, "a").ok());
  net.Crash(2);
  ASSERT_TRUE(net.Propose(1, "b").ok());
  const uint64_t persisted = net.storage(2).hard_state().commit();
  net.Add(2, testing::Ids(3));
  EXPECT_EQ(net.raft(2).term(), 1u);
  EXPECT_EQ(net.raft(2).vote(), 1u);
  EXPECT_EQ(net.raft(2).log().committed(), persisted);
  net.Tick(1);
  EXPECT_EQ(net.raft(2).log().committed(), net.raft(1).log().committed());
  EXPECT_EQ(Data(net.applied(2)), (std::vector<std::string>{"a", "b"}));
}

}  // namespace
}  // namespace raftlab::raft
