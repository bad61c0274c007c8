#include "server/kv/route_store.h"

#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <future>
#include <memory>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "faults/clock.h"
#include "server/engine/engine_metrics.h"
#include "server/engine/group_engine.h"
#include "server/kv/coordinator.h"
#include "server/metrics/registry.h"
#include "server/storage/state_machine.h"

namespace raftlab::kv {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

class NoPeers : public engine::Outbox {
 public:
  void Send(uint64_t, raftpb::Message) override {}
};

// One node whose system group (a single voter) elects itself, with a RouteStore on it
// whose bootstrap thread the test starts when it wants the table stored.
struct SystemGroupNode {
  SystemGroupNode() : bootstrap(RouteTable::Even(2)), coordinator(bootstrap) {
    char tmpl[] = "/tmp/raftlab-route-store-test-XXXXXX";
    root = mkdtemp(tmpl);
    storage::StateMachineOptions so;
    so.path = root + "/fsm";
    auto opened = storage::StateMachine::Open(so);
    EXPECT_TRUE(opened.ok()) << opened.status();
    fsm = std::move(*opened);
    EXPECT_TRUE(fsm->AddGroup(kSystemGroup).ok());
    store = std::make_unique<RouteStore>(fsm.get(), &coordinator, bootstrap);
    metrics = std::make_unique<engine::EngineMetrics>(registry);
    engine::GroupEngineOptions o;
    o.group_id = kSystemGroup;
    o.node_id = 1;
    o.voters = {1};
    o.dir = root + "/system";
    o.tick = milliseconds(2);
    o.election_ticks = 10;
    o.heartbeat_ticks = 2;
    o.on_applied = [this](uint64_t) { store->OnApplied(); };
    auto e = engine::GroupEngine::Open(o, fsm.get(), &no_peers, &clock, metrics.get());
    EXPECT_TRUE(e.ok()) << e.status();
    system = std::move(*e);
    store->Attach(system.get());
    system->Start();
  }
  ~SystemGroupNode() {
    store->Stop();
    system->Stop();
    std::filesystem::remove_all(root);
  }

  bool WaitForLeader() {
    const auto until = Clock::now() + std::chrono::seconds(10);
    while (Clock::now() < until) {
      if (system->is_leader()) return true;
      std::this_thread::sleep_for(milliseconds(2));
    }
    return false;
  }

  std::string root;
  RouteTable bootstrap;
  Coordinator coordinator;
  std::unique_ptr<storage::StateMachine> fsm;
  std::unique_ptr<RouteStore> store;
  metrics::Registry registry;
  std::unique_ptr<engine::EngineMetrics> metrics;
  faults::Clock clock;
  NoPeers no_peers;
  std::unique_ptr<engine::GroupEngine> system;
};

// An admin split that reaches a new leader before its bootstrap table is stored waits for
// the table instead of failing.
TEST(RouteStore, ASplitWhileTheBootstrapTableIsNotStoredWaitsForIt) {
  SystemGroupNode node;
  ASSERT_TRUE(node.WaitForLeader());
  ASSERT_FALSE(node.store->stored());
  uint64_t leader = 0;
  auto split = std::async(std::launch::async, [&] {
    return node.store->Split("m", Clock::now() + std::chrono::seconds(10), &leader);
  });
  EXPECT_EQ(split.wait_for(milliseconds(100)), std::future_status::timeout)
      << "the split gave up while the table was not stored";
  node.store->Start();
  ASSERT_EQ(split.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  auto table = split.get();
  ASSERT_TRUE(table.ok()) << table.status();
  EXPECT_EQ(table->version(), node.bootstrap.version() + 1);
  EXPECT_TRUE(node.store->stored());
}

TEST(RouteStore, ASplitStillWaitingForTheBootstrapTableAtItsDeadlineSaysSo) {
  SystemGroupNode node;
  ASSERT_TRUE(node.WaitForLeader());
  uint64_t leader = 0;
  auto split = node.store->Split("m", Clock::now() + milliseconds(50), &leader);
  ASSERT_EQ(split.status().code(), absl::StatusCode::kUnavailable) << split.status();
  EXPECT_NE(split.status().message().find("not stored yet"), std::string::npos) << split.status();
}

}  // namespace
}  // namespace raftlab::kv
