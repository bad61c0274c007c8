#include "server/storage/dump.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>

#include <nlohmann/json.hpp>

#include "server/storage/kv_command.h"
#include "server/storage/snapshot_file.h"
#include "server/storage/state_machine.h"
#include "server/storage/test_util.h"
#include "server/storage/node_wal.h"
#include "server/storage/wal_format.h"

namespace raftlab::storage {
namespace {

using testing::FilesWithSuffix;
using testing::ReadFileOrDie;
using testing::TempDir;
using testing::WriteFileOrDie;

raftpb::Entry Entry(uint64_t index, uint64_t term, std::string data,
                    raftpb::EntryType type = raftpb::EntryNormal) {
  raftpb::Entry e;
  e.set_index(index);
  e.set_term(term);
  e.set_type(type);
  e.set_data(std::move(data));
  return e;
}

// A node data directory as the server lays it out, with one group: a conf change, puts,
// a delete, a compare-and-set and a no-op in the WAL, a snapshot at 5, and RocksDB
// applied to 9.
class DumpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string group = dir_.Sub("groups/1");
    std::filesystem::create_directories(group);
    raftpb::ConfChange cc;
    cc.set_type(raftpb::ConfChangeAddNode);
    cc.set_node_id(1);
    entries_.push_back(Entry(1, 0, cc.SerializeAsString(), raftpb::EntryConfChange));
    for (uint64_t i = 2; i <= 6; ++i) {
      entries_.push_back(Entry(i, 1, EncodeKvCommand(KvCommand::Put("k" + std::to_string(i), "v" + std::to_string(i)))));
    }
    entries_.push_back(Entry(7, 1, EncodeKvCommand(KvCommand::Delete("k2"))));
    entries_.push_back(Entry(8, 1, EncodeKvCommand(KvCommand::Cas("k3", "v3", "w3"))));
    entries_.push_back(Entry(9, 2, ""));

    NodeWalOptions wo;
    wo.dir = dir_.Sub("wal");
    NodeWalRecovery rec;
    auto wal = NodeWal::Open(wo, &rec);
    ASSERT_TRUE(wal.ok()) << wal.status();
    raftpb::HardState hs;
    hs.set_term(2);
    hs.set_vote(1);
    ASSERT_TRUE((*wal)->Append(1, hs, entries_).ok());
    raftpb::Snapshot snap;
    snap.mutable_metadata()->set_index(5);
    snap.mutable_metadata()->set_term(1);
    snap.mutable_metadata()->mutable_conf_state()->add_voters(1);
    snap.set_data("image");
    ASSERT_TRUE(WriteSnapshotFile(group + "/snap", snap).ok());
    ASSERT_TRUE((*wal)->SaveSnapshot(1, snap.metadata(), hs).ok());
    hs.set_commit(9);
    ASSERT_TRUE((*wal)->Append(1, hs, {}).ok());
    segment_ = FilesWithSuffix(wo.dir, ".wal").at(0);

    StateMachineOptions so;
    so.path = dir_.Sub("fsm");
    auto sm = StateMachine::Open(so);
    ASSERT_TRUE(sm.ok()) << sm.status();
    ASSERT_TRUE((*sm)->AddGroup(1).ok());
    ASSERT_TRUE((*sm)->Apply(1, entries_).ok());
  }

  int Dump(DumpOptions o = {}) {
    if (o.data_dir.empty()) o.data_dir = dir_.path();
    out_.str("");
    err_.str("");
    return DumpDataDir(o, out_, err_);
  }

  // Where the record of entry `index` starts in the segment.
  uint64_t OffsetOfEntry(uint64_t index) {
    const std::string data = ReadFileOrDie(segment_);
    WalSegmentReader reader(data);
    WalRecord r;
    WalDamage d;
    for (auto item = reader.Next(&r, &d); item != WalSegmentReader::Item::kEnd; item = reader.Next(&r, &d)) {
      if (item == WalSegmentReader::Item::kRecord && r.type == WalRecordType::kEntry && r.entry.index() == index) {
        return r.offset;
      }
    }
    ADD_FAILURE() << "no entry " << index;
    return 0;
  }

  void FlipPayloadByteOfEntry(uint64_t index) {
    std::string bytes = ReadFileOrDie(segment_);
    bytes[OffsetOfEntry(index) + kWalRecordHeaderSize + 1] ^= 0x20;
    WriteFileOrDie(segment_, bytes);
  }

  bool Printed(const std::string& text) { return out_.str().find(text) != std::string::npos; }

  TempDir dir_;
  std::vector<raftpb::Entry> entries_;
  std::string segment_;
  std::ostringstream out_;
  std::ostringstream err_;
};

TEST_F(DumpTest, PrintsWalRecordsSnapshotFilesRecoveryAndAppliedIndex) {
  ASSERT_EQ(Dump(), kDumpOk) << err_.str();
  EXPECT_EQ(err_.str(), "");
  EXPECT_TRUE(Printed("entry term=0 index=1 conf-change add-node node=1")) << out_.str();
  EXPECT_TRUE(Printed("entry term=1 index=2 put \"k2\" = \"v2\"")) << out_.str();
  EXPECT_TRUE(Printed("entry term=1 index=7 delete \"k2\"")) << out_.str();
  EXPECT_TRUE(Printed("entry term=1 index=8 txn if [\"k3\" == \"v3\"] then [put \"k3\" = \"w3\"] else []"))
      << out_.str();
  EXPECT_TRUE(Printed("entry term=2 index=9 no-op")) << out_.str();
  EXPECT_TRUE(Printed("hard-state term=2 vote=1 commit=9")) << out_.str();
  EXPECT_TRUE(Printed("snapshot term=1 index=5 voters=[1]")) << out_.str();
  EXPECT_TRUE(Printed(SnapshotFileName([] {
                        raftpb::SnapshotMetadata m;
                        m.set_term(1);
                        m.set_index(5);
                        return m;
                      }()) +
                      " term=1 index=5 voters=[1] learners=[] image_bytes=5"))
      << out_.str();
  EXPECT_TRUE(Printed("recovery: snapshot term=1 index=5; hard state term=2 vote=1 commit=9; entries 6..9"))
      << out_.str();
  EXPECT_TRUE(Printed("group 1 applied index=9")) << out_.str();
}

TEST_F(DumpTest, JsonIsOneObjectPerLine) {
  DumpOptions o;
  o.json = true;
  ASSERT_EQ(Dump(o), kDumpOk) << err_.str();
  std::istringstream lines(out_.str());
  std::string line;
  int records = 0;
  bool saw_put = false;
  bool saw_applied = false;
  while (std::getline(lines, line)) {
    const nlohmann::json j = nlohmann::json::parse(line);  // throws (fails the test) if not JSON
    EXPECT_EQ(j.at("group"), 1) << line;
    if (j.at("kind") == "record") ++records;
    if (j.at("kind") == "record" && j.value("index", 0) == 2 && j.contains("command")) {
      saw_put = j["command"]["success"][0]["key"] == "k2" && j["command"]["success"][0]["value"] == "v2";
    }
    if (j.at("kind") == "applied") saw_applied = j.at("index") == 9;
  }
  // 9 entries and their hard state, the snapshot marker and its hard state, the last hard
  // state (batch ends belong to no group).
  EXPECT_EQ(records, 9 + 1 + 2 + 1);
  EXPECT_TRUE(saw_put);
  EXPECT_TRUE(saw_applied);
}

TEST_F(DumpTest, EntriesOnlyPrintsOneLinePerEntry) {
  DumpOptions o;
  o.entries_only = true;
  ASSERT_EQ(Dump(o), kDumpOk) << err_.str();
  std::istringstream lines(out_.str());
  std::string line;
  int n = 0;
  while (std::getline(lines, line)) {
    ++n;
    EXPECT_EQ(line.rfind("group=1 segment=", 0), 0u) << line;
    EXPECT_NE(line.find(" entry term="), std::string::npos) << line;
  }
  EXPECT_EQ(n, 9);
}

TEST_F(DumpTest, BadInputIsAnErrorNamingIt) {
  DumpOptions o;
  o.data_dir = dir_.Sub("missing");
  EXPECT_EQ(Dump(o), kDumpBadInput);
  EXPECT_NE(err_.str().find(dir_.Sub("missing") + ": no such file or directory"), std::string::npos) << err_.str();

  o.data_dir = segment_;
  EXPECT_EQ(Dump(o), kDumpBadInput);
  EXPECT_NE(err_.str().find(segment_ + ": not a directory"), std::string::npos) << err_.str();

  o.data_dir = dir_.Sub("fsm");
  EXPECT_EQ(Dump(o), kDumpBadInput);
  EXPECT_NE(err_.str().find("not a raftlab data directory"), std::string::npos) << err_.str();

  o.data_dir = dir_.path();
  o.group = 7;
  EXPECT_EQ(Dump(o), kDumpBadInput);
  EXPECT_NE(err_.str().find(dir_.Sub("groups/7") + ": no such group"), std::string::npos) << err_.str();
}

TEST_F(DumpTest, AGarbageSegmentIsDamageNamingFileAndOffset) {
  const std::string garbage = dir_.Sub("wal/") + NodeWalSegmentName(2);
  WriteFileOrDie(garbage, std::string("this is not a WAL segment at all"));
  EXPECT_EQ(Dump(), kDumpDamaged);
  EXPECT_NE(err_.str().find(garbage + ": offset 0: not a raftlab WAL segment"), std::string::npos) << err_.str();
}

TEST_F(DumpTest, DamageFollowedByValidRecordsIsReportedWithFileAndOffset) {
  const uint64_t at = OffsetOfEntry(4);
  FlipPayloadByteOfEntry(4);
  EXPECT_EQ(Dump(), kDumpDamaged);
  EXPECT_NE(err_.str().find(segment_ + ": offset " + std::to_string(at) + ": record CRC mismatch"),
            std::string::npos)
      << err_.str();
  EXPECT_TRUE(Printed("offset=" + std::to_string(at) + " DAMAGE")) << out_.str();
  EXPECT_TRUE(Printed("a valid record follows")) << out_.str();
  EXPECT_TRUE(Printed("entry term=1 index=5 put \"k5\" = \"v5\"")) << "records after the damage are still shown";
}

TEST_F(DumpTest, ATornTailIsReportedButIsNotAnError) {
  WriteFileOrDie(segment_, ReadFileOrDie(segment_) + std::string("\x20\x00\x00", 3));
  EXPECT_EQ(Dump(), kDumpOk) << err_.str();
  EXPECT_TRUE(Printed("torn write, the server truncates it at start")) << out_.str();
  EXPECT_TRUE(Printed("would truncate 3 bytes")) << out_.str();
}

TEST_F(DumpTest, AnUnreadableSnapshotFileIsDamageNamingIt) {
  const std::string snap = FilesWithSuffix(dir_.Sub("groups/1/snap"), ".snap").at(0);
  std::string bytes = ReadFileOrDie(snap);
  bytes[bytes.size() / 2] ^= 0x01;
  WriteFileOrDie(snap, bytes);
  EXPECT_EQ(Dump(), kDumpDamaged);
  EXPECT_NE(err_.str().find(snap), std::string::npos) << err_.str();
}

TEST_F(DumpTest, RepairCutsTheDamageListsWhatItRemovedAndTheDirectoryReadsCleanAfter) {
  // The cut goes back to the start of the damaged entry's batch, entries 1..9 and their
  // hard state: the segment's header batch ends where that batch starts.
  const uint64_t at = OffsetOfEntry(1);
  FlipPayloadByteOfEntry(8);
  DumpOptions o;
  o.data_dir = dir_.path();
  std::ostringstream out, err;
  ASSERT_EQ(RepairDataDir(o, out, err), kDumpOk) << err.str();
  EXPECT_NE(out.str().find("node log: removed"), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("from offset " + std::to_string(at)), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("entry term=2 index=9 no-op"), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("group=1 hard-state term=2 vote=1 commit=9"), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("group=1 entry term=0 index=1 conf-change"), std::string::npos) << out.str();
  EXPECT_NE(out.str().find(".broken-" + std::to_string(at)), std::string::npos) << out.str();
  EXPECT_EQ(Dump(), kDumpOk) << err_.str();
  // The whole batch went, and the snapshot marker after it.
  EXPECT_TRUE(Printed("snapshot term=0 index=0; hard state term=0 vote=0 commit=0; entries none")) << out_.str();

  std::ostringstream again_out, again_err;
  EXPECT_EQ(RepairDataDir(o, again_out, again_err), kDumpOk);
  EXPECT_NE(again_out.str().find("node log: nothing to repair"), std::string::npos) << again_out.str();
}

}  // namespace
}  // namespace raftlab::storage
