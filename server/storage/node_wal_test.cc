#include "server/storage/node_wal.h"

#include <unistd.h>

#include <atomic>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "faults/control.h"
#include "faults/crash_point.h"
#include "faults/points.h"
#include "server/storage/test_util.h"

namespace raftlab::storage {
namespace {

using testing::CopyDirOrDie;
using testing::FilesWithSuffix;
using testing::ReadFileOrDie;
using testing::TempDir;
using testing::WriteFileOrDie;

raftpb::Entry MakeEntry(uint64_t group, uint64_t index, uint64_t term, size_t size = 20) {
  raftpb::Entry e;
  e.set_index(index);
  e.set_term(term);
  e.set_data("g" + std::to_string(group) + ":" + std::string(size, static_cast<char>('a' + index % 26)));
  return e;
}

raftpb::HardState MakeState(uint64_t term, uint64_t vote, uint64_t commit) {
  raftpb::HardState hs;
  hs.set_term(term);
  hs.set_vote(vote);
  hs.set_commit(commit);
  return hs;
}

NodeWalOptions Options(const std::string& dir, uint64_t segment_bytes = 64ull << 20) {
  NodeWalOptions o;
  o.dir = dir;
  o.segment_bytes = segment_bytes;
  return o;
}

std::unique_ptr<NodeWal> OpenOrDie(const NodeWalOptions& o, NodeWalRecovery* rec) {
  auto wal = NodeWal::Open(o, rec);
  EXPECT_TRUE(wal.ok()) << wal.status();
  return wal.ok() ? std::move(*wal) : nullptr;
}

void AppendOrDie(NodeWal* wal, uint64_t group, uint64_t index, uint64_t term) {
  const raftpb::Entry e = MakeEntry(group, index, term);
  ASSERT_TRUE(wal->Append(group, MakeState(term, group, index), {&e, 1}).ok());
}

std::vector<uint64_t> Indexes(const WalRecovery& rec) {
  std::vector<uint64_t> out;
  for (const auto& e : rec.entries) out.push_back(e.index());
  return out;
}

std::vector<uint64_t> Range(uint64_t from, uint64_t to) {
  std::vector<uint64_t> out;
  for (uint64_t i = from; i <= to; ++i) out.push_back(i);
  return out;
}

// A NodeWal whose batch writer waits until `expect` requests are queued.
struct LinedUpWal {
  explicit LinedUpWal(const std::string& dir, uint64_t segment_bytes = 64ull << 20) {
    NodeWalOptions o = Options(dir, segment_bytes);
    o.before_batch = [this] {
      while (wal->queued_requests() < expect.load()) std::this_thread::yield();
    };
    wal = OpenOrDie(o, &recovery);
  }
  std::unique_ptr<NodeWal> wal;
  NodeWalRecovery recovery;
  std::atomic<size_t> expect{1};

  void AppendTogether(const std::vector<uint64_t>& groups, uint64_t index) {
    expect = groups.size();
    std::vector<std::thread> threads;
    for (uint64_t g : groups) threads.emplace_back([&, g] { AppendOrDie(wal.get(), g, index, 1); });
    for (auto& t : threads) t.join();
    expect = 1;
  }
};

TEST(NodeWal, RecoversEachGroupsLogFromTheSharedLogAcrossSegments) {
  TempDir dir;
  {
    NodeWalRecovery rec;
    auto wal = OpenOrDie(Options(dir.path(), 600), &rec);
    EXPECT_TRUE(rec.groups.empty());
    for (uint64_t i = 1; i <= 20; ++i) {
      for (uint64_t g = 1; g <= 3; ++g) AppendOrDie(wal.get(), g, i, 1);
    }
    // Group 2 overwrites its uncommitted suffix in a new term.
    const raftpb::Entry e = MakeEntry(2, 18, 2);
    ASSERT_TRUE(wal->Append(2, MakeState(2, 0, 17), {&e, 1}).ok());
    EXPECT_GT(wal->segment_count(), 2u);
  }
  NodeWalRecovery rec;
  auto wal = OpenOrDie(Options(dir.path(), 600), &rec);
  ASSERT_EQ(rec.groups.size(), 3u);
  EXPECT_EQ(Indexes(rec.groups[1]), Range(1, 20));
  EXPECT_EQ(Indexes(rec.groups[2]), Range(1, 18));
  EXPECT_EQ(rec.groups[2].entries.back().term(), 2u);
  EXPECT_EQ(rec.groups[2].hard_state.term(), 2u);
  EXPECT_EQ(rec.groups[3].hard_state.commit(), 20u);
  EXPECT_EQ(rec.groups[3].entries[4].data(), MakeEntry(3, 5, 1).data());
  EXPECT_EQ(rec.dropped_bytes, 0u);
  EXPECT_EQ(wal->last_index(2), 18u);
  EXPECT_EQ(wal->TakeRecovery(1).entries.size(), 20u);
  EXPECT_TRUE(wal->TakeRecovery(9).entries.empty());
}

TEST(NodeWal, RefusesAnAppendThatBreaksTheGroupsLog) {
  TempDir dir;
  NodeWalRecovery rec;
  auto wal = OpenOrDie(Options(dir.path()), &rec);
  AppendOrDie(wal.get(), 1, 1, 1);
  const raftpb::Entry gap = MakeEntry(1, 3, 1);
  const absl::Status s = wal->Append(1, {}, {&gap, 1});
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("group 1"), std::string::npos) << s;
  // Another group's log is its own: index 1 fits there.
  AppendOrDie(wal.get(), 2, 1, 1);
}

TEST(NodeWal, GroupsQueuedTogetherShareOneWriteAndOneFsync) {
  TempDir dir;
  LinedUpWal w(dir.path());
  // Control: one group at a time costs one batch each.
  for (uint64_t g = 1; g <= 4; ++g) AppendOrDie(w.wal.get(), g, 1, 1);
  EXPECT_EQ(w.wal->stats().batches, 4u);
  for (uint64_t round = 2; round <= 6; ++round) w.AppendTogether({1, 2, 3, 4}, round);
  EXPECT_EQ(w.wal->stats().batches, 4u + 5u);
  EXPECT_EQ(w.wal->stats().requests, 4u + 20u);
  w.wal.reset();
  NodeWalRecovery rec;
  auto wal = OpenOrDie(Options(dir.path()), &rec);
  for (uint64_t g = 1; g <= 4; ++g) EXPECT_EQ(Indexes(rec.groups[g]), Range(1, 6)) << g;
}

TEST(NodeWal, AppendGroupsWritesEveryGroupInOneBatchFromOneCaller) {
  TempDir dir;
  NodeWalRecovery rec;
  auto wal = OpenOrDie(Options(dir.path()), &rec);
  std::vector<raftpb::Entry> entries;
  std::vector<GroupAppend> appends;
  for (uint64_t g = 1; g <= 3; ++g) entries.push_back(MakeEntry(g, 1, 1));
  for (uint64_t g = 1; g <= 3; ++g) appends.push_back({g, MakeState(1, g, 1), {&entries[g - 1], 1}});
  appends.push_back({4, MakeState(1, 4, 0), {}});  // a hard state alone
  ASSERT_TRUE(wal->AppendGroups(appends).ok());
  EXPECT_EQ(wal->stats().batches, 1u);
  EXPECT_EQ(wal->stats().requests, 4u);
  wal.reset();
  auto reopened = OpenOrDie(Options(dir.path()), &rec);
  for (uint64_t g = 1; g <= 3; ++g) {
    EXPECT_EQ(Indexes(rec.groups[g]), Range(1, 1)) << g;
    EXPECT_EQ(rec.groups[g].hard_state.vote(), g);
  }
  EXPECT_EQ(rec.groups[4].hard_state.vote(), 4u);
}

TEST(NodeWal, AppendGroupsRefusesABadGroupBeforeWritingAnyOfThem) {
  TempDir dir;
  NodeWalRecovery rec;
  auto wal = OpenOrDie(Options(dir.path()), &rec);
  const raftpb::Entry fits = MakeEntry(1, 1, 1);
  const raftpb::Entry gap = MakeEntry(2, 5, 1);
  const GroupAppend bad_second[] = {{1, MakeState(1, 1, 1), {&fits, 1}}, {2, {}, {&gap, 1}}};
  absl::Status s = wal->AppendGroups(bad_second);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("group 2"), std::string::npos) << s;
  const GroupAppend twice[] = {{1, {}, {&fits, 1}}, {1, MakeState(1, 1, 1), {}}};
  s = wal->AppendGroups(twice);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("twice"), std::string::npos) << s;
  EXPECT_EQ(wal->stats().batches, 0u);
  EXPECT_EQ(wal->last_index(1), 0u);
  // Nothing was left marked as queued: the good group appends as usual.
  AppendOrDie(wal.get(), 1, 1, 1);
}

TEST(NodeWal, ManyThreadsNeverLoseAnAppendAndBatchTogether) {
  TempDir dir;
  NodeWalRecovery rec;
  auto wal = OpenOrDie(Options(dir.path(), 4096), &rec);
  constexpr uint64_t kGroups = 8, kAppends = 50;
  std::vector<std::thread> threads;
  for (uint64_t g = 1; g <= kGroups; ++g) {
    threads.emplace_back([&, g] {
      for (uint64_t i = 1; i <= kAppends; ++i) AppendOrDie(wal.get(), g, i, 1);
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(wal->stats().requests, kGroups * kAppends);
  EXPECT_LE(wal->stats().batches, kGroups * kAppends);
  wal.reset();
  auto again = OpenOrDie(Options(dir.path(), 4096), &rec);
  for (uint64_t g = 1; g <= kGroups; ++g) EXPECT_EQ(Indexes(rec.groups[g]), Range(1, kAppends)) << g;
}

// Writes entries 1..2 to groups 1..3 one by one, then entry 3 to all three in one batch;
// returns the last segment's size before and after that batch.
std::pair<uint64_t, uint64_t> WriteSpanningBatch(const std::string& dir) {
  LinedUpWal w(dir);
  for (uint64_t i = 1; i <= 2; ++i) {
    for (uint64_t g = 1; g <= 3; ++g) AppendOrDie(w.wal.get(), g, i, 1);
  }
  const std::string seg = FilesWithSuffix(dir, ".wal").back();
  const uint64_t before = ReadFileOrDie(seg).size();
  w.AppendTogether({1, 2, 3}, 3);
  EXPECT_EQ(w.wal->stats().batches, 7u);
  return {before, ReadFileOrDie(seg).size()};
}

TEST(NodeWal, TornTailOfABatchSpanningGroupsIsCutForEveryGroup) {
  TempDir dir;
  const auto [before, after] = WriteSpanningBatch(dir.Sub("orig"));
  const std::string segment_name = FilesWithSuffix(dir.Sub("orig"), ".wal").back().substr(dir.Sub("orig").size());
  const std::string whole = ReadFileOrDie(FilesWithSuffix(dir.Sub("orig"), ".wal").back());
  for (uint64_t cut = before; cut <= after; ++cut) {
    const std::string copy = dir.Sub("cut-" + std::to_string(cut));
    CopyDirOrDie(dir.Sub("orig"), copy);
    WriteFileOrDie(copy + segment_name, whole.substr(0, cut));
    NodeWalRecovery rec;
    auto wal = NodeWal::Open(Options(copy), &rec);
    ASSERT_TRUE(wal.ok()) << "cut at " << cut << ": " << wal.status();
    const bool whole_batch = cut == after;
    for (uint64_t g = 1; g <= 3; ++g) {
      EXPECT_EQ(Indexes(rec.groups[g]), Range(1, whole_batch ? 3 : 2)) << "cut at " << cut << ", group " << g;
    }
    EXPECT_EQ(rec.dropped_bytes, whole_batch ? 0 : cut - before) << cut;
    EXPECT_EQ(ReadFileOrDie(copy + segment_name).size(), whole_batch ? after : before) << cut;
    // The cut log takes appends again where each group's log ends.
    AppendOrDie(wal->get(), 2, whole_batch ? 4 : 3, 1);
  }
}

TEST(NodeWal, DamageFollowedByValidRecordsIsRefusedNamingFileAndOffsetAndRepairable) {
  TempDir dir;
  WriteSpanningBatch(dir.path());
  const std::string seg = FilesWithSuffix(dir.path(), ".wal").back();
  std::string bytes = ReadFileOrDie(seg);
  // Damage group 2's first entry, in an acknowledged batch followed by several more.
  WalSegmentReader reader(bytes);
  WalRecord r;
  WalDamage d;
  uint64_t at = 0;
  for (auto item = reader.Next(&r, &d); item != WalSegmentReader::Item::kEnd; item = reader.Next(&r, &d)) {
    if (item == WalSegmentReader::Item::kRecord && r.type == WalRecordType::kEntry && r.group == 2 &&
        r.entry.index() == 1) {
      at = r.offset;
    }
  }
  ASSERT_NE(at, 0u);
  bytes[at + kWalRecordHeaderSize + 10] ^= 0x20;
  WriteFileOrDie(seg, bytes);

  NodeWalRecovery rec;
  const absl::Status s = NodeWal::Open(Options(dir.path()), &rec).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(s.message().find(seg + ": offset " + std::to_string(at) + ":"), std::string::npos) << s;
  EXPECT_NE(s.message().find("valid record follows"), std::string::npos) << s;
  EXPECT_EQ(ReadFileOrDie(seg), bytes) << "a refused open must not change the log";

  NodeWalOptions repair = Options(dir.path());
  repair.repair = true;
  auto wal = NodeWal::Open(repair, &rec);
  ASSERT_TRUE(wal.ok()) << wal.status();
  EXPECT_FALSE(rec.broken_copy.empty());
  EXPECT_FALSE(rec.removed_records.empty());
  // Cut at the start of the damaged batch: everything after it is gone for every group.
  EXPECT_EQ(Indexes(rec.groups[1]), std::vector<uint64_t>{1});
  EXPECT_EQ(Indexes(rec.groups[2]), std::vector<uint64_t>{});
  EXPECT_EQ(Indexes(rec.groups[3]), std::vector<uint64_t>{});
}

// Group 2 writes entries 1..3 first, then group 1 writes 1..60 (several segments of 800
// bytes) and snapshots at 60.
void WriteAQuietAndABusyGroup(NodeWal* wal) {
  for (uint64_t i = 1; i <= 3; ++i) AppendOrDie(wal, 2, i, 1);
  for (uint64_t i = 1; i <= 60; ++i) AppendOrDie(wal, 1, i, 1);
  raftpb::SnapshotMetadata snap;
  snap.set_index(60);
  snap.set_term(1);
  ASSERT_TRUE(wal->SaveSnapshot(1, snap, MakeState(1, 1, 60)).ok());
}

TEST(NodeWal, PurgeFollowsTheSlowestGroupsSnapshot) {
  TempDir dir;
  NodeWalOptions o = Options(dir.path(), 800);
  o.carried_bytes_per_group = 0;  // nothing carried: old segments hold group 2's only entries
  NodeWalRecovery rec;
  auto wal = OpenOrDie(o, &rec);
  ASSERT_NO_FATAL_FAILURE(WriteAQuietAndABusyGroup(wal.get()));
  const size_t segments = wal->segment_count();
  ASSERT_GT(segments, 3u);
  auto purged = wal->PurgeBehindSnapshots(1);
  ASSERT_TRUE(purged.ok());
  EXPECT_EQ(*purged, 0) << "group 2's entries 1..3 live in the first segment";

  raftpb::SnapshotMetadata snap2;
  snap2.set_index(3);
  snap2.set_term(1);
  ASSERT_TRUE(wal->SaveSnapshot(2, snap2, MakeState(1, 2, 3)).ok());
  purged = wal->PurgeBehindSnapshots(1);
  ASSERT_TRUE(purged.ok());
  EXPECT_GT(*purged, 0);
  EXPECT_LT(wal->segment_count(), segments);
  AppendOrDie(wal.get(), 2, 4, 1);
  wal.reset();
  wal = OpenOrDie(o, &rec);
  EXPECT_EQ(rec.groups[1].snapshot.index(), 60u);
  EXPECT_EQ(rec.groups[2].snapshot.index(), 3u);
  EXPECT_EQ(Indexes(rec.groups[2]), std::vector<uint64_t>{4});
}

TEST(NodeWal, AGroupThatWritesLittleIsCarriedAndHoldsNoSegmentBack) {
  TempDir dir;
  NodeWalOptions o = Options(dir.path(), 800);
  NodeWalRecovery rec;
  auto wal = OpenOrDie(o, &rec);
  ASSERT_NO_FATAL_FAILURE(WriteAQuietAndABusyGroup(wal.get()));
  AppendOrDie(wal.get(), 1, 61, 1);
  auto purged = wal->PurgeBehindSnapshots(1);
  ASSERT_TRUE(purged.ok());
  EXPECT_GT(*purged, 0);
  wal.reset();
  wal = OpenOrDie(o, &rec);
  EXPECT_EQ(Indexes(rec.groups[2]), Range(1, 3));
  EXPECT_EQ(rec.groups[2].hard_state.commit(), 3u);
  EXPECT_EQ(Indexes(rec.groups[1]), std::vector<uint64_t>{61});
}

TEST(NodeWal, MissingOldSegmentIsDataLoss) {
  TempDir dir;
  NodeWalOptions o = Options(dir.path(), 800);
  o.carried_bytes_per_group = 0;
  {
    NodeWalRecovery rec;
    auto wal = OpenOrDie(o, &rec);
    for (uint64_t i = 1; i <= 60; ++i) AppendOrDie(wal.get(), 1, i, 1);
  }
  ASSERT_EQ(::unlink(FilesWithSuffix(dir.path(), ".wal").front().c_str()), 0);
  NodeWalRecovery rec;
  const absl::Status s = NodeWal::Open(o, &rec).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss) << s;
  EXPECT_NE(s.message().find("earlier segments are missing"), std::string::npos) << s;
}

// A process that writes entries 1..2 of groups 1..3, then entry 3 of all three in one batch
// with `point` enabled, and dies there.
void CrashInSpanningBatch(const std::string& dir, const char* point) {
  LinedUpWal w(dir);
  for (uint64_t i = 1; i <= 2; ++i) {
    for (uint64_t g = 1; g <= 3; ++g) AppendOrDie(w.wal.get(), g, i, 1);
  }
  if (!faults::Enable(point).ok()) ::_exit(3);
  w.AppendTogether({1, 2, 3}, 3);
  ::_exit(0);
}

class NodeWalCrash : public ::testing::TestWithParam<std::pair<const faults::FaultPoint*, bool>> {};

// Kill at each stage of a batched write: on restart every group holds its acknowledged
// entries, and the batch is there for all three groups or for none.
TEST_P(NodeWalCrash, EveryGroupRecoversTheSameSideOfTheBatch) {
  if (!faults::FaultsCompiledIn()) GTEST_SKIP() << "fault points compiled out";
  const auto [point, batch_survives] = GetParam();
  TempDir dir;
  EXPECT_EXIT(CrashInSpanningBatch(dir.path(), point->name), ::testing::ExitedWithCode(faults::kCrashPointExitCode),
              std::string("crash point ") + point->name);
  NodeWalRecovery rec;
  auto wal = OpenOrDie(Options(dir.path()), &rec);
  ASSERT_NE(wal, nullptr);
  for (uint64_t g = 1; g <= 3; ++g) {
    EXPECT_EQ(Indexes(rec.groups[g]), Range(1, batch_survives ? 3 : 2)) << point->name << ", group " << g;
  }
  if (point == &faults::kCrashWalBatchTornWrite) {
    EXPECT_GT(rec.dropped_bytes, 0u);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Stages, NodeWalCrash,
    ::testing::Values(std::make_pair(&faults::kCrashWalBatchBeforeWrite, false),
                      std::make_pair(&faults::kCrashWalBatchTornWrite, false),
                      // A process crash keeps what reached the page cache.
                      std::make_pair(&faults::kCrashWalBatchBeforeSync, true),
                      std::make_pair(&faults::kCrashWalBatchAfterSync, true)),
    [](const auto& info) {
      std::string name = info.param.first->name;
      name = name.substr(name.rfind('/') + 1);
      std::string out;
      bool up = true;
      for (char c : name) {
        if (c == '_') {
          up = true;
          continue;
        }
        out.push_back(up ? static_cast<char>(std::toupper(c)) : c);
        up = false;
      }
      return out;
    });

}  // namespace
}  // namespace raftlab::storage
