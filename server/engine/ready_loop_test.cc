#include "server/engine/ready_loop.h"

#include <stdlib.h>

#include <algorithm>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "server/engine/engine_cluster_test_util.h"
#include "server/engine/group_engine.h"
#include "server/metrics/registry.h"
#include "server/storage/node_wal.h"
#include "server/storage/state_machine.h"

namespace raftlab::engine {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

class NoPeers : public Outbox {
 public:
  void Send(uint64_t, raftpb::Message) override {}
};

// A ReadyLoop that a test can hold before its next pass, so that input for several groups
// is queued when the pass begins.
class HeldLoop {
 public:
  HeldLoop() : loop_(ReadyLoopOptions{"ready-test", [this] { MaybeHold(); }}) { loop_.Start(); }
  ReadyLoop* loop() { return &loop_; }

  void Hold() {
    std::lock_guard lock(mu_);
    held_ = true;
  }
  // Waits until the loop, held, has groups queued for its next pass.
  bool WaitHeld() {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(10), [&] { return waiting_; });
  }
  void Release() {
    std::lock_guard lock(mu_);
    held_ = false;
    cv_.notify_all();
  }

 private:
  void MaybeHold() {
    std::unique_lock lock(mu_);
    if (!held_) return;
    waiting_ = true;
    cv_.notify_all();
    cv_.wait(lock, [&] { return !held_; });
    waiting_ = false;
  }

  std::mutex mu_;
  std::condition_variable cv_;
  bool held_ = false;     // guarded by mu_
  bool waiting_ = false;  // guarded by mu_
  ReadyLoop loop_;        // last: its thread stops before the rest goes
};

struct TwoGroupNode {
  TwoGroupNode() {
    char tmpl[] = "/tmp/raftlab-ready-loop-test-XXXXXX";
    root = mkdtemp(tmpl);
    storage::NodeWalOptions wo;
    wo.dir = root + "/wal";
    storage::NodeWalRecovery recovered;
    auto opened_wal = storage::NodeWal::Open(wo, &recovered);
    EXPECT_TRUE(opened_wal.ok()) << opened_wal.status();
    wal = std::move(*opened_wal);
    storage::StateMachineOptions so;
    so.path = root + "/fsm";
    auto opened_fsm = storage::StateMachine::Open(so);
    EXPECT_TRUE(opened_fsm.ok()) << opened_fsm.status();
    fsm = std::move(*opened_fsm);
    metrics = std::make_unique<EngineMetrics>(registry);
    for (uint64_t group : {1, 2}) {
      GroupEngineOptions o;
      o.group_id = group;
      o.node_id = 1;
      o.voters = {1};
      o.dir = root + "/groups/" + std::to_string(group);
      o.node_wal = wal.get();
      o.ready_loop = held.loop();
      o.tick = milliseconds(2);
      o.election_ticks = 10;
      o.heartbeat_ticks = 2;
      auto e = GroupEngine::Open(o, fsm.get(), &outbox, &clock, metrics.get());
      EXPECT_TRUE(e.ok()) << e.status();
      engines.push_back(std::move(*e));
      engines.back()->Start();
    }
  }
  ~TwoGroupNode() {
    for (auto& e : engines) e->Stop();
    held.loop()->Stop();
    std::filesystem::remove_all(root);
  }

  bool WaitForLeaders() {
    const auto until = Clock::now() + std::chrono::seconds(10);
    while (Clock::now() < until) {
      if (engines[0]->is_leader() && engines[1]->is_leader()) return true;
      std::this_thread::sleep_for(milliseconds(2));
    }
    return false;
  }

  std::string root;
  std::unique_ptr<storage::NodeWal> wal;
  std::unique_ptr<storage::StateMachine> fsm;
  metrics::Registry registry;
  std::unique_ptr<EngineMetrics> metrics;
  faults::Clock clock;
  NoPeers outbox;
  HeldLoop held;
  std::vector<std::unique_ptr<GroupEngine>> engines;
};

// The names of this process's threads, from /proc.
std::vector<std::string> ThreadNames() {
  std::vector<std::string> names;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    std::ifstream comm(task.path() / "comm");
    std::string name;
    if (std::getline(comm, name)) names.push_back(name);
  }
  return names;
}

TEST(ReadyLoop, OneTickerThreadTicksEveryGroupOfTheLoop) {
  TwoGroupNode node;
  // A group of one voter elects itself once its election timer has ticked out.
  ASSERT_TRUE(node.WaitForLeaders());
  const std::vector<std::string> names = ThreadNames();
  EXPECT_EQ(std::count(names.begin(), names.end(), "ready-test-tick"), 1);
  EXPECT_EQ(std::count_if(names.begin(), names.end(), [](const std::string& n) { return n.starts_with("tick-"); }), 0);
}

TEST(ReadyLoop, GroupsReadyInOnePassShareOneWalWrite) {
  TwoGroupNode node;
  ASSERT_TRUE(node.WaitForLeaders());
  node.held.Hold();
  auto first = testing::ProposePut(node.engines[0].get(), "a", "v");
  ASSERT_TRUE(node.held.WaitHeld());
  auto second = testing::ProposePut(node.engines[1].get(), "b", "v");
  const storage::NodeWal::Stats before = node.wal->stats();
  node.held.Release();
  ASSERT_EQ(first.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  ASSERT_EQ(second.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_EQ(first.get().code, ProposeResult::Code::kApplied);
  EXPECT_EQ(second.get().code, ProposeResult::Code::kApplied);
  const storage::NodeWal::Stats after = node.wal->stats();
  // Both groups' entries went out in one write: one batch of two requests.
  EXPECT_EQ(after.batches - before.batches, 1u);
  EXPECT_EQ(after.requests - before.requests, 2u);
  EXPECT_EQ(node.fsm->Get(1, "a").value(), "v");
  EXPECT_EQ(node.fsm->Get(2, "b").value(), "v");
}

TEST(ReadyLoop, AStalledGroupWaitsWhileAnotherGroupOfTheLoopGoesOn) {
  TwoGroupNode node;
  ASSERT_TRUE(node.WaitForLeaders());
  node.engines[0]->Stall(std::chrono::seconds(30));
  auto stalled = testing::ProposePut(node.engines[0].get(), "a", "v");
  auto other = testing::ProposePut(node.engines[1].get(), "b", "v");
  ASSERT_EQ(other.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_EQ(other.get().code, ProposeResult::Code::kApplied);
  EXPECT_EQ(stalled.wait_for(milliseconds(100)), std::future_status::timeout);
  // A shortened stall ends at once, not when the first one would have.
  node.engines[0]->Stall(milliseconds(1));
  ASSERT_EQ(stalled.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_EQ(stalled.get().code, ProposeResult::Code::kApplied);
}

}  // namespace
}  // namespace raftlab::engine
