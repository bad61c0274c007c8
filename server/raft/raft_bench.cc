// raft_bench: proposals/s committed through three in-memory Raft cores, and heap
// allocations per proposal.
//
//   raft_bench --benchmark_filter=BM_ProposeCommit
//
// Each iteration proposes a batch of 256-byte proposals at the leader and runs every
// node's Ready cycle (persist to MemoryStorage, deliver messages, apply, Advance) until
// the cluster is quiescent, so the batch is committed and applied on all three nodes.
// Logs are compacted every few thousand entries, as an engine would. Allocations are
// counted by a global operator new hook in this executable.

#include <atomic>
#include <cstdlib>
#include <deque>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "benchmark/benchmark.h"
#include "server/raft/raw_node.h"
#include "server/raft/storage.h"

namespace {
std::atomic<uint64_t> g_allocs{0};
}  // namespace

// GCC cannot see that these replace the global pair, and flags malloc/free pairing.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void* operator new(std::size_t n) {
  g_allocs.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) {
  g_allocs.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
#pragma GCC diagnostic pop

namespace raftlab::raft {
namespace {

class Cluster {
 public:
  Cluster() {
    for (uint64_t id = 1; id <= 3; ++id) {
      storages_.push_back(std::make_unique<MemoryStorage>());
      Config c;
      c.id = id;
      c.storage = storages_.back().get();
      c.voters = {1, 2, 3};
      c.max_inflight_msgs = 256;
      c.max_size_per_msg = 1 << 20;
      nodes_.push_back(std::move(*RawNode::Create(c)));
    }
    Pump();
    (void)nodes_[0]->Campaign();
    Pump();
  }

  RawNode& leader() { return *nodes_[0]; }

  void Pump() {
    for (;;) {
      bool any = false;
      for (size_t i = 0; i < nodes_.size(); ++i) {
        RawNode& n = *nodes_[i];
        while (n.HasReady()) {
          any = true;
          Ready rd = n.GetReady();
          MemoryStorage& st = *storages_[i];
          if (rd.snapshot) (void)st.ApplySnapshot(*rd.snapshot);
          (void)st.Append(std::move(rd.entries));
          if (rd.hard_state) st.SetHardState(*rd.hard_state);
          for (auto& m : rd.messages) queue_.push_back(std::move(m));
          if (!rd.committed_entries.empty()) applied_[i] = rd.committed_entries.back().index();
          n.Advance();
        }
      }
      if (queue_.empty()) {
        if (!any) return;
        continue;
      }
      while (!queue_.empty()) {
        raftpb::Message m = std::move(queue_.front());
        queue_.pop_front();
        (void)nodes_[m.to() - 1]->Step(std::move(m));
      }
    }
  }

  void MaybeCompact() {
    for (size_t i = 0; i < nodes_.size(); ++i) {
      const uint64_t applied = nodes_[i]->raft().log().applied();
      const uint64_t first = *storages_[i]->FirstIndex();
      if (applied > first + 4096) {
        auto cs = nodes_[i]->raft().tracker().ConfState();
        (void)storages_[i]->CreateSnapshot(applied, &cs, "");
        (void)storages_[i]->Compact(applied);
      }
    }
  }

  uint64_t applied(size_t i) const { return applied_[i]; }

 private:
  std::vector<std::unique_ptr<MemoryStorage>> storages_;
  std::vector<std::unique_ptr<RawNode>> nodes_;
  std::deque<raftpb::Message> queue_;
  uint64_t applied_[3] = {0, 0, 0};
};

void BM_ProposeCommit(benchmark::State& state) {
  const int batch = static_cast<int>(state.range(0));
  Cluster cluster;
  const std::string payload(256, 'x');
  uint64_t proposals = 0;
  const uint64_t allocs_before = g_allocs.load(std::memory_order_relaxed);
  for (auto _ : state) {
    for (int i = 0; i < batch; ++i) {
      if (!cluster.leader().Propose(payload).ok()) state.SkipWithError("proposal refused");
    }
    cluster.Pump();
    proposals += static_cast<uint64_t>(batch);
    if ((proposals & 4095) < static_cast<uint64_t>(batch)) cluster.MaybeCompact();
  }
  const uint64_t allocs = g_allocs.load(std::memory_order_relaxed) - allocs_before;
  if (cluster.applied(1) != cluster.applied(0) || cluster.applied(2) != cluster.applied(0)) {
    state.SkipWithError("followers did not apply everything");
  }
  state.SetItemsProcessed(static_cast<int64_t>(proposals));
  state.counters["allocs_per_proposal"] =
      benchmark::Counter(static_cast<double>(allocs) / static_cast<double>(proposals));
}
BENCHMARK(BM_ProposeCommit)->Arg(1)->Arg(16)->Arg(256);

// The same batches handed over as one ProposeBatch call: one MsgApp per follower per batch.
void BM_ProposeBatchCommit(benchmark::State& state) {
  const int batch = static_cast<int>(state.range(0));
  Cluster cluster;
  const std::string payload(256, 'x');
  uint64_t proposals = 0;
  const uint64_t allocs_before = g_allocs.load(std::memory_order_relaxed);
  for (auto _ : state) {
    std::vector<std::string> data(static_cast<size_t>(batch), payload);
    if (!cluster.leader().ProposeBatch(std::move(data)).ok()) {
      state.SkipWithError("proposal refused");
    }
    cluster.Pump();
    proposals += static_cast<uint64_t>(batch);
    if ((proposals & 4095) < static_cast<uint64_t>(batch)) cluster.MaybeCompact();
  }
  const uint64_t allocs = g_allocs.load(std::memory_order_relaxed) - allocs_before;
  if (cluster.applied(1) != cluster.applied(0) || cluster.applied(2) != cluster.applied(0)) {
    state.SkipWithError("followers did not apply everything");
  }
  state.SetItemsProcessed(static_cast<int64_t>(proposals));
  state.counters["allocs_per_proposal"] =
      benchmark::Counter(static_cast<double>(allocs) / static_cast<double>(proposals));
}
BENCHMARK(BM_ProposeBatchCommit)->Arg(1)->Arg(16)->Arg(256);

}  // namespace
}  // namespace raftlab::raft
