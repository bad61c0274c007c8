#include "server/storage/wal.h"

#include <sys/stat.h>
#include <unistd.h>

#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "faults/control.h"
#include "server/log/fail_stop.h"
#include "faults/points.h"
#include "server/storage/crc32c.h"
#include "server/storage/file_util.h"
#include "server/storage/test_util.h"

namespace raftlab::storage {
namespace {

using testing::FilesWithSuffix;
using testing::ReadFileOrDie;
using testing::TempDir;
using testing::WriteFileOrDie;

raftpb::Entry MakeEntry(uint64_t index, uint64_t term, size_t size = 20) {
  raftpb::Entry e;
  e.set_index(index);
  e.set_term(term);
  e.set_data(std::string(size, static_cast<char>('a' + index % 26)));
  return e;
}

raftpb::HardState MakeState(uint64_t term, uint64_t vote, uint64_t commit) {
  raftpb::HardState hs;
  hs.set_term(term);
  hs.set_vote(vote);
  hs.set_commit(commit);
  return hs;
}

std::unique_ptr<Wal> OpenOrDie(const std::string& dir, WalRecovery* rec,
                               uint64_t segment_bytes = 64ull << 20) {
  WalOptions o;
  o.dir = dir;
  o.segment_bytes = segment_bytes;
  auto wal = Wal::Open(o, rec);
  EXPECT_TRUE(wal.ok()) << wal.status();
  return wal.ok() ? std::move(*wal) : nullptr;
}

absl::Status OpenStatus(const std::string& dir) {
  WalRecovery rec;
  WalOptions o;
  o.dir = dir;
  return Wal::Open(o, &rec).status();
}

std::vector<uint64_t> Indexes(const WalRecovery& rec) {
  std::vector<uint64_t> out;
  for (const auto& e : rec.entries) out.push_back(e.index());
  return out;
}

std::vector<uint64_t> Range(uint64_t lo, uint64_t hi) {  // [lo, hi]
  std::vector<uint64_t> out;
  for (uint64_t i = lo; i <= hi; ++i) out.push_back(i);
  return out;
}

uint64_t FileSize(const std::string& path) {
  struct stat st;
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return static_cast<uint64_t>(st.st_size);
}

TEST(Wal, RecoversHardStateAndEntries) {
  TempDir dir;
  {
    WalRecovery rec;
    auto wal = OpenOrDie(dir.path(), &rec);
    EXPECT_TRUE(rec.entries.empty());
    EXPECT_EQ(rec.dropped_bytes, 0u);
    std::vector<raftpb::Entry> batch = {MakeEntry(1, 1), MakeEntry(2, 1), MakeEntry(3, 2)};
    ASSERT_TRUE(wal->Append(MakeState(2, 7, 2), batch).ok());
    ASSERT_TRUE(wal->Append(MakeState(2, 7, 3), {}).ok());
    EXPECT_EQ(wal->last_index(), 3u);
  }
  WalRecovery rec;
  auto wal = OpenOrDie(dir.path(), &rec);
  EXPECT_EQ(Indexes(rec), Range(1, 3));
  EXPECT_EQ(rec.entries[2].term(), 2u);
  EXPECT_EQ(rec.entries[1].data(), MakeEntry(2, 1).data());
  EXPECT_EQ(rec.hard_state.term(), 2u);
  EXPECT_EQ(rec.hard_state.vote(), 7u);
  EXPECT_EQ(rec.hard_state.commit(), 3u);
  EXPECT_EQ(rec.dropped_bytes, 0u);
}

TEST(Wal, LaterEntriesOverwriteTheLogSuffix) {
  TempDir dir;
  {
    WalRecovery rec;
    auto wal = OpenOrDie(dir.path(), &rec);
    std::vector<raftpb::Entry> a;
    for (uint64_t i = 1; i <= 10; ++i) a.push_back(MakeEntry(i, 1));
    ASSERT_TRUE(wal->Append(MakeState(1, 1, 4), a).ok());
    std::vector<raftpb::Entry> b = {MakeEntry(5, 2), MakeEntry(6, 2)};
    ASSERT_TRUE(wal->Append(MakeState(2, 2, 4), b).ok());
    EXPECT_EQ(wal->last_index(), 6u);
  }
  WalRecovery rec;
  auto wal = OpenOrDie(dir.path(), &rec);
  EXPECT_EQ(Indexes(rec), Range(1, 6));
  EXPECT_EQ(rec.entries[4].term(), 2u);
}

TEST(Wal, RejectsAppendsThatBreakTheLog) {
  TempDir dir;
  WalRecovery rec;
  auto wal = OpenOrDie(dir.path(), &rec);
  std::vector<raftpb::Entry> gap = {MakeEntry(3, 1)};
  EXPECT_EQ(wal->Append({}, gap).code(), absl::StatusCode::kInvalidArgument);
  std::vector<raftpb::Entry> holes = {MakeEntry(1, 1), MakeEntry(3, 1)};
  EXPECT_EQ(wal->Append({}, holes).code(), absl::StatusCode::kInvalidArgument);
}

TEST(Wal, SnapshotMarkerDropsCoveredEntries) {
  TempDir dir;
  {
    WalRecovery rec;
    auto wal = OpenOrDie(dir.path(), &rec);
    std::vector<raftpb::Entry> a;
    for (uint64_t i = 1; i <= 10; ++i) a.push_back(MakeEntry(i, 1));
    ASSERT_TRUE(wal->Append(MakeState(1, 1, 8), a).ok());
    raftpb::SnapshotMetadata snap;
    snap.set_index(6);
    snap.set_term(1);
    snap.mutable_conf_state()->add_voters(1);
    ASSERT_TRUE(wal->SaveSnapshot(snap, MakeState(1, 1, 8)).ok());
    snap.set_index(5);
    EXPECT_EQ(wal->SaveSnapshot(snap, MakeState(1, 1, 8)).code(), absl::StatusCode::kInvalidArgument);
  }
  WalRecovery rec;
  auto wal = OpenOrDie(dir.path(), &rec);
  EXPECT_EQ(rec.snapshot.index(), 6u);
  EXPECT_EQ(rec.snapshot.conf_state().voters_size(), 1);
  EXPECT_EQ(Indexes(rec), Range(7, 10));
}

// Commit-only hard states are not written by the engine, so the last hard state before a
// snapshot marker may trail it; the marker's own hard state must not.
TEST(Wal, SnapshotMarkerCarriesAHardStateWithCommitAtLeastItsIndex) {
  TempDir dir;
  {
    WalRecovery rec;
    auto wal = OpenOrDie(dir.path(), &rec);
    std::vector<raftpb::Entry> a;
    for (uint64_t i = 1; i <= 10; ++i) a.push_back(MakeEntry(i, 1));
    ASSERT_TRUE(wal->Append(MakeState(1, 1, 2), a).ok());
    raftpb::SnapshotMetadata snap;
    snap.set_index(8);
    snap.set_term(1);
    ASSERT_TRUE(wal->SaveSnapshot(snap, MakeState(1, 1, 2)).ok());
    EXPECT_EQ(wal->hard_state().commit(), 8u);
  }
  WalRecovery rec;
  auto wal = OpenOrDie(dir.path(), &rec);
  EXPECT_EQ(rec.snapshot.index(), 8u);
  EXPECT_EQ(rec.hard_state.term(), 1u);
  EXPECT_EQ(rec.hard_state.vote(), 1u);
  EXPECT_EQ(rec.hard_state.commit(), 8u);
  EXPECT_FALSE(rec.commit_raised_from.has_value()) << "the record itself must carry the commit";
}

TEST(Wal, SnapshotMarkerRefusesAHardStateOfAnOlderTerm) {
  TempDir dir;
  WalRecovery rec;
  auto wal = OpenOrDie(dir.path(), &rec);
  std::vector<raftpb::Entry> a = {MakeEntry(1, 3)};
  ASSERT_TRUE(wal->Append(MakeState(3, 2, 1), a).ok());
  raftpb::SnapshotMetadata snap;
  snap.set_index(1);
  snap.set_term(3);
  EXPECT_EQ(wal->SaveSnapshot(snap, MakeState(2, 2, 1)).code(), absl::StatusCode::kInvalidArgument);
}

TEST(WalRecovery, MarkerWithoutItsHardStateRaisesTheCommitAndReportsIt) {
  TempDir dir;
  std::string segment;
  uint64_t marker_end = 0;
  {
    WalRecovery rec;
    auto wal = OpenOrDie(dir.path(), &rec);
    segment = FilesWithSuffix(dir.path(), ".wal").at(0);
    std::vector<raftpb::Entry> a;
    for (uint64_t i = 1; i <= 10; ++i) a.push_back(MakeEntry(i, 1));
    ASSERT_TRUE(wal->Append(MakeState(1, 1, 2), a).ok());
    raftpb::SnapshotMetadata snap;
    snap.set_index(8);
    snap.set_term(1);
    marker_end = FileSize(segment) + 9 + snap.ByteSizeLong();
    ASSERT_TRUE(wal->SaveSnapshot(snap, MakeState(1, 1, 2)).ok());
  }
  // A write torn exactly between the marker and its hard state.
  WriteFileOrDie(segment, ReadFileOrDie(segment).substr(0, marker_end));
  WalRecovery rec;
  auto wal = OpenOrDie(dir.path(), &rec);
  EXPECT_EQ(rec.dropped_bytes, 0u);
  EXPECT_EQ(rec.snapshot.index(), 8u);
  EXPECT_EQ(rec.hard_state.commit(), 8u);
  EXPECT_EQ(rec.hard_state.term(), 1u);
  ASSERT_TRUE(rec.commit_raised_from.has_value());
  EXPECT_EQ(*rec.commit_raised_from, 2u);
}

TEST(Wal, SnapshotBeyondTheLogLetsTheLogRestartAfterIt) {
  TempDir dir;
  {
    WalRecovery rec;
    auto wal = OpenOrDie(dir.path(), &rec);
    std::vector<raftpb::Entry> a = {MakeEntry(1, 1), MakeEntry(2, 1)};
    ASSERT_TRUE(wal->Append(MakeState(1, 1, 2), a).ok());
    raftpb::SnapshotMetadata snap;
    snap.set_index(100);
    snap.set_term(3);
    ASSERT_TRUE(wal->SaveSnapshot(snap, MakeState(3, 1, 2)).ok());
    std::vector<raftpb::Entry> b = {MakeEntry(101, 3)};
    ASSERT_TRUE(wal->Append(MakeState(3, 1, 100), b).ok());
  }
  WalRecovery rec;
  auto wal = OpenOrDie(dir.path(), &rec);
  EXPECT_EQ(rec.snapshot.index(), 100u);
  EXPECT_EQ(Indexes(rec), Range(101, 101));
}

TEST(Wal, RollsSegmentsAndPurgesBehindSnapshotKeepingN) {
  TempDir dir;
  {
    WalRecovery rec;
    auto wal = OpenOrDie(dir.path(), &rec, /*segment_bytes=*/512);
    for (uint64_t i = 1; i <= 100; ++i) {
      std::vector<raftpb::Entry> one = {MakeEntry(i, 1, 50)};
      ASSERT_TRUE(wal->Append(MakeState(1, 1, i), one).ok());
    }
    const size_t before = wal->segment_count();
    ASSERT_GT(before, 10u);
    raftpb::SnapshotMetadata snap;
    snap.set_index(60);
    snap.set_term(1);
    ASSERT_TRUE(wal->SaveSnapshot(snap, MakeState(1, 1, 100)).ok());
    auto removed = wal->PurgeBehindSnapshot(/*keep=*/2);
    ASSERT_TRUE(removed.ok()) << removed.status();
    EXPECT_GT(*removed, 0);
    EXPECT_EQ(wal->segment_count(), before - static_cast<size_t>(*removed));
    EXPECT_EQ(FilesWithSuffix(dir.path(), ".wal").size(), wal->segment_count());
    EXPECT_FALSE(wal->PurgeBehindSnapshot(0).ok());
    // Everything left is needed: the oldest remaining segment holds an entry <= 61.
    auto again = wal->PurgeBehindSnapshot(1);
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(*again, 0);
  }
  WalRecovery rec;
  auto wal = OpenOrDie(dir.path(), &rec, 512);
  EXPECT_EQ(rec.snapshot.index(), 60u);
  EXPECT_EQ(Indexes(rec), Range(61, 100));
  EXPECT_EQ(rec.hard_state.commit(), 100u);
}

TEST(Wal, PurgeKeepsAtLeastKeepSegments) {
  TempDir dir;
  WalRecovery rec;
  auto wal = OpenOrDie(dir.path(), &rec, 512);
  for (uint64_t i = 1; i <= 50; ++i) {
    std::vector<raftpb::Entry> one = {MakeEntry(i, 1, 50)};
    ASSERT_TRUE(wal->Append({}, one).ok());
  }
  raftpb::SnapshotMetadata snap;
  snap.set_index(50);
  ASSERT_TRUE(wal->SaveSnapshot(snap, {}).ok());
  const size_t total = wal->segment_count();
  auto removed = wal->PurgeBehindSnapshot(3);
  ASSERT_TRUE(removed.ok());
  EXPECT_EQ(wal->segment_count(), 3u);
  EXPECT_EQ(static_cast<size_t>(*removed), total - 3);
}

// Builds a one-segment WAL of n single-entry appends and returns the file end after each.
std::vector<uint64_t> BuildSingleSegment(const std::string& dir, int n, std::string* segment) {
  WalRecovery rec;
  auto wal = OpenOrDie(dir, &rec);
  *segment = FilesWithSuffix(dir, ".wal").at(0);
  std::vector<uint64_t> ends;
  for (int i = 1; i <= n; ++i) {
    std::vector<raftpb::Entry> one = {MakeEntry(static_cast<uint64_t>(i), 1, 10 + i)};
    EXPECT_TRUE(wal->Append({}, one).ok());
    ends.push_back(FileSize(*segment));
  }
  return ends;
}

TEST(WalRecovery, CutAtEveryByteOfTheLastRecordKeepsTheRecordsBefore) {
  TempDir src;
  std::string segment;
  const std::vector<uint64_t> ends = BuildSingleSegment(src.path(), 5, &segment);
  const std::string bytes = ReadFileOrDie(segment);
  const std::string name = segment.substr(segment.rfind('/'));
  for (uint64_t cut = ends[3]; cut <= ends[4]; ++cut) {
    TempDir dir;
    WriteFileOrDie(dir.path() + name, bytes.substr(0, cut));
    WalRecovery rec;
    auto wal = OpenOrDie(dir.path(), &rec);
    const bool whole = cut == ends[4];
    const bool clean = whole || cut == ends[3];
    EXPECT_EQ(Indexes(rec), Range(1, whole ? 5 : 4)) << "cut at " << cut;
    EXPECT_EQ(rec.dropped_bytes, whole ? 0 : cut - ends[3]) << "cut at " << cut;
    if (!clean) {
      EXPECT_EQ(rec.dropped_file, dir.path() + name);
      EXPECT_EQ(FileSize(dir.path() + name), ends[3]) << "torn tail truncated";
      // The log continues cleanly after the truncation.
      std::vector<raftpb::Entry> next = {MakeEntry(5, 2)};
      ASSERT_TRUE(wal->Append({}, next).ok());
      wal.reset();
      WalRecovery again;
      wal = OpenOrDie(dir.path(), &again);
      EXPECT_EQ(Indexes(again), Range(1, 5));
      EXPECT_EQ(again.entries.back().term(), 2u);
      EXPECT_EQ(again.dropped_bytes, 0u);
    }
  }
}

// A multi-segment WAL of single-entry appends, and where records end in its last segment.
struct MultiSegment {
  std::vector<std::string> segments;
  // Every offset of the last segment at which a record ends (the header end included),
  // with the index of the last entry recovered when the file is cut there.
  std::vector<std::pair<uint64_t, uint64_t>> boundaries;
};

MultiSegment BuildMultiSegment(const std::string& dir) {
  MultiSegment m;
  {
    WalRecovery rec;
    auto wal = OpenOrDie(dir, &rec, 2048);
    for (uint64_t i = 1; i <= 120; ++i) {
      std::vector<raftpb::Entry> one = {MakeEntry(i, 1, 30 + i % 17)};
      EXPECT_TRUE(wal->Append({}, one).ok());
    }
  }
  m.segments = FilesWithSuffix(dir, ".wal");
  EXPECT_GE(m.segments.size(), 3u);
  // Finds the boundaries by recovering every prefix of the last segment: a prefix is
  // clean exactly when it ends on a record boundary.
  const std::string last = m.segments.back();
  const std::string bytes = ReadFileOrDie(last);
  TempDir probe;
  for (size_t i = 0; i + 1 < m.segments.size(); ++i) {
    WriteFileOrDie(probe.path() + m.segments[i].substr(m.segments[i].rfind('/')),
                   ReadFileOrDie(m.segments[i]));
  }
  const std::string probe_last = probe.path() + last.substr(last.rfind('/'));
  for (uint64_t cut = 16; cut <= bytes.size(); ++cut) {
    WriteFileOrDie(probe_last, bytes.substr(0, cut));
    WalRecovery r;
    auto w = OpenOrDie(probe.path(), &r);
    if (r.dropped_bytes != 0) continue;
    m.boundaries.push_back({cut, r.entries.empty() ? 0 : r.entries.back().index()});
  }
  return m;
}

class WalDamage : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    src_ = new TempDir;
    layout_ = new MultiSegment(BuildMultiSegment(src_->path()));
  }
  static void TearDownTestSuite() {
    delete layout_;
    delete src_;
  }
  // Copies the WAL with the last segment replaced by `last`, recovers it.
  static WalRecovery RecoverWithLast(const TempDir& dir, const std::string& last) {
    for (size_t i = 0; i < layout_->segments.size(); ++i) {
      const std::string& s = layout_->segments[i];
      const bool is_last = i + 1 == layout_->segments.size();
      WriteFileOrDie(dir.path() + s.substr(s.rfind('/')), is_last ? last : ReadFileOrDie(s));
    }
    WalRecovery rec;
    auto wal = OpenOrDie(dir.path(), &rec);
    return rec;
  }
  // The last record boundary at or before offset, and the last entry index there.
  static std::pair<uint64_t, uint64_t> BoundaryAtOrBefore(uint64_t offset) {
    std::pair<uint64_t, uint64_t> b = layout_->boundaries.front();
    for (const auto& candidate : layout_->boundaries) {
      if (candidate.first <= offset) b = candidate;
    }
    return b;
  }
  static TempDir* src_;
  static MultiSegment* layout_;
};
TempDir* WalDamage::src_ = nullptr;
MultiSegment* WalDamage::layout_ = nullptr;

TEST_F(WalDamage, CutAtRandomOffsetsOfTheLastSegment) {
  ASSERT_GE(layout_->boundaries.size(), 4u);
  const std::string bytes = ReadFileOrDie(layout_->segments.back());
  std::mt19937_64 rng(20240611);
  for (int trial = 0; trial < 40; ++trial) {
    const uint64_t cut = 16 + rng() % (bytes.size() - 16 + 1);
    TempDir dir;
    WalRecovery rec = RecoverWithLast(dir, bytes.substr(0, cut));
    const auto [good_end, want] = BoundaryAtOrBefore(cut);
    EXPECT_EQ(Indexes(rec), Range(1, want)) << "cut at " << cut;
    EXPECT_EQ(rec.dropped_bytes, cut - good_end) << "cut at " << cut;
  }
}

// A flip in the last record is indistinguishable from a torn write and is cut; a flip in
// any earlier record is followed by valid records, so recovery refuses to start.
TEST_F(WalDamage, BitFlipsInTheLastRecordAreCutAndElsewhereRefused) {
  const std::string bytes = ReadFileOrDie(layout_->segments.back());
  const uint64_t last_start = layout_->boundaries[layout_->boundaries.size() - 2].first;
  const std::string last_name = layout_->segments.back().substr(layout_->segments.back().rfind('/'));
  std::mt19937_64 rng(77);
  int refused = 0;
  int cut = 0;
  for (int trial = 0; trial < 60; ++trial) {
    // Half the trials aim at the last record, so both outcomes are exercised.
    const uint64_t at = trial % 2 == 0 ? last_start + rng() % (bytes.size() - last_start)
                                       : 16 + rng() % (last_start - 16);
    std::string damaged = bytes;
    damaged[at] = static_cast<char>(damaged[at] ^ (1 << (rng() % 8)));
    TempDir dir;
    const auto [good_end, want] = BoundaryAtOrBefore(at);
    if (at >= last_start) {
      ++cut;
      WalRecovery rec = RecoverWithLast(dir, damaged);
      ASSERT_EQ(Indexes(rec), Range(1, want)) << "flip at " << at;
      EXPECT_EQ(rec.dropped_bytes, bytes.size() - good_end) << "flip at " << at;
      EXPECT_EQ(rec.dropped_offset, good_end);
      continue;
    }
    ++refused;
    for (size_t i = 0; i < layout_->segments.size(); ++i) {
      const std::string& s = layout_->segments[i];
      WriteFileOrDie(dir.path() + s.substr(s.rfind('/')),
                     i + 1 == layout_->segments.size() ? damaged : ReadFileOrDie(s));
    }
    absl::Status s = OpenStatus(dir.path());
    ASSERT_EQ(s.code(), absl::StatusCode::kDataLoss) << "flip at " << at << ": " << s;
    EXPECT_NE(s.message().find(dir.path() + last_name + ": offset " + std::to_string(good_end) + ":"),
              std::string::npos)
        << s;
    EXPECT_EQ(ReadFileOrDie(dir.path() + last_name), damaged) << "a refused WAL is left as it was";
  }
  EXPECT_EQ(cut, 30);
  EXPECT_EQ(refused, 30);
}

TEST_F(WalDamage, DamageBeforeTheLastSegmentIsAnErrorNamingTheFile) {
  const std::string& first = layout_->segments.front();
  std::string bytes = ReadFileOrDie(first);
  bytes[bytes.size() - 3] ^= 0x10;
  TempDir dir;
  for (const std::string& s : layout_->segments) {
    WriteFileOrDie(dir.path() + s.substr(s.rfind('/')), s == first ? bytes : ReadFileOrDie(s));
  }
  absl::Status s = OpenStatus(dir.path());
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss) << s;
  EXPECT_NE(s.message().find(dir.path() + first.substr(first.rfind('/'))), std::string::npos)
      << s;
}

TEST_F(WalDamage, AMissingSegmentIsAnError) {
  TempDir dir;
  for (size_t i = 0; i < layout_->segments.size(); ++i) {
    if (i == 1) continue;
    const std::string& s = layout_->segments[i];
    WriteFileOrDie(dir.path() + s.substr(s.rfind('/')), ReadFileOrDie(s));
  }
  absl::Status s = OpenStatus(dir.path());
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss) << s;
  EXPECT_NE(s.message().find("missing"), std::string::npos) << s;
}

// Damage followed by valid records is not a torn write: cutting there would lose what the
// node acknowledged, here the vote it cast in term 2.
TEST(WalCorruption, DamageBeforeAVoteIsDataLossNamingFileAndOffset) {
  TempDir dir;
  std::string segment;
  uint64_t damaged_at = 0;
  {
    WalRecovery rec;
    auto wal = OpenOrDie(dir.path(), &rec);
    segment = FilesWithSuffix(dir.path(), ".wal").at(0);
    std::vector<raftpb::Entry> a = {MakeEntry(1, 1), MakeEntry(2, 1)};
    ASSERT_TRUE(wal->Append(MakeState(1, 1, 1), a).ok());
    damaged_at = FileSize(segment);
    std::vector<raftpb::Entry> b = {MakeEntry(3, 1)};
    ASSERT_TRUE(wal->Append({}, b).ok());
    ASSERT_TRUE(wal->Append(MakeState(2, 3, 2), {}).ok());
  }
  std::string bytes = ReadFileOrDie(segment);
  bytes[damaged_at + 12] ^= 0x40;  // in the payload of entry 3
  WriteFileOrDie(segment, bytes);

  absl::Status s = OpenStatus(dir.path());
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss) << s;
  EXPECT_NE(s.message().find(segment + ": offset " + std::to_string(damaged_at) + ":"), std::string::npos) << s;
  EXPECT_NE(s.message().find("valid record follows"), std::string::npos) << s;
  EXPECT_EQ(ReadFileOrDie(segment), bytes) << "nothing is truncated";
  WalRecovery read;
  EXPECT_EQ(Wal::Read(dir.path(), &read).code(), absl::StatusCode::kDataLoss);
}

TEST(WalCorruption, AZeroedRecordFollowedByValidOnesIsDataLoss) {
  TempDir src;
  std::string segment;
  const std::vector<uint64_t> ends = BuildSingleSegment(src.path(), 5, &segment);
  std::string bytes = ReadFileOrDie(segment);
  std::fill(bytes.begin() + static_cast<long>(ends[1]), bytes.begin() + static_cast<long>(ends[2]), '\0');
  WriteFileOrDie(segment, bytes);
  absl::Status s = OpenStatus(src.path());
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss) << s;
  EXPECT_NE(s.message().find("offset " + std::to_string(ends[1]) + ":"), std::string::npos) << s;
}

TEST(WalCorruption, AZeroFilledTailIsATornWriteAndIsCut) {
  TempDir src;
  std::string segment;
  const std::vector<uint64_t> ends = BuildSingleSegment(src.path(), 5, &segment);
  WriteFileOrDie(segment, ReadFileOrDie(segment) + std::string(4096, '\0'));
  WalRecovery rec;
  auto wal = OpenOrDie(src.path(), &rec);
  EXPECT_EQ(Indexes(rec), Range(1, 5));
  EXPECT_EQ(rec.dropped_bytes, 4096u);
  EXPECT_EQ(rec.dropped_offset, ends[4]);
  EXPECT_TRUE(rec.removed_records.empty());
  EXPECT_EQ(FileSize(segment), ends[4]);
}

TEST(WalCorruption, ReadReportsATornTailWithoutCuttingIt) {
  TempDir src;
  std::string segment;
  const std::vector<uint64_t> ends = BuildSingleSegment(src.path(), 5, &segment);
  WriteFileOrDie(segment, ReadFileOrDie(segment).substr(0, ends[4] - 3));
  WalRecovery rec;
  ASSERT_TRUE(Wal::Read(src.path(), &rec).ok());
  EXPECT_EQ(Indexes(rec), Range(1, 4));
  EXPECT_EQ(rec.dropped_bytes, ends[4] - 3 - ends[3]);
  EXPECT_EQ(FileSize(segment), ends[4] - 3) << "Read changes nothing";
}

TEST(WalCorruption, RepairCutsAtTheDamageKeepsTheBytesAndListsTheRecordsRemoved) {
  TempDir src;
  std::string segment;
  const std::vector<uint64_t> ends = BuildSingleSegment(src.path(), 5, &segment);
  std::string bytes = ReadFileOrDie(segment);
  bytes[ends[1] + 12] ^= 0x01;  // entry 3
  WriteFileOrDie(segment, bytes);

  WalOptions o;
  o.dir = src.path();
  o.repair = true;
  WalRecovery rec;
  auto wal = Wal::Open(o, &rec);
  ASSERT_TRUE(wal.ok()) << wal.status();
  EXPECT_EQ(Indexes(rec), Range(1, 2));
  EXPECT_EQ(rec.dropped_offset, ends[1]);
  EXPECT_EQ(rec.dropped_bytes, bytes.size() - ends[1]);
  ASSERT_EQ(rec.removed_records.size(), 2u) << "entries 4 and 5 were valid and are removed";
  EXPECT_EQ(rec.removed_records[0].entry.index(), 4u);
  EXPECT_EQ(rec.removed_records[1].entry.index(), 5u);
  EXPECT_EQ(rec.broken_copy, segment + ".broken-" + std::to_string(ends[1]));
  EXPECT_EQ(ReadFileOrDie(rec.broken_copy), bytes.substr(ends[1]));
  EXPECT_EQ(FileSize(segment), ends[1]);
  wal->reset();
  WalRecovery again;
  auto reopened = OpenOrDie(src.path(), &again);
  EXPECT_EQ(Indexes(again), Range(1, 2));
  EXPECT_EQ(again.dropped_bytes, 0u) << "the kept copy is not read as a segment";
}

TEST(WalBadInput, AnotherFormatVersionIsRefusedNamingTheFile) {
  TempDir dir;
  std::string segment;
  BuildSingleSegment(dir.path(), 2, &segment);
  std::string bytes = ReadFileOrDie(segment);
  std::string header = bytes.substr(0, 8);
  PutFixed32(&header, 2);
  PutFixed32(&header, Crc32c(header.data(), header.size()));
  WriteFileOrDie(segment, header + bytes.substr(16));
  absl::Status s = OpenStatus(dir.path());
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << s;
  EXPECT_NE(s.message().find(segment), std::string::npos) << s;
  EXPECT_NE(s.message().find("version 2"), std::string::npos) << s;
}

TEST(WalBadInput, AFileThatIsNotASegmentIsRefusedNamingIt) {
  TempDir dir;
  const std::string path = dir.Sub("0000000000000001-0000000000000001.wal");
  WriteFileOrDie(path, "this is not a wal segment at all");
  absl::Status s = OpenStatus(dir.path());
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss) << s;
  EXPECT_NE(s.message().find(path), std::string::npos) << s;
}

TEST(WalBadInput, MissingDataDirIsAnErrorNamingIt) {
  TempDir dir;
  const std::string missing = dir.Sub("nope/wal");
  WalRecovery rec;
  WalOptions o;
  o.dir = missing;
  absl::Status s = Wal::Open(o, &rec).status();
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find(missing), std::string::npos) << s;
  o.dir = dir.Sub("absent");
  o.create_if_missing = false;
  s = Wal::Open(o, &rec).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound) << s;
  EXPECT_NE(s.message().find(o.dir), std::string::npos) << s;
}

TEST(WalBadInput, DataDirThatIsAFileIsAnErrorNamingIt) {
  TempDir dir;
  const std::string file = dir.Sub("plain");
  WriteFileOrDie(file, "x");
  absl::Status s = OpenStatus(file);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find(file), std::string::npos) << s;
}

TEST(WalBadInput, UnreadableDataDirIsAnErrorNamingIt) {
  if (::geteuid() == 0) GTEST_SKIP() << "root reads any directory";
  TempDir dir;
  const std::string locked = dir.Sub("locked");
  ASSERT_EQ(::mkdir(locked.c_str(), 0), 0);
  absl::Status s = OpenStatus(locked);
  EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied) << s;
  EXPECT_NE(s.message().find(locked), std::string::npos) << s;
}

TEST(Wal, UnfinishedSegmentCreationIsDiscarded) {
  TempDir dir;
  std::string segment;
  BuildSingleSegment(dir.path(), 3, &segment);
  WriteFileOrDie(dir.Sub("0000000000000002-0000000000000004.wal.tmp"), "RLABW");
  WalRecovery rec;
  auto wal = OpenOrDie(dir.path(), &rec);
  EXPECT_EQ(Indexes(rec), Range(1, 3));
  EXPECT_TRUE(FilesWithSuffix(dir.path(), ".tmp").empty());
}

TEST(WalFaults, OpenPointFailsOpenNamingTheSegment) {
  if (!faults::FaultsCompiledIn()) GTEST_SKIP() << "RAFTLAB_FAULTS=OFF";
  TempDir dir;
  std::string segment;
  BuildSingleSegment(dir.path(), 1, &segment);
  ASSERT_TRUE(faults::Enable(faults::kWalOpen.name).ok());
  absl::Status s = OpenStatus(dir.path());
  ASSERT_TRUE(faults::Disable(faults::kWalOpen.name).ok());
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find(segment), std::string::npos) << s;
  EXPECT_TRUE(OpenStatus(dir.path()).ok());
}

void AppendWithPointEnabled(const std::string& dir, const char* point) {
  WalRecovery rec;
  auto wal = OpenOrDie(dir, &rec);
  if (!faults::Enable(point).ok()) return;
  std::vector<raftpb::Entry> one = {MakeEntry(1, 1)};
  (void)wal->Append(MakeState(1, 1, 0), one);
}

TEST(WalFaultsDeathTest, FsyncFailureFailStops) {
  if (!faults::FaultsCompiledIn()) GTEST_SKIP() << "RAFTLAB_FAULTS=OFF";
  TempDir dir;
  EXPECT_EXIT(AppendWithPointEnabled(dir.path(), faults::kWalFsync.name),
              ::testing::ExitedWithCode(log::kFailStopExitCode),
              "event=fail_stop cause=io_error component=wal what=fsync detail=\".*\\.wal: injected EIO");
}

TEST(WalFaultsDeathTest, WriteFailureFailStops) {
  if (!faults::FaultsCompiledIn()) GTEST_SKIP() << "RAFTLAB_FAULTS=OFF";
  TempDir dir;
  EXPECT_EXIT(AppendWithPointEnabled(dir.path(), faults::kWalWrite.name),
              ::testing::ExitedWithCode(log::kFailStopExitCode),
              "event=fail_stop cause=io_error component=wal what=write detail=\".*\\.wal: injected EIO");
  // The write never happened, so recovery finds an empty log.
  WalRecovery rec;
  auto wal = OpenOrDie(dir.path(), &rec);
  EXPECT_TRUE(rec.entries.empty());
}

}  // namespace
}  // namespace raftlab::storage
