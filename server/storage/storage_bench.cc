// storage_bench: WAL append+fsync, the node log's group commit, state-machine apply in sync
// vs nosync, WAL recovery.
//
//   storage_bench                          # everything but the 1 GiB recovery
//   RAFTLAB_BENCH_LARGE=1 storage_bench --benchmark_filter=Recover   # adds 1 GiB recovery
// Files go under $RAFTLAB_BENCH_DIR, else $TMPDIR, else /tmp: point it at the disk you
// want to measure (a tmpfs makes fsync free).
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "server/storage/crc32c.h"
#include "server/storage/node_wal.h"
#include "server/storage/state_machine.h"

namespace raftlab::storage {
namespace {

class BenchDir {
 public:
  BenchDir() {
    const char* base = std::getenv("RAFTLAB_BENCH_DIR");
    if (base == nullptr || *base == '\0') base = std::getenv("TMPDIR");
    std::string tmpl = std::string(base && *base ? base : "/tmp") + "/raftlab-bench-XXXXXX";
    if (::mkdtemp(tmpl.data()) == nullptr) std::abort();
    path_ = tmpl;
  }
  ~BenchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

raftpb::Entry MakeEntry(uint64_t index, size_t size) {
  raftpb::Entry e;
  e.set_index(index);
  e.set_term(1);
  e.set_data(std::string(size, 'x'));
  return e;
}

// CRC-32C over 4 KiB, with the implementation the WAL uses and with the portable one.
NodeWalOptions OptionsIn(const std::string& dir) {
  NodeWalOptions o;
  o.dir = dir;
  return o;
}

void BM_Crc32c(benchmark::State& state) {
  const std::string data(4096, 'c');
  for (auto _ : state) benchmark::DoNotOptimize(Crc32c(data.data(), data.size()));
  state.SetBytesProcessed(state.iterations() * 4096);
}
BENCHMARK(BM_Crc32c);
void BM_Crc32cPortable(benchmark::State& state) {
  const std::string data(4096, 'c');
  for (auto _ : state) benchmark::DoNotOptimize(Crc32cExtendPortable(0, data.data(), data.size()));
  state.SetBytesProcessed(state.iterations() * 4096);
}
BENCHMARK(BM_Crc32cPortable);

// One Ready of state.range(0) entries of 100 bytes, written to the node log and fsynced.
void BM_WalAppendFsync(benchmark::State& state) {
  BenchDir dir;
  NodeWalRecovery rec;
  auto wal = NodeWal::Open(OptionsIn(dir.path()), &rec);
  if (!wal.ok()) {
    state.SkipWithError(std::string(wal.status().message()).c_str());
    return;
  }
  const auto batch = static_cast<uint64_t>(state.range(0));
  std::vector<raftpb::Entry> entries;
  for (uint64_t i = 0; i < batch; ++i) entries.push_back(MakeEntry(i + 1, 100));
  raftpb::HardState hs;
  hs.set_term(1);
  uint64_t next = 1;
  int64_t bytes = 0;
  for (auto _ : state) {
    for (uint64_t i = 0; i < batch; ++i) entries[i].set_index(next + i);
    next += batch;
    hs.set_commit(next - 1);
    (void)(*wal)->Append(1, hs, entries);
    bytes += static_cast<int64_t>(batch * 100);
  }
  state.SetBytesProcessed(bytes);
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(batch));
}
BENCHMARK(BM_WalAppendFsync)->Arg(1)->Arg(16)->Arg(256)->UseRealTime();

// The node log shared by as many groups as threads, each appending one 100-byte entry per
// iteration from its own thread, as each group's Ready loop does: appends that queue up
// while a batch is written share the next write and fdatasync (counter appends_per_fsync).
void BM_NodeWalGroupCommit(benchmark::State& state) {
  static std::unique_ptr<BenchDir> dir;
  static std::unique_ptr<NodeWal> wal;
  if (state.thread_index() == 0) {
    dir = std::make_unique<BenchDir>();
    NodeWalRecovery rec;
    NodeWalOptions o;
    o.dir = dir->path();
    auto opened = NodeWal::Open(o, &rec);
    if (!opened.ok()) std::abort();
    wal = std::move(*opened);
  }
  const uint64_t group = static_cast<uint64_t>(state.thread_index()) + 1;
  raftpb::Entry e = MakeEntry(1, 100);
  raftpb::HardState hs;
  hs.set_term(1);
  uint64_t next = 1;
  for (auto _ : state) {
    e.set_index(next);
    hs.set_commit(next++);
    (void)wal->Append(group, hs, {&e, 1});
  }
  state.SetItemsProcessed(state.iterations());
  if (state.thread_index() == 0) {
    const NodeWal::Stats stats = wal->stats();
    state.counters["appends_per_fsync"] = stats.batches > 0 ? static_cast<double>(stats.requests) / stats.batches : 0;
  }
}
BENCHMARK(BM_NodeWalGroupCommit)->Threads(1)->Threads(4)->Threads(16)->UseRealTime();

// One Apply of 16 entries, each a put of a 100-byte value, in the given sync mode.
void FsmApply(benchmark::State& state, SyncMode mode) {
  BenchDir dir;
  auto sm = StateMachine::Open({dir.path(), mode, true});
  if (!sm.ok() || !(*sm)->AddGroup(1).ok()) {
    state.SkipWithError("cannot open the state machine");
    return;
  }
  std::vector<raftpb::Entry> batch(16);
  uint64_t next = 1;
  for (auto _ : state) {
    for (auto& e : batch) {
      e.set_index(next);
      e.set_data(EncodeKvCommand(KvCommand::Put("key" + std::to_string(next % 10000),
                                                std::string(100, 'v'))));
      ++next;
    }
    auto r = (*sm)->Apply(1, batch);
    if (!r.ok()) state.SkipWithError(std::string(r.status().message()).c_str());
  }
  state.SetItemsProcessed(state.iterations() * 16);
}
void BM_FsmApply16_Sync(benchmark::State& state) { FsmApply(state, SyncMode::kSync); }
void BM_FsmApply16_NoSync(benchmark::State& state) { FsmApply(state, SyncMode::kNoSync); }
BENCHMARK(BM_FsmApply16_Sync)->UseRealTime();
BENCHMARK(BM_FsmApply16_NoSync)->UseRealTime();

// One pass's apply as a loaded leader makes it: 20 puts of 256-byte values at random keys of
// a 100000-key space, spread over state.range(0) groups (one column family each), in one
// ApplyGroups. Memtable inserts of random keys dominate; the group count shows what each
// extra column family in a pass costs.
void BM_FsmApplyPass(benchmark::State& state) {
  const int groups = static_cast<int>(state.range(0));
  constexpr int kPuts = 20;
  BenchDir dir;
  auto sm = StateMachine::Open({dir.path(), SyncMode::kNoSync, true});
  if (!sm.ok()) {
    state.SkipWithError("cannot open the state machine");
    return;
  }
  for (int g = 1; g <= groups; ++g) {
    if (!(*sm)->AddGroup(g).ok()) {
      state.SkipWithError("cannot add a group");
      return;
    }
  }
  std::vector<std::vector<raftpb::Entry>> entries(groups);
  std::vector<uint64_t> next(groups, 1);
  uint64_t rng = 88172645463325252ull;
  const std::string value(256, 'v');
  for (auto _ : state) {
    for (auto& e : entries) e.clear();
    for (int i = 0; i < kPuts; ++i) {
      rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;  // xorshift64
      const int g = i % groups;
      raftpb::Entry& e = entries[g].emplace_back();
      e.set_index(next[g]++);
      char key[16];
      std::snprintf(key, sizeof key, "%08d", static_cast<int>(rng % 100000));
      e.set_data(EncodeKvCommand(KvCommand::Put(key, value)));
    }
    std::vector<GroupEntries> pass;
    for (int g = 0; g < groups; ++g) {
      if (!entries[g].empty()) pass.push_back({static_cast<uint64_t>(g + 1), entries[g]});
    }
    auto r = (*sm)->ApplyGroups(pass);
    if (!r.ok()) state.SkipWithError(std::string(r.status().message()).c_str());
  }
  state.SetItemsProcessed(state.iterations() * kPuts);
}
BENCHMARK(BM_FsmApplyPass)->Arg(1)->Arg(4)->Arg(16)->UseRealTime();

// Opening (recovering) a node log of state.range(0) MiB of 4 KiB entries of one group.
void BM_WalRecover(benchmark::State& state) {
  BenchDir dir;
  const uint64_t total = static_cast<uint64_t>(state.range(0)) << 20;
  {
    NodeWalRecovery rec;
    auto wal = NodeWal::Open(OptionsIn(dir.path()), &rec);
    if (!wal.ok()) {
      state.SkipWithError(std::string(wal.status().message()).c_str());
      return;
    }
    std::vector<raftpb::Entry> batch;
    uint64_t index = 1;
    for (uint64_t written = 0; written < total; written += 256 * 4096) {
      batch.clear();
      for (int i = 0; i < 256; ++i) batch.push_back(MakeEntry(index++, 4096));
      (void)(*wal)->Append(1, {}, batch);
    }
  }
  size_t entries = 0;
  for (auto _ : state) {
    NodeWalRecovery rec;
    auto wal = NodeWal::Open(OptionsIn(dir.path()), &rec);
    if (!wal.ok()) state.SkipWithError(std::string(wal.status().message()).c_str());
    entries = rec.groups[1].entries.size();
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(total));
  state.counters["entries"] = static_cast<double>(entries);
}
BENCHMARK(BM_WalRecover)->Arg(64)->Unit(benchmark::kMillisecond)->UseRealTime();

// The 1 GiB recovery writes 1 GiB first, so it runs only when asked for.
const bool kLargeRecovery = [] {
  const char* large = std::getenv("RAFTLAB_BENCH_LARGE");
  if (large != nullptr && std::string(large) == "1") {
    benchmark::RegisterBenchmark("BM_WalRecover1GiB", BM_WalRecover)
        ->Arg(1024)
        ->Iterations(3)
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime();
  }
  return true;
}();

}  // namespace
}  // namespace raftlab::storage
