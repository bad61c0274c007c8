#include "server/engine/durable_log.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "server/raft/raw_node.h"
#include "server/storage/snapshot_file.h"
#include "server/storage/test_util.h"

namespace raftlab::engine {
namespace {

using storage::testing::TempDir;

raftpb::HardState State(uint64_t term, uint64_t vote, uint64_t commit) {
  raftpb::HardState hs;
  hs.set_term(term);
  hs.set_vote(vote);
  hs.set_commit(commit);
  return hs;
}

std::vector<raftpb::Entry> Entries(uint64_t from, uint64_t to, uint64_t term) {
  std::vector<raftpb::Entry> out;
  for (uint64_t i = from; i <= to; ++i) {
    raftpb::Entry& e = out.emplace_back();
    e.set_index(i);
    e.set_term(term);
    e.set_data("put " + std::to_string(i));
  }
  return out;
}

// A Ready as the core hands it out when it appends entries (always fsynced).
raft::Ready AppendReady(const raftpb::HardState& hs, std::vector<raftpb::Entry> entries) {
  raft::Ready rd;
  rd.hard_state = hs;
  rd.entries = std::move(entries);
  rd.must_sync = true;
  return rd;
}

// A Ready that moves nothing but the commit index: the engine does not write it.
raft::Ready CommitOnlyReady(const raftpb::HardState& hs) {
  raft::Ready rd;
  rd.hard_state = hs;
  rd.must_sync = false;
  return rd;
}

std::unique_ptr<DurableLog> OpenOrDie(const std::string& dir) {
  DurableLogOptions o;
  o.dir = dir;
  auto log = DurableLog::Open(o);
  EXPECT_TRUE(log.ok()) << log.status();
  return log.ok() ? std::move(*log) : nullptr;
}

// What the engine does at restart: a Raft core over the recovered storage, replaying from
// the snapshot. This is where a commit below the snapshot used to be refused.
absl::Status StartCore(DurableLog& log) {
  raft::Config c;
  c.id = 1;
  c.election_tick = 10;
  c.heartbeat_tick = 1;
  c.storage = &log.storage();
  c.applied = log.snapshot_index();
  c.voters = {1, 2, 3};
  return raft::RawNode::Create(std::move(c)).status();
}

raftpb::ConfState Voters123() {
  raftpb::ConfState cs;
  for (uint64_t v : {1, 2, 3}) cs.add_voters(v);
  return cs;
}

TEST(DurableLog, RestartsAfterALocalSnapshotTakenAfterCommitOnlyReadys) {
  TempDir dir;
  {
    auto log = OpenOrDie(dir.path());
    ASSERT_TRUE(log->Persist(AppendReady(State(2, 1, 3), Entries(1, 300, 2))).ok());
    for (uint64_t commit = 50; commit <= 300; commit += 50) {
      ASSERT_TRUE(log->Persist(CommitOnlyReady(State(2, 1, commit))).ok());
    }
    ASSERT_TRUE(log->SaveLocalSnapshot(300, Voters123(), "image@300").ok());
  }
  auto log = OpenOrDie(dir.path());
  EXPECT_EQ(log->snapshot_index(), 300u);
  const storage::WalRecovery& r = log->recovery_report();
  EXPECT_GE(r.hard_state.commit(), 300u) << "the WAL holds a commit below its snapshot";
  EXPECT_EQ(r.hard_state.term(), 2u);
  EXPECT_EQ(r.hard_state.vote(), 1u);

  absl::Status s = StartCore(*log);
  EXPECT_TRUE(s.ok()) << s;
}

// A snapshot whose file another thread wrote: RecordLocalSnapshot adds only the marker
// (with a commit raised to the snapshot), and a file whose term the log contradicts is refused.
TEST(DurableLog, RecordsALocalSnapshotWhoseFileIsAlreadyWritten) {
  TempDir dir;
  {
    auto log = OpenOrDie(dir.path());
    ASSERT_TRUE(log->Persist(AppendReady(State(2, 1, 3), Entries(1, 300, 2))).ok());
    ASSERT_TRUE(log->Persist(CommitOnlyReady(State(2, 1, 300))).ok());
    raftpb::SnapshotMetadata written;
    written.set_index(200);
    written.set_term(3);
    *written.mutable_conf_state() = Voters123();
    EXPECT_EQ(log->RecordLocalSnapshot(written, "image@200").code(), absl::StatusCode::kInternal);
    EXPECT_EQ(log->snapshot_index(), 0u);

    written.set_term(2);
    raftpb::Snapshot file;
    *file.mutable_metadata() = written;
    file.set_data("image@200");
    ASSERT_TRUE(storage::WriteSnapshotFile(log->snap_dir(), file).ok());
    ASSERT_TRUE(log->RecordLocalSnapshot(written, "image@200").ok());
    EXPECT_EQ(log->snapshot_index(), 200u);
  }
  auto log = OpenOrDie(dir.path());
  EXPECT_EQ(log->snapshot_index(), 200u);
  EXPECT_EQ(log->recovered_snapshot().data(), "image@200");
  EXPECT_GE(log->recovery_report().hard_state.commit(), 200u);
  absl::Status s = StartCore(*log);
  EXPECT_TRUE(s.ok()) << s;
}

TEST(DurableLog, RestartsAfterInstallingASnapshotInACommitOnlyReady) {
  TempDir dir;
  {
    auto log = OpenOrDie(dir.path());
    ASSERT_TRUE(log->Persist(AppendReady(State(4, 0, 2), Entries(1, 5, 4))).ok());
    // A follower of the same term is sent a snapshot: term and vote do not change, so the
    // core does not ask for an fsync.
    raft::Ready rd = CommitOnlyReady(State(4, 0, 500));
    raftpb::Snapshot& snap = rd.snapshot.emplace();
    snap.mutable_metadata()->set_index(500);
    snap.mutable_metadata()->set_term(4);
    *snap.mutable_metadata()->mutable_conf_state() = Voters123();
    snap.set_data("image@500");
    ASSERT_TRUE(log->Persist(rd).ok());
    // The node stops before the leader sends it any entry after the snapshot.
  }
  auto log = OpenOrDie(dir.path());
  EXPECT_EQ(log->snapshot_index(), 500u);
  EXPECT_EQ(log->recovered_snapshot().data(), "image@500");
  EXPECT_GE(log->recovery_report().hard_state.commit(), 500u);
  EXPECT_EQ(log->recovery_report().hard_state.term(), 4u);
  EXPECT_TRUE(log->recovery_report().entries.empty());
  absl::Status s = StartCore(*log);
  EXPECT_TRUE(s.ok()) << s;
}

TEST(DurableLog, RestartsAfterALocalSnapshotFollowingAnInstalledOne) {
  TempDir dir;
  {
    auto log = OpenOrDie(dir.path());
    raft::Ready rd = AppendReady(State(3, 0, 100), {});
    raftpb::Snapshot& snap = rd.snapshot.emplace();
    snap.mutable_metadata()->set_index(100);
    snap.mutable_metadata()->set_term(3);
    *snap.mutable_metadata()->mutable_conf_state() = Voters123();
    ASSERT_TRUE(log->Persist(rd).ok());
    ASSERT_TRUE(log->Persist(AppendReady(State(3, 0, 100), Entries(101, 200, 3))).ok());
    ASSERT_TRUE(log->Persist(CommitOnlyReady(State(3, 0, 180))).ok());
    ASSERT_TRUE(log->SaveLocalSnapshot(180, Voters123(), "image@180").ok());
  }
  auto log = OpenOrDie(dir.path());
  EXPECT_EQ(log->snapshot_index(), 180u);
  EXPECT_GE(log->recovery_report().hard_state.commit(), 180u);
  absl::Status s = StartCore(*log);
  EXPECT_TRUE(s.ok()) << s;
}

// Groups sharing the node's log: each recovers its own log and snapshot from it after a
// restart, and old segments go only once the slowest group's snapshot covers them.
TEST(DurableLog, GroupsSharingTheNodeLogRecoverTheirOwnLogs) {
  TempDir dir;
  storage::NodeWalOptions wo;
  wo.dir = dir.Sub("wal");
  wo.segment_bytes = 1024;
  wo.carried_bytes_per_group = 0;
  auto open_group = [&](storage::NodeWal* wal, uint64_t group) {
    DurableLogOptions o;
    o.dir = dir.Sub("group-" + std::to_string(group));
    o.group_id = group;
    o.node_wal = wal;
    o.keep_wal_segments = 1;
    o.compaction_lag = 0;
    auto log = DurableLog::Open(o);
    EXPECT_TRUE(log.ok()) << log.status();
    return log.ok() ? std::move(*log) : nullptr;
  };
  size_t segments_with_lagging_group = 0;
  {
    storage::NodeWalRecovery rec;
    auto wal = storage::NodeWal::Open(wo, &rec);
    ASSERT_TRUE(wal.ok()) << wal.status();
    auto fast = open_group(wal->get(), 1);
    auto slow = open_group(wal->get(), 2);
    ASSERT_TRUE(slow->Persist(AppendReady(State(1, 1, 3), Entries(1, 3, 1))).ok());
    for (uint64_t from = 1; from <= 200; from += 50) {
      ASSERT_TRUE(fast->Persist(AppendReady(State(2, 1, from + 49), Entries(from, from + 49, 2))).ok());
    }
    ASSERT_TRUE(fast->SaveLocalSnapshot(200, Voters123(), "image@200").ok());
    segments_with_lagging_group = (*wal)->segment_count();
    EXPECT_GT(segments_with_lagging_group, 2u) << "group 2's entries 1..3 hold the oldest segment";
    ASSERT_TRUE(slow->SaveLocalSnapshot(3, Voters123(), "image@3").ok());
    EXPECT_LT((*wal)->segment_count(), segments_with_lagging_group);
    ASSERT_TRUE(slow->Persist(AppendReady(State(1, 1, 4), Entries(4, 4, 1))).ok());
  }
  storage::NodeWalRecovery rec;
  auto wal = storage::NodeWal::Open(wo, &rec);
  ASSERT_TRUE(wal.ok()) << wal.status();
  auto fast = open_group(wal->get(), 1);
  auto slow = open_group(wal->get(), 2);
  EXPECT_EQ(fast->snapshot_index(), 200u);
  EXPECT_EQ(fast->recovered_snapshot().data(), "image@200");
  EXPECT_EQ(fast->recovery_report().hard_state.term(), 2u);
  EXPECT_EQ(slow->snapshot_index(), 3u);
  ASSERT_EQ(slow->recovery_report().entries.size(), 1u);
  EXPECT_EQ(slow->recovery_report().entries[0].index(), 4u);
  EXPECT_TRUE(StartCore(*fast).ok());
  EXPECT_TRUE(StartCore(*slow).ok());
}

}  // namespace
}  // namespace raftlab::engine
