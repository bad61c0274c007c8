#pragma once
// An in-process cluster of GroupEngines for tests: each node has its own data directory,
// RocksDB state machine and engine; messages travel through an in-memory router that can
// cut nodes off. Everything lives under a fresh temp dir removed by the destructor.

#include <atomic>
#include <chrono>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "faults/clock.h"
#include "server/engine/group_engine.h"
#include "server/metrics/registry.h"
#include "server/storage/state_machine.h"

namespace raftlab::engine::testing {

class TestCluster;

// Proposes key = value to the engine; the future holds the result (10 s deadline).
std::future<ProposeResult> ProposePut(GroupEngine* e, const std::string& key, const std::string& value);

// Routes one node's outbound messages to the other engines of the cluster.
class Router : public Outbox {
 public:
  Router(TestCluster* cluster, uint64_t from) : cluster_(cluster), from_(from) {}
  void Send(uint64_t group_id, raftpb::Message message) override;

 private:
  TestCluster* cluster_;
  uint64_t from_;
};

struct TestNode {
  uint64_t id = 0;
  std::string dir;
  std::unique_ptr<storage::StateMachine> fsm;
  std::unique_ptr<Router> router;
  std::unique_ptr<GroupEngine> engine;
};

class TestCluster {
 public:
  // Fast timings so elections take tens of milliseconds.
  explicit TestCluster(int nodes, uint64_t snapshot_every = 10000);
  ~TestCluster();

  GroupEngineOptions OptionsFor(uint64_t id) const;
  void StartNode(uint64_t id);
  void StopNode(uint64_t id);
  // Stops and starts every node, so that options set through `customize` take effect.
  void RestartAll();
  GroupEngine* engine(uint64_t id);
  storage::StateMachine* fsm(uint64_t id);

  // Waits until one running node leads and every running node agrees; 0 on timeout.
  uint64_t WaitForLeader(std::chrono::milliseconds timeout = std::chrono::seconds(20));
  // Waits until `pred` holds, polling; false on timeout.
  bool WaitFor(const std::function<bool()>& pred,
               std::chrono::milliseconds timeout = std::chrono::seconds(20));

  ProposeResult Put(uint64_t id, const std::string& key, const std::string& value);
  ReadResult Read(uint64_t id, ReadMode mode);
  std::optional<std::string> Get(uint64_t id, const std::string& key);

  // Drops every message to and from `id` (both directions).
  void Isolate(uint64_t id);
  void HealAll();
  void Route(uint64_t from, uint64_t group, raftpb::Message message);

  std::vector<uint64_t> ids() const;
  // A node's data directory: its state machine in fsm/, its group in group1/.
  std::string node_dir(uint64_t id) const { return root_ + "/node" + std::to_string(id); }
  faults::Clock& clock(uint64_t id) { return *clocks_.at(id); }

  // Adjusts a node's options at each later StartNode (e.g. to install hooks).
  std::function<void(uint64_t id, GroupEngineOptions* options)> customize;

  // Called on the sender's Ready-loop thread for every message an engine hands to its
  // Outbox, before it is routed: what the node's state is at the instant a message leaves.
  using SendHook = std::function<void(uint64_t from, const raftpb::Message& message)>;
  void SetSendHook(SendHook hook);
  void RunSendHook(uint64_t from, const raftpb::Message& message);

  EngineMetrics& metrics() { return *metrics_; }

 private:
  std::string root_;
  uint64_t snapshot_every_;
  metrics::Registry registry_;
  std::unique_ptr<EngineMetrics> metrics_;
  std::map<uint64_t, std::unique_ptr<faults::Clock>> clocks_;
  std::mutex mu_;
  std::map<uint64_t, std::unique_ptr<TestNode>> nodes_;  // guarded by mu_ for lookups
  std::set<uint64_t> isolated_;                          // guarded by mu_
  std::vector<uint64_t> all_ids_;
  std::mutex hook_mu_;
  SendHook send_hook_;  // guarded by hook_mu_
};

}  // namespace raftlab::engine::testing
