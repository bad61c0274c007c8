#include "server/storage/snapshot_file.h"

#include <random>
#include <string>

#include <gtest/gtest.h>

#include "faults/control.h"
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

raftpb::Snapshot MakeSnapshot(uint64_t index, uint64_t term, size_t size, uint32_t seed) {
  raftpb::Snapshot s;
  s.mutable_metadata()->set_index(index);
  s.mutable_metadata()->set_term(term);
  s.mutable_metadata()->mutable_conf_state()->add_voters(1);
  s.mutable_metadata()->mutable_conf_state()->add_learners(4);
  std::mt19937 rng(seed);
  std::string data(size, '\0');
  for (char& c : data) c = static_cast<char>(rng());
  s.set_data(data);
  return s;
}

TEST(SnapshotFile, RoundTripsWholeAndLeavesNoTempFile) {
  TempDir dir;
  const raftpb::Snapshot snap = MakeSnapshot(42, 7, 5000, 1);
  auto path = WriteSnapshotFile(dir.path(), snap);
  ASSERT_TRUE(path.ok()) << path.status();
  EXPECT_EQ(*path, dir.Sub(SnapshotFileName(snap.metadata())));
  EXPECT_TRUE(FilesWithSuffix(dir.path(), ".tmp").empty());
  auto loaded = LoadSnapshotFile(*path);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->metadata().index(), 42u);
  EXPECT_EQ(loaded->metadata().term(), 7u);
  EXPECT_EQ(loaded->metadata().conf_state().learners(0), 4u);
  EXPECT_EQ(loaded->data(), snap.data());
}

TEST(SnapshotFile, ChunkedWriteAndReadRoundTrip) {
  TempDir dir;
  const raftpb::Snapshot snap = MakeSnapshot(9, 2, (3u << 20) + 123, 2);
  auto w = SnapshotWriter::Create(dir.path(), snap.metadata());
  ASSERT_TRUE(w.ok()) << w.status();
  for (size_t off = 0; off < snap.data().size(); off += 65536) {
    ASSERT_TRUE((*w)->Append(std::string_view(snap.data()).substr(off, 65536)).ok());
  }
  auto path = (*w)->Finish();
  ASSERT_TRUE(path.ok()) << path.status();
  auto r = SnapshotReader::Open(*path);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ((*r)->data_size(), snap.data().size());
  std::string back;
  while (true) {
    auto chunk = (*r)->ReadChunk(100000);
    ASSERT_TRUE(chunk.ok()) << chunk.status();
    if (chunk->empty()) break;
    back += *chunk;
  }
  EXPECT_EQ(back, snap.data());
}

TEST(SnapshotFile, AbandonedWriterRemovesItsTempFile) {
  TempDir dir;
  {
    auto w = SnapshotWriter::Create(dir.path(), MakeSnapshot(1, 1, 0, 3).metadata());
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->Append("partial").ok());
    EXPECT_EQ(FilesWithSuffix(dir.path(), ".tmp").size(), 1u);
  }
  EXPECT_TRUE(FilesWithSuffix(dir.path(), ".tmp").empty());
  EXPECT_TRUE(FilesWithSuffix(dir.path(), ".snap").empty());
}

TEST(SnapshotFile, ListsNewestFirstAndPurgesKeepingN) {
  TempDir dir;
  for (uint64_t index : {5u, 50u, 20u}) {
    ASSERT_TRUE(WriteSnapshotFile(dir.path(), MakeSnapshot(index, 1, 10, 4)).ok());
  }
  WriteFileOrDie(dir.Sub("notes.txt"), "ignored");
  auto files = ListSnapshotFiles(dir.path());
  ASSERT_TRUE(files.ok());
  ASSERT_EQ(files->size(), 3u);
  EXPECT_EQ((*files)[0], dir.Sub("0000000000000001-0000000000000032.snap"));
  EXPECT_EQ((*files)[2], dir.Sub("0000000000000001-0000000000000005.snap"));
  auto removed = PurgeSnapshotFiles(dir.path(), 2);
  ASSERT_TRUE(removed.ok());
  EXPECT_EQ(*removed, 1);
  EXPECT_EQ(ListSnapshotFiles(dir.path())->size(), 2u);
}

TEST(SnapshotFileBadInput, EveryBitFlipIsDetectedAsABadCrcNamingTheFile) {
  TempDir dir;
  auto path = WriteSnapshotFile(dir.path(), MakeSnapshot(3, 1, 300, 5));
  ASSERT_TRUE(path.ok());
  const std::string good = ReadFileOrDie(*path);
  for (size_t at = 0; at < good.size(); ++at) {
    std::string bad = good;
    bad[at] = static_cast<char>(bad[at] ^ (1 << (at % 8)));
    WriteFileOrDie(*path, bad);
    auto loaded = LoadSnapshotFile(*path);
    ASSERT_FALSE(loaded.ok()) << "flip at " << at << " went unnoticed";
    EXPECT_NE(loaded.status().message().find(*path), std::string::npos) << loaded.status();
  }
  WriteFileOrDie(*path, good);
  EXPECT_TRUE(LoadSnapshotFile(*path).ok());
}

TEST(SnapshotFileBadInput, BadCrcSaysCrc) {
  TempDir dir;
  auto path = WriteSnapshotFile(dir.path(), MakeSnapshot(3, 1, 300, 6));
  ASSERT_TRUE(path.ok());
  std::string bad = ReadFileOrDie(*path);
  bad[100] ^= 0x01;  // inside the image
  WriteFileOrDie(*path, bad);
  absl::Status s = LoadSnapshotFile(*path).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss) << s;
  EXPECT_NE(s.message().find("CRC"), std::string::npos) << s;
  EXPECT_NE(s.message().find(*path), std::string::npos) << s;
}

TEST(SnapshotFileBadInput, TruncatedFilesAreRefusedNamingTheFile) {
  TempDir dir;
  auto path = WriteSnapshotFile(dir.path(), MakeSnapshot(3, 1, 200, 7));
  ASSERT_TRUE(path.ok());
  const std::string good = ReadFileOrDie(*path);
  for (size_t cut = 0; cut < good.size(); cut += 7) {
    WriteFileOrDie(*path, good.substr(0, cut));
    absl::Status s = LoadSnapshotFile(*path).status();
    ASSERT_FALSE(s.ok()) << "cut at " << cut;
    EXPECT_NE(s.message().find(*path), std::string::npos) << s;
  }
}

TEST(SnapshotFileBadInput, AnotherFormatVersionIsRefusedNamingTheFile) {
  TempDir dir;
  auto path = WriteSnapshotFile(dir.path(), MakeSnapshot(3, 1, 20, 8));
  ASSERT_TRUE(path.ok());
  std::string bytes = ReadFileOrDie(*path);
  std::string v2;
  PutFixed32(&v2, 2);
  bytes.replace(8, 4, v2);
  bytes.resize(bytes.size() - 4);
  PutFixed32(&bytes, Crc32c(bytes.data(), bytes.size()));
  WriteFileOrDie(*path, bytes);
  absl::Status s = LoadSnapshotFile(*path).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << s;
  EXPECT_NE(s.message().find(*path), std::string::npos) << s;
}

TEST(SnapshotFileBadInput, MissingFileIsAnErrorNamingIt) {
  TempDir dir;
  const std::string path = dir.Sub("0000000000000001-0000000000000001.snap");
  absl::Status s = LoadSnapshotFile(path).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound) << s;
  EXPECT_NE(s.message().find(path), std::string::npos) << s;
}

TEST(SnapshotFileFaults, WritePointFailsFinishAndKeepsThePreviousSnapshot) {
  if (!faults::FaultsCompiledIn()) GTEST_SKIP() << "RAFTLAB_FAULTS=OFF";
  TempDir dir;
  ASSERT_TRUE(WriteSnapshotFile(dir.path(), MakeSnapshot(1, 1, 10, 9)).ok());
  ASSERT_TRUE(faults::Enable(faults::kSnapshotWrite.name).ok());
  auto path = WriteSnapshotFile(dir.path(), MakeSnapshot(2, 1, 10, 9));
  ASSERT_TRUE(faults::Disable(faults::kSnapshotWrite.name).ok());
  ASSERT_FALSE(path.ok());
  EXPECT_NE(path.status().message().find("raftlab/snapshot/write"), std::string::npos);
  EXPECT_TRUE(FilesWithSuffix(dir.path(), ".tmp").empty());
  auto files = ListSnapshotFiles(dir.path());
  ASSERT_EQ(files->size(), 1u);
  EXPECT_TRUE(LoadSnapshotFile(files->front()).ok());
}

TEST(SnapshotFileFaults, LoadPointFailsLoadNamingTheFile) {
  if (!faults::FaultsCompiledIn()) GTEST_SKIP() << "RAFTLAB_FAULTS=OFF";
  TempDir dir;
  auto path = WriteSnapshotFile(dir.path(), MakeSnapshot(1, 1, 10, 10));
  ASSERT_TRUE(path.ok());
  ASSERT_TRUE(faults::Enable(faults::kSnapshotLoad.name).ok());
  absl::Status s = LoadSnapshotFile(*path).status();
  ASSERT_TRUE(faults::Disable(faults::kSnapshotLoad.name).ok());
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find(*path), std::string::npos) << s;
  EXPECT_TRUE(LoadSnapshotFile(*path).ok());
}

}  // namespace
}  // namespace raftlab::storage
