// Snapshots, compaction, ReportSnapshot and restore; restart from persisted state.
#include "gtest/gtest.h"
#include "server/raft/errors.h"
#include "server/raft/network.h"

namespace raftlab::raft {
namespace {

using testing::Msg;
using testing::Network;

raftpb::Snapshot MakeSnap(uint64_t index, uint64_t term, std::vector<uint64_t> voters) {
  raftpb::Snapshot s;
  s.mutable_metadata()->set_index(index);
  s.mutable_metadata()->set_term(term);
  for (uint64_t v : voters) s.mutable_metadata()->mutable_conf_state()->add_voters(v);
  s.set_data("img");
  return s;
}

TEST(Snapshot, LaggingFollowerCatchesUpFromSnapshot) {
  Network net(3);
  net.Campaign(1);
  net.Isolate(3);
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(net.Propose(1, "v" + std::to_string(i)).ok());
  net.SnapshotAndCompact(1);
  const uint64_t snap_index = net.raft(1).log().applied();
  net.Recover();
  net.report_snapshots = false;
  net.Ignore(raftpb::MsgSnap);
  net.Tick(1);  // heartbeat answer -> 3 needs compacted entries -> MsgSnap
  auto dropped = net.TakeDropped();
  ASSERT_FALSE(dropped.empty());
  bool saw_snap = false;
  for (const auto& m : dropped) {
    if (m.type() != raftpb::MsgSnap) continue;
    saw_snap = true;
    EXPECT_EQ(m.snapshot().metadata().index(), snap_index);
    EXPECT_EQ(m.snapshot().data(), "image@" + std::to_string(snap_index));
  }
  EXPECT_TRUE(saw_snap);
  EXPECT_EQ(net.raft(1).tracker().Get(3)->state, ProgressState::kSnapshot);
  EXPECT_TRUE(net.raft(1).tracker().Get(3)->IsPaused());
  // The send failed: ReportSnapshot(failure) returns the peer to probing.
  net.Do(1, [](RawNode& n) { n.ReportSnapshot(3, false); });
  EXPECT_EQ(net.raft(1).tracker().Get(3)->state, ProgressState::kProbe);
  net.Recover();
  net.report_snapshots = true;
  net.Tick(1);
  net.Tick(1);
  EXPECT_EQ(net.raft(3).log().committed(), net.raft(1).log().committed());
  EXPECT_EQ(net.raft(3).log().FirstIndex(), snap_index + 1);
  EXPECT_EQ(*net.storage(3).GetSnapshot()->mutable_data(), "image@" + std::to_string(snap_index));
  EXPECT_EQ(net.raft(1).tracker().Get(3)->state, ProgressState::kReplicate);
  ASSERT_TRUE(net.Propose(1, "after").ok());
  EXPECT_EQ(net.applied(3).back().data(), "after");
}

TEST(Snapshot, FollowerRestoresAndAnswersWithLastIndex) {
  MemoryStorage st;
  auto r = *Raft::Create(testing::TestConfig(2, {1, 2}, &st));
  auto m = Msg(1, 2, raftpb::MsgSnap, 3);
  *m.mutable_snapshot() = MakeSnap(11, 3, {1, 2});
  ASSERT_TRUE(r->Step(m).ok());
  EXPECT_EQ(r->log().committed(), 11u);
  EXPECT_EQ(r->log().LastIndex(), 11u);
  auto out = r->TakeMessages();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].type(), raftpb::MsgAppResp);
  EXPECT_EQ(out[0].index(), 11u);
  // An older snapshot is ignored and answered with the commit index.
  *m.mutable_snapshot() = MakeSnap(5, 2, {1, 2});
  ASSERT_TRUE(r->Step(m).ok());
  out = r->TakeMessages();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].index(), 11u);
  EXPECT_EQ(r->log().LastIndex(), 11u);
}

TEST(Snapshot, SnapshotOfForeignConfigurationIsIgnored) {
  MemoryStorage st;
  auto r = *Raft::Create(testing::TestConfig(2, {1, 2}, &st));
  const uint64_t last = r->log().LastIndex();
  auto m = Msg(1, 2, raftpb::MsgSnap, 3);
  *m.mutable_snapshot() = MakeSnap(11, 3, {1, 3});
  ASSERT_TRUE(r->Step(m).ok());
  EXPECT_EQ(r->log().LastIndex(), last);
}

TEST(Snapshot, MatchingSnapshotOnlyFastForwardsCommit) {
  Network net(2);
  net.Campaign(1);
  ASSERT_TRUE(net.Propose(1, "a").ok());
  ASSERT_TRUE(net.Propose(1, "b").ok());
  Raft& f = net.raft(2);
  const uint64_t last = f.log().LastIndex();
  auto m = Msg(1, 2, raftpb::MsgSnap, 1);
  *m.mutable_snapshot() = MakeSnap(last, 1, {1, 2});
  f.mutable_log().CommitTo(1);
  ASSERT_TRUE(f.Step(m).ok());
  EXPECT_EQ(f.log().committed(), last);
  EXPECT_EQ(f.log().LastIndex(), last);  // log kept, not replaced
  EXPECT_FALSE(f.log().UnstableSnapshot().has_value());
}

TEST(Snapshot, ReadyCarriesSnapshotAndAppliedAdvancesToIt) {
  MemoryStorage st;
  auto node = *RawNode::Create(testing::TestConfig(2, {1, 2}, &st));
  auto m = Msg(1, 2, raftpb::MsgSnap, 3);
  *m.mutable_snapshot() = MakeSnap(11, 3, {1, 2});
  ASSERT_TRUE(node->Step(m).ok());
  auto rd = node->GetReady();
  ASSERT_TRUE(rd.snapshot.has_value());
  EXPECT_EQ(rd.snapshot->metadata().index(), 11u);
  EXPECT_TRUE(rd.committed_entries.empty());
  ASSERT_TRUE(st.ApplySnapshot(*rd.snapshot).ok());
  node->Advance();
  EXPECT_EQ(node->raft().log().applied(), 11u);
  EXPECT_FALSE(node->raft().log().UnstableSnapshot().has_value());
}

TEST(Snapshot, RestartFromSnapshotPlusEntries) {
  Network net(3);
  net.Campaign(1);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(net.Propose(1, "a" + std::to_string(i)).ok());
  net.SnapshotAndCompact(2);
  const uint64_t snap = net.raft(2).log().applied();
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(net.Propose(1, "b" + std::to_string(i)).ok());
  const uint64_t last = net.raft(2).log().LastIndex();
  const uint64_t commit = net.raft(2).log().committed();
  net.Crash(2);
  net.Add(2, testing::Ids(3));
  Raft& r = net.raft(2);
  EXPECT_EQ(r.log().FirstIndex(), snap + 1);
  EXPECT_EQ(r.log().LastIndex(), last);
  EXPECT_EQ(r.log().committed(), commit);
  EXPECT_EQ(r.log().applied(), commit);  // Add ran the Ready: re-applied from the snapshot
  EXPECT_EQ(r.term(), 1u);
  EXPECT_EQ(net.applied(2).back().data(), "b2");
  EXPECT_EQ(net.applied(2).front().index(), snap + 1);
}

TEST(Snapshot, InconsistentPersistedCommitIsRefused) {
  MemoryStorage st;
  raftpb::HardState hs;
  hs.set_term(1);
  hs.set_commit(5);  // beyond the (empty) log
  st.SetHardState(hs);
  auto r = Raft::Create(testing::TestConfig(1, {1}, &st));
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(Is(r.status(), RaftError::kInvalidConfig));
  EXPECT_NE(r.status().message().find("persisted commit 5"), std::string::npos);
}

}  // namespace
}  // namespace raftlab::raft
