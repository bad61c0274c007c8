#include "server/storage/state_machine.h"

#include <chrono>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "faults/control.h"
#include "faults/points.h"
#include "server/storage/snapshot_file.h"
#include "server/storage/storage.h"
#include "server/storage/test_util.h"
#include "server/storage/node_wal.h"

namespace raftlab::storage {
namespace {

using testing::TempDir;
using testing::WriteFileOrDie;
using Outcome = ApplyResult::Outcome;
using KV = std::vector<std::pair<std::string, std::string>>;

constexpr uint64_t kGroup = 7;

raftpb::Entry CommandEntry(uint64_t index, const KvCommand& c) {
  raftpb::Entry e;
  e.set_index(index);
  e.set_term(1);
  e.set_type(raftpb::EntryNormal);
  e.set_data(EncodeKvCommand(c));
  return e;
}

std::unique_ptr<StateMachine> OpenOrDie(const std::string& path, SyncMode mode = SyncMode::kSync) {
  StateMachineOptions o;
  o.path = path;
  o.sync_mode = mode;
  auto sm = StateMachine::Open(o);
  EXPECT_TRUE(sm.ok()) << sm.status();
  if (!sm.ok()) return nullptr;
  EXPECT_TRUE((*sm)->AddGroup(kGroup).ok());
  return std::move(*sm);
}

std::vector<ApplyResult> ApplyOrDie(StateMachine* sm, const std::vector<raftpb::Entry>& es,
                                    uint64_t group = kGroup) {
  auto r = sm->Apply(group, es);
  EXPECT_TRUE(r.ok()) << r.status();
  return r.ok() ? *r : std::vector<ApplyResult>{};
}

std::optional<std::string> GetOrDie(StateMachine* sm, const std::string& key,
                                    uint64_t group = kGroup) {
  auto v = sm->Get(group, key);
  EXPECT_TRUE(v.ok()) << v.status();
  return v.ok() ? *v : std::nullopt;
}

KV ScanAll(StateMachine* sm, uint64_t group = kGroup) {
  auto kv = sm->Scan(group, "", "");
  EXPECT_TRUE(kv.ok()) << kv.status();
  return kv.ok() ? *kv : KV{};
}

KvCommand Ops(std::vector<KvMutation> ops) {
  KvCommand c;
  c.success = std::move(ops);
  return c;
}
KvMutation Append(const std::string& key, const std::string& element) {
  return {KvMutation::Kind::kAppend, key, element};
}
KvMutation Read(const std::string& key) { return {KvMutation::Kind::kRead, key, ""}; }

std::vector<std::string> ListOrDie(StateMachine* sm, const std::string& key) {
  auto v = GetOrDie(sm, key);
  if (!v) return {};
  auto l = DecodeList(*v);
  EXPECT_TRUE(l.ok()) << l.status();
  return l.ok() ? *l : std::vector<std::string>{};
}

TEST(StateMachine, AppendsBuildListsAndReadsSeeEarlierOpsOfTheCommand) {
  TempDir dir;
  auto sm = OpenOrDie(dir.path());
  auto r = ApplyOrDie(sm.get(), {CommandEntry(1, Ops({Read("x"), Append("x", "1"), Read("x")})),
                                 CommandEntry(2, Ops({Append("x", "2"), Append("y", "1"), Read("x")}))});
  ASSERT_EQ(r.size(), 2u);
  ASSERT_EQ(r[0].outcome, Outcome::kApplied);
  ASSERT_EQ(r[0].reads.size(), 2u);
  EXPECT_FALSE(r[0].reads[0].found);
  EXPECT_EQ(*DecodeList(r[0].reads[1].value), std::vector<std::string>{"1"});
  ASSERT_EQ(r[1].reads.size(), 1u);
  EXPECT_EQ(*DecodeList(r[1].reads[0].value), (std::vector<std::string>{"1", "2"}));
  EXPECT_EQ(ListOrDie(sm.get(), "x"), (std::vector<std::string>{"1", "2"}));
  EXPECT_EQ(ListOrDie(sm.get(), "y"), std::vector<std::string>{"1"});
  auto both = sm->MultiGet(kGroup, {"y", "absent", "x"});
  ASSERT_TRUE(both.ok()) << both.status();
  EXPECT_EQ((*both)[0], GetOrDie(sm.get(), "y"));
  EXPECT_FALSE((*both)[1].has_value());
}

TEST(StateMachine, AppendToANonListOrPastTheLimitAbortsTheWholeCommand) {
  TempDir dir;
  auto sm = OpenOrDie(dir.path());
  const std::string big(kMaxListBytes / 2 + 1, 'b');
  auto r = ApplyOrDie(sm.get(), {CommandEntry(1, KvCommand::Put("plain", "v")),
                                 CommandEntry(2, Ops({Append("x", "1"), Append("plain", "2")})),
                                 CommandEntry(3, Ops({Append("big", big)})),
                                 CommandEntry(4, Ops({Append("y", "1"), Append("big", big)}))});
  ASSERT_EQ(r.size(), 4u);
  EXPECT_EQ(r[1].outcome, Outcome::kAborted);
  EXPECT_NE(r[1].error.find("append to key 'plain': its value is not a list"), std::string::npos) << r[1].error;
  EXPECT_EQ(r[2].outcome, Outcome::kApplied);
  EXPECT_EQ(r[3].outcome, Outcome::kAborted);
  EXPECT_NE(r[3].error.find("list limit"), std::string::npos) << r[3].error;
  // Nothing of an aborted command applied, but the applied index moved past it.
  EXPECT_EQ(GetOrDie(sm.get(), "x"), std::nullopt);
  EXPECT_EQ(GetOrDie(sm.get(), "y"), std::nullopt);
  EXPECT_EQ(GetOrDie(sm.get(), "plain"), "v");
  EXPECT_EQ(*sm->AppliedIndex(kGroup), 4u);
}

TEST(StateMachine, ApplyGroupsAppliesEveryGroupInOneWriteWithItsOwnResults) {
  TempDir dir;
  auto sm = OpenOrDie(dir.path() + "/db");
  ASSERT_TRUE(sm->AddGroup(8).ok());
  ApplyOrDie(sm.get(), {CommandEntry(1, KvCommand::Put("k", "old"))}, 8);
  const std::vector<raftpb::Entry> seven = {CommandEntry(1, KvCommand::Put("k", "seven"))};
  // Entry 1 of group 8 is applied already: skipped; entry 2 reads group 8's own key.
  const std::vector<raftpb::Entry> eight = {CommandEntry(1, KvCommand::Put("k", "again")),
                                            CommandEntry(2, Ops({Read("k")}))};
  const GroupEntries groups[] = {{kGroup, seven}, {8, eight}};
  auto results = sm->ApplyGroups(groups);
  ASSERT_TRUE(results.ok()) << results.status();
  ASSERT_EQ(results->size(), 2u);
  ASSERT_EQ((*results)[0].size(), 1u);
  EXPECT_EQ((*results)[0][0].outcome, Outcome::kApplied);
  ASSERT_EQ((*results)[1].size(), 2u);
  EXPECT_EQ((*results)[1][0].outcome, Outcome::kSkipped);
  ASSERT_EQ((*results)[1][1].reads.size(), 1u);
  EXPECT_EQ((*results)[1][1].reads[0].value, "old");
  EXPECT_EQ(GetOrDie(sm.get(), "k"), "seven");
  EXPECT_EQ(GetOrDie(sm.get(), "k", 8), "old");
  EXPECT_EQ(*sm->AppliedIndex(kGroup), 1u);
  EXPECT_EQ(*sm->AppliedIndex(8), 2u);
}

TEST(StateMachine, TheSharedMemtableBudgetFlushesGroupsFarBelowTheirOwnMemtableSize) {
  TempDir dir;
  StateMachineOptions o;
  o.path = dir.path() + "/db";
  o.sync_mode = SyncMode::kNoSync;
  o.memtable_budget_bytes = 1 << 20;
  auto sm = StateMachine::Open(o);
  ASSERT_TRUE(sm.ok()) << sm.status();
  constexpr uint64_t kGroups = 4;
  constexpr uint64_t kEntries = 1024;
  for (uint64_t g = 1; g <= kGroups; ++g) ASSERT_TRUE((*sm)->AddGroup(g).ok());
  // 8 MiB per group, 32 MiB in all: without the budget no group reaches its own memtable
  // size (64 MiB) and all of it stays in memory.
  const std::string value(8 << 10, 'v');
  for (uint64_t index = 1; index <= kEntries; ++index) {
    for (uint64_t g = 1; g <= kGroups; ++g) {
      ApplyOrDie(sm->get(),
                 {CommandEntry(index, KvCommand::Put("k" + std::to_string(index), value))}, g);
    }
  }
  // The budget is soft (a write over it flushes the oldest memtable in the background): it
  // keeps a few budgets' worth, not the 32 MiB written.
  constexpr uint64_t kBound = 16u << 20;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while ((*sm)->MemtableBytes() > kBound && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_LE((*sm)->MemtableBytes(), kBound);
  for (uint64_t g = 1; g <= kGroups; ++g) {
    EXPECT_EQ(GetOrDie(sm->get(), "k1", g), value) << "group " << g;
    EXPECT_EQ(*(*sm)->AppliedIndex(g), kEntries);
  }
}

TEST(StateMachine, ApplyGroupsRefusingOneGroupWritesNoneOfThem) {
  TempDir dir;
  auto sm = OpenOrDie(dir.path() + "/db");
  ASSERT_TRUE(sm->AddGroup(8).ok());
  const std::vector<raftpb::Entry> fits = {CommandEntry(1, KvCommand::Put("k", "v"))};
  const std::vector<raftpb::Entry> gap = {CommandEntry(3, KvCommand::Put("k", "v"))};
  const GroupEntries bad_second[] = {{kGroup, fits}, {8, gap}};
  auto results = sm->ApplyGroups(bad_second);
  EXPECT_EQ(results.status().code(), absl::StatusCode::kInvalidArgument);
  const GroupEntries twice[] = {{kGroup, fits}, {kGroup, fits}};
  results = sm->ApplyGroups(twice);
  EXPECT_EQ(results.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(results.status().message().find("twice"), std::string::npos) << results.status();
  EXPECT_EQ(*sm->AppliedIndex(kGroup), 0u);
  EXPECT_EQ(GetOrDie(sm.get(), "k"), std::nullopt);
}

TEST(StateMachine, PutDeleteGetAndScan) {
  TempDir dir;
  auto sm = OpenOrDie(dir.path());
  auto r = ApplyOrDie(sm.get(), {CommandEntry(1, KvCommand::Put("b", "2")),
                                 CommandEntry(2, KvCommand::Put("a", "1")),
                                 CommandEntry(3, KvCommand::Put("c", "3")),
                                 CommandEntry(4, KvCommand::Delete("b"))});
  ASSERT_EQ(r.size(), 4u);
  for (const auto& x : r) EXPECT_EQ(x.outcome, Outcome::kApplied);
  EXPECT_EQ(GetOrDie(sm.get(), "a"), "1");
  EXPECT_EQ(GetOrDie(sm.get(), "b"), std::nullopt);
  EXPECT_EQ(ScanAll(sm.get()), (KV{{"a", "1"}, {"c", "3"}}));
  ApplyOrDie(sm.get(), {CommandEntry(5, KvCommand::Put("d", "4")),
                        CommandEntry(6, KvCommand::Put("e", "5"))});
  EXPECT_EQ(*sm->Scan(kGroup, "b", "e"), (KV{{"c", "3"}, {"d", "4"}}));
  EXPECT_EQ(*sm->Scan(kGroup, "a", "", 2), (KV{{"a", "1"}, {"c", "3"}}));
  EXPECT_EQ(*sm->AppliedIndex(kGroup), 6u);
}

TEST(StateMachine, CasAndTxnReportWhetherTheyHeldAndTheCurrentValues) {
  TempDir dir;
  auto sm = OpenOrDie(dir.path());
  KvCommand txn;
  txn.compares = {{"x", std::string("1")}, {"y", std::nullopt}};
  txn.success = {{KvMutation::Kind::kPut, "won", "yes"}};
  txn.failure = {{KvMutation::Kind::kPut, "lost", "yes"}};
  auto r = ApplyOrDie(sm.get(), {
      CommandEntry(1, KvCommand::Cas("x", std::nullopt, "1")),  // absent -> 1: holds
      CommandEntry(2, KvCommand::Cas("x", "0", "2")),           // x is 1: fails
      CommandEntry(3, KvCommand::Cas("x", "1", std::nullopt)),  // x is 1: deletes
      CommandEntry(4, KvCommand::Put("x", "1")),
      CommandEntry(5, txn),                                     // x=1, y absent: success
      CommandEntry(6, KvCommand::Put("y", "9")),
      CommandEntry(7, txn),                                     // y=9: failure branch
  });
  ASSERT_EQ(r.size(), 7u);
  EXPECT_TRUE(r[0].succeeded);
  EXPECT_EQ(r[0].compares, (std::vector<CompareResult>{{false, ""}}));
  EXPECT_FALSE(r[1].succeeded);
  EXPECT_EQ(r[1].compares, (std::vector<CompareResult>{{true, "1"}}));
  EXPECT_TRUE(r[2].succeeded);
  EXPECT_TRUE(r[4].succeeded);
  EXPECT_FALSE(r[6].succeeded);
  EXPECT_EQ(r[6].compares, (std::vector<CompareResult>{{true, "1"}, {true, "9"}}));
  EXPECT_EQ(GetOrDie(sm.get(), "won"), "yes");
  EXPECT_EQ(GetOrDie(sm.get(), "lost"), "yes");
}

TEST(StateMachine, EntriesAtOrBelowTheAppliedIndexAreSkippedAcrossRestarts) {
  TempDir dir;
  {
    auto sm = OpenOrDie(dir.path());
    ApplyOrDie(sm.get(), {CommandEntry(1, KvCommand::Put("k", "first")),
                          CommandEntry(2, KvCommand::Put("j", "1"))});
  }
  auto sm = OpenOrDie(dir.path());
  EXPECT_EQ(*sm->AppliedIndex(kGroup), 2u);
  // A replay that differs from what was applied proves the skip: nothing changes.
  auto r = ApplyOrDie(sm.get(), {CommandEntry(1, KvCommand::Put("k", "replayed")),
                                 CommandEntry(2, KvCommand::Delete("j")),
                                 CommandEntry(3, KvCommand::Put("l", "3"))});
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0].outcome, Outcome::kSkipped);
  EXPECT_EQ(r[1].outcome, Outcome::kSkipped);
  EXPECT_EQ(r[2].outcome, Outcome::kApplied);
  EXPECT_EQ(GetOrDie(sm.get(), "k"), "first");
  EXPECT_EQ(GetOrDie(sm.get(), "j"), "1");
  EXPECT_EQ(*sm->AppliedIndex(kGroup), 3u);
}

TEST(StateMachine, EmptyConfAndUndecodableEntriesOnlyMoveTheAppliedIndex) {
  TempDir dir;
  auto sm = OpenOrDie(dir.path());
  raftpb::Entry empty;
  empty.set_index(1);
  raftpb::Entry conf;
  conf.set_index(2);
  conf.set_type(raftpb::EntryConfChange);
  conf.set_data("opaque conf change");
  raftpb::Entry junk;
  junk.set_index(3);
  junk.set_data("\x07garbage");
  auto r = ApplyOrDie(sm.get(), {empty, conf, junk});
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0].outcome, Outcome::kNoop);
  EXPECT_EQ(r[1].outcome, Outcome::kNoop);
  EXPECT_EQ(r[2].outcome, Outcome::kRejected);
  EXPECT_NE(r[2].error.find("version 7"), std::string::npos) << r[2].error;
  EXPECT_EQ(*sm->AppliedIndex(kGroup), 3u);
  EXPECT_TRUE(ScanAll(sm.get()).empty());
}

TEST(StateMachine, NonContiguousEntriesAreRefusedAndNothingIsWritten) {
  TempDir dir;
  auto sm = OpenOrDie(dir.path());
  auto r = sm->Apply(kGroup, std::vector<raftpb::Entry>{CommandEntry(1, KvCommand::Put("a", "1")),
                                                        CommandEntry(3, KvCommand::Put("b", "1"))});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << r.status();
  EXPECT_EQ(*sm->AppliedIndex(kGroup), 0u);
  EXPECT_TRUE(ScanAll(sm.get()).empty());
}

TEST(StateMachine, GroupsAreSeparateColumnFamiliesThatSurviveRestart) {
  TempDir dir;
  {
    auto sm = OpenOrDie(dir.path());
    ASSERT_TRUE(sm->AddGroup(8).ok());
    ApplyOrDie(sm.get(), {CommandEntry(1, KvCommand::Put("k", "seven"))}, 7);
    ApplyOrDie(sm.get(), {CommandEntry(1, KvCommand::Put("k", "eight")),
                          CommandEntry(2, KvCommand::Put("z", "8"))}, 8);
  }
  StateMachineOptions o;
  o.path = dir.path();
  auto sm = StateMachine::Open(o);
  ASSERT_TRUE(sm.ok()) << sm.status();
  EXPECT_EQ((*sm)->Groups(), (std::vector<uint64_t>{7, 8}));
  EXPECT_EQ(GetOrDie(sm->get(), "k", 7), "seven");
  EXPECT_EQ(GetOrDie(sm->get(), "k", 8), "eight");
  EXPECT_EQ(*(*sm)->AppliedIndex(7), 1u);
  EXPECT_EQ(*(*sm)->AppliedIndex(8), 2u);
  EXPECT_EQ((*sm)->Get(9, "k").status().code(), absl::StatusCode::kNotFound);
}

TEST(StateMachine, SnapshotCreateAndInstallThroughAChunkedFile) {
  TempDir dir;
  auto src = OpenOrDie(dir.Sub("src"));
  std::vector<raftpb::Entry> es;
  for (uint64_t i = 1; i <= 300; ++i) {
    es.push_back(CommandEntry(i, KvCommand::Put("key" + std::to_string(i), std::string(i, 'v'))));
  }
  ApplyOrDie(src.get(), es);

  raftpb::SnapshotMetadata meta;
  meta.set_index(300);
  meta.set_term(1);
  auto writer = SnapshotWriter::Create(dir.Sub("snap"), meta);
  ASSERT_TRUE(writer.ok());
  int chunks = 0;
  auto applied = src->CreateSnapshot(
      kGroup,
      [&](std::string_view chunk) {
        ++chunks;
        return (*writer)->Append(chunk);
      },
      /*chunk_bytes=*/4096);
  ASSERT_TRUE(applied.ok()) << applied.status();
  EXPECT_EQ(*applied, 300u);
  EXPECT_GT(chunks, 5);
  auto path = (*writer)->Finish();
  ASSERT_TRUE(path.ok());

  auto dst = OpenOrDie(dir.Sub("dst"));
  ApplyOrDie(dst.get(), {CommandEntry(1, KvCommand::Put("stale", "gone"))});
  auto loaded = LoadSnapshotFile(*path);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  ASSERT_TRUE(dst->InstallSnapshot(kGroup, loaded->data()).ok());
  EXPECT_EQ(ScanAll(dst.get()), ScanAll(src.get()));
  EXPECT_EQ(*dst->AppliedIndex(kGroup), 300u);
  EXPECT_EQ(ApplyOrDie(dst.get(), {es[10]})[0].outcome, Outcome::kSkipped);

  auto older = OpenOrDie(dir.Sub("older"));
  std::string image;
  ASSERT_TRUE(older->CreateSnapshot(kGroup, [&](std::string_view c) {
                      image.append(c);
                      return absl::OkStatus();
                    }).ok());
  EXPECT_EQ(dst->InstallSnapshot(kGroup, image).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(dst->InstallSnapshot(kGroup, "\x09").code(), absl::StatusCode::kInvalidArgument);
}

TEST(StateMachine, NoSyncWritesBecomeDurableOnSync) {
  TempDir dir;
  auto sm = OpenOrDie(dir.path(), SyncMode::kNoSync);
  EXPECT_EQ(sm->sync_mode(), SyncMode::kNoSync);
  ApplyOrDie(sm.get(), {CommandEntry(1, KvCommand::Put("a", "1"))});
  EXPECT_TRUE(sm->Sync().ok());
  sm.reset();
  sm = OpenOrDie(dir.path(), SyncMode::kNoSync);
  EXPECT_EQ(GetOrDie(sm.get(), "a"), "1");
}

TEST(StateMachineFaults, CommitPointFailureIsSurfacedAndWritesNothing) {
  if (!faults::FaultsCompiledIn()) GTEST_SKIP() << "RAFTLAB_FAULTS=OFF";
  TempDir dir;
  auto sm = OpenOrDie(dir.path());
  ApplyOrDie(sm.get(), {CommandEntry(1, KvCommand::Put("a", "1"))});
  const std::vector<raftpb::Entry> next = {CommandEntry(2, KvCommand::Put("a", "2")),
                                           CommandEntry(3, KvCommand::Put("b", "3"))};
  ASSERT_TRUE(faults::Enable(faults::kFsmCommit.name).ok());
  auto r = sm->Apply(kGroup, next);
  ASSERT_TRUE(faults::Disable(faults::kFsmCommit.name).ok());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("raftlab/fsm/commit"), std::string::npos) << r.status();
  EXPECT_EQ(*sm->AppliedIndex(kGroup), 1u);
  EXPECT_EQ(GetOrDie(sm.get(), "a"), "1");
  EXPECT_EQ(GetOrDie(sm.get(), "b"), std::nullopt);
  auto retry = ApplyOrDie(sm.get(), next);
  EXPECT_EQ(retry[1].outcome, Outcome::kApplied);
  EXPECT_EQ(*sm->AppliedIndex(kGroup), 3u);
}

TEST(StateMachineBadInput, MissingOrNonDirectoryPathIsAnErrorNamingIt) {
  TempDir dir;
  StateMachineOptions o;
  o.path = dir.Sub("absent");
  o.create_if_missing = false;
  absl::Status s = StateMachine::Open(o).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound) << s;
  EXPECT_NE(s.message().find(o.path), std::string::npos) << s;
  o.path = dir.Sub("file");
  WriteFileOrDie(o.path, "not a database");
  s = StateMachine::Open(o).status();
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find(o.path), std::string::npos) << s;
}

// A seeded mix of puts, deletes and CASes over a few keys, so results depend on order.
std::vector<raftpb::Entry> RandomCommands(uint64_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<raftpb::Entry> out;
  for (uint64_t i = 1; i <= n; ++i) {
    const std::string key = "k" + std::to_string(rng() % 8);
    const std::string value = std::to_string(rng() % 4);
    switch (rng() % 3) {
      case 0: out.push_back(CommandEntry(i, KvCommand::Put(key, value))); break;
      case 1: out.push_back(CommandEntry(i, KvCommand::Delete(key))); break;
      default:
        out.push_back(CommandEntry(i, KvCommand::Cas(key, std::to_string(rng() % 4), value)));
    }
  }
  return out;
}

// Applies entries [from, to) (1-based indexes) in batches of 16.
void ApplyRange(StateMachine* sm, const std::vector<raftpb::Entry>& es, size_t from, size_t to,
                std::vector<ApplyResult>* results) {
  for (size_t i = from; i < to; i += 16) {
    std::vector<raftpb::Entry> batch(es.begin() + static_cast<long>(i - 1),
                                     es.begin() + static_cast<long>(std::min(i + 16, to) - 1));
    for (auto& r : ApplyOrDie(sm, batch)) results->push_back(std::move(r));
  }
}

TEST(StateMachineCrash, NoSyncLosingUnsyncedWritesThenWalReplayEqualsSyncMode) {
  TempDir dir;
  constexpr uint64_t kEntries = 400;
  constexpr uint64_t kSynced = 250;  // entries applied before the copy is taken
  const std::vector<raftpb::Entry> commands = RandomCommands(kEntries, 99);

  // The Raft log is durable: persist the entries and read them back as recovery would.
  NodeWalOptions wo;
  wo.dir = dir.Sub("wal");
  {
    NodeWalRecovery rec;
    auto wal = NodeWal::Open(wo, &rec);
    ASSERT_TRUE(wal.ok()) << wal.status();
    ASSERT_TRUE((*wal)->Append(kGroup, {}, commands).ok());
  }
  NodeWalRecovery on_disk;
  ASSERT_TRUE(NodeWal::Open(wo, &on_disk).ok());
  const WalRecovery& log = on_disk.groups[kGroup];
  ASSERT_EQ(log.entries.size(), kEntries);

  // Reference: sync mode applies everything once.
  auto reference = OpenOrDie(dir.Sub("sync"), SyncMode::kSync);
  std::vector<ApplyResult> want;
  ApplyRange(reference.get(), log.entries, 1, kEntries + 1, &want);

  // nosync: the copy taken after kSynced entries is what survives the power loss; the
  // writes after it were acknowledged but never fsynced.
  std::vector<ApplyResult> before_crash;
  {
    auto sm = OpenOrDie(dir.Sub("nosync"), SyncMode::kNoSync);
    ApplyRange(sm.get(), log.entries, 1, kSynced + 1, &before_crash);
    ASSERT_TRUE(sm->Checkpoint(dir.Sub("nosync-after-power-loss")).ok());
    ApplyRange(sm.get(), log.entries, kSynced + 1, kEntries + 1, &before_crash);
    EXPECT_EQ(ScanAll(sm.get()), ScanAll(reference.get()));
  }
  auto recovered = OpenOrDie(dir.Sub("nosync-after-power-loss"), SyncMode::kNoSync);
  EXPECT_EQ(*recovered->AppliedIndex(kGroup), kSynced);
  EXPECT_NE(ScanAll(recovered.get()), ScanAll(reference.get())) << "the crash lost nothing";

  // Replay the whole log: the first kSynced entries are skipped, the rest re-applied.
  std::vector<ApplyResult> replayed;
  ApplyRange(recovered.get(), log.entries, 1, kEntries + 1, &replayed);
  ASSERT_EQ(replayed.size(), kEntries);
  for (uint64_t i = 0; i < kEntries; ++i) {
    if (i < kSynced) {
      EXPECT_EQ(replayed[i].outcome, Outcome::kSkipped) << "index " << i + 1;
    } else {
      EXPECT_EQ(replayed[i], want[i]) << "index " << i + 1;
    }
  }
  EXPECT_EQ(before_crash, want);
  EXPECT_EQ(ScanAll(recovered.get()), ScanAll(reference.get()));
  EXPECT_EQ(*recovered->AppliedIndex(kGroup), kEntries);
}

}  // namespace
}  // namespace raftlab::storage

namespace raftlab::storage {
namespace {

// The restart path of storage.h when a power loss rolled a nosync state machine back
// behind the point where the WAL was purged: install the newest snapshot file, then
// replay what the WAL still holds.
TEST(StateMachineCrash, RollbackBehindAPurgedWalRecoversThroughTheSnapshotFile) {
  TempDir dir;
  const std::vector<raftpb::Entry> commands = RandomCommands(200, 7);
  auto reference = OpenOrDie(dir.Sub("sync"), SyncMode::kSync);
  std::vector<ApplyResult> want;
  ApplyRange(reference.get(), commands, 1, 201, &want);
  {
    NodeWalRecovery rec;
    NodeWalOptions wo;
    wo.dir = dir.Sub("wal");
    wo.segment_bytes = 1024;
    wo.carried_bytes_per_group = 0;  // old segments stay needed until a snapshot covers them
    auto wal = NodeWal::Open(wo, &rec);
    ASSERT_TRUE(wal.ok()) << wal.status();
    auto sm = OpenOrDie(dir.Sub("nosync"), SyncMode::kNoSync);
    for (uint64_t i = 1; i <= 200; i += 10) {
      std::vector<raftpb::Entry> batch(commands.begin() + static_cast<long>(i - 1),
                                       commands.begin() + static_cast<long>(i + 9));
      raftpb::HardState hs;
      hs.set_term(1);
      hs.set_commit(i + 9);
      ASSERT_TRUE((*wal)->Append(kGroup, hs, batch).ok());
      ApplyOrDie(sm.get(), batch);
      if (i + 9 == 100) {
        ASSERT_TRUE(sm->Checkpoint(dir.Sub("nosync-after-power-loss")).ok());
      }
      if (i + 9 == 150) {
        raftpb::SnapshotMetadata meta;
        meta.set_index(150);
        meta.set_term(1);
        auto writer = SnapshotWriter::Create(dir.Sub("snap"), meta);
        ASSERT_TRUE(writer.ok());
        auto applied = sm->CreateSnapshot(
            kGroup, [&](std::string_view c) { return (*writer)->Append(c); });
        ASSERT_TRUE(applied.ok());
        ASSERT_EQ(*applied, 150u);
        ASSERT_TRUE((*writer)->Finish().ok());
        ASSERT_TRUE((*wal)->SaveSnapshot(kGroup, meta, hs).ok());
        auto purged = (*wal)->PurgeBehindSnapshots(1);
        ASSERT_TRUE(purged.ok());
        ASSERT_GT(*purged, 0);
      }
    }
  }

  NodeWalRecovery on_disk;
  NodeWalOptions reopen;
  reopen.dir = dir.Sub("wal");
  ASSERT_TRUE(NodeWal::Open(reopen, &on_disk).ok());
  const WalRecovery& log = on_disk.groups[kGroup];
  ASSERT_EQ(log.snapshot.index(), 150u);
  ASSERT_EQ(log.entries.front().index(), 151u);
  auto sm = OpenOrDie(dir.Sub("nosync-after-power-loss"), SyncMode::kNoSync);
  ASSERT_EQ(*sm->AppliedIndex(kGroup), 100u);
  // Entries 101..150 are gone from the WAL: the snapshot file must fill the gap.
  EXPECT_EQ(sm->Apply(kGroup, log.entries).status().code(), absl::StatusCode::kInvalidArgument);
  auto files = ListSnapshotFiles(dir.Sub("snap"));
  ASSERT_TRUE(files.ok() && !files->empty());
  auto snap = LoadSnapshotFile(files->front());
  ASSERT_TRUE(snap.ok()) << snap.status();
  ASSERT_EQ(snap->metadata().index(), log.snapshot.index());
  ASSERT_TRUE(sm->InstallSnapshot(kGroup, snap->data()).ok());
  auto replayed = sm->Apply(kGroup, log.entries);
  ASSERT_TRUE(replayed.ok()) << replayed.status();
  for (size_t i = 0; i < replayed->size(); ++i) {
    EXPECT_EQ((*replayed)[i], want[150 + i]) << "index " << 151 + i;
  }
  EXPECT_EQ(ScanAll(sm.get()), ScanAll(reference.get()));
  EXPECT_EQ(*sm->AppliedIndex(kGroup), 200u);
}

}  // namespace
}  // namespace raftlab::storage
