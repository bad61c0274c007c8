#include "server/engine/engine_cluster_test_util.h"

#include <stdlib.h>

#include <filesystem>
#include <thread>

namespace raftlab::engine::testing {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

void Router::Send(uint64_t group_id, raftpb::Message message) {
  cluster_->RunSendHook(from_, message);
  cluster_->Route(from_, group_id, std::move(message));
}

void TestCluster::SetSendHook(SendHook hook) {
  std::lock_guard lock(hook_mu_);
  send_hook_ = std::move(hook);
}

void TestCluster::RunSendHook(uint64_t from, const raftpb::Message& message) {
  SendHook hook;
  {
    std::lock_guard lock(hook_mu_);
    hook = send_hook_;
  }
  if (hook) hook(from, message);
}

TestCluster::TestCluster(int nodes, uint64_t snapshot_every) : snapshot_every_(snapshot_every) {
  char tmpl[] = "/tmp/raftlab-engine-test-XXXXXX";
  root_ = mkdtemp(tmpl);
  metrics_ = std::make_unique<EngineMetrics>(registry_);
  for (int i = 1; i <= nodes; ++i) {
    all_ids_.push_back(i);
    clocks_[i] = std::make_unique<faults::Clock>();
  }
  for (uint64_t id : all_ids_) StartNode(id);
}

TestCluster::~TestCluster() {
  for (uint64_t id : all_ids_) StopNode(id);
  std::filesystem::remove_all(root_);
}

GroupEngineOptions TestCluster::OptionsFor(uint64_t id) const {
  GroupEngineOptions o;
  o.group_id = 1;
  o.node_id = id;
  o.voters = all_ids_;
  o.dir = root_ + "/node" + std::to_string(id) + "/group1";
  o.tick = milliseconds(2);
  o.election_ticks = 30;
  o.heartbeat_ticks = 3;
  o.lease_margin = milliseconds(20);
  o.snapshot_every = snapshot_every_;
  o.read_retry_ticks = 20;
  return o;
}

void TestCluster::StartNode(uint64_t id) {
  auto node = std::make_unique<TestNode>();
  node->id = id;
  node->dir = root_ + "/node" + std::to_string(id);
  storage::StateMachineOptions so;
  so.path = node->dir + "/fsm";
  so.sync_mode = storage::SyncMode::kNoSync;
  std::filesystem::create_directories(node->dir);
  auto fsm = storage::StateMachine::Open(so);
  if (!fsm.ok()) std::abort();
  node->fsm = std::move(*fsm);
  node->router = std::make_unique<Router>(this, id);
  GroupEngineOptions options = OptionsFor(id);
  if (customize) customize(id, &options);
  auto engine = GroupEngine::Open(options, node->fsm.get(), node->router.get(),
                                  clocks_.at(id).get(), metrics_.get());
  if (!engine.ok()) std::abort();
  node->engine = std::move(*engine);
  GroupEngine* e = node->engine.get();
  {
    std::lock_guard lock(mu_);
    nodes_[id] = std::move(node);
  }
  e->Start();
}

void TestCluster::StopNode(uint64_t id) {
  std::unique_ptr<TestNode> node;
  {
    std::lock_guard lock(mu_);
    auto it = nodes_.find(id);
    if (it == nodes_.end()) return;
    node = std::move(it->second);
    nodes_.erase(it);
  }
  node->engine->Stop();
  node->engine.reset();
  node->fsm.reset();
}

void TestCluster::RestartAll() {
  for (uint64_t id : ids()) {
    StopNode(id);
    StartNode(id);
  }
}

GroupEngine* TestCluster::engine(uint64_t id) {
  std::lock_guard lock(mu_);
  auto it = nodes_.find(id);
  return it == nodes_.end() ? nullptr : it->second->engine.get();
}

storage::StateMachine* TestCluster::fsm(uint64_t id) {
  std::lock_guard lock(mu_);
  auto it = nodes_.find(id);
  return it == nodes_.end() ? nullptr : it->second->fsm.get();
}

void TestCluster::Route(uint64_t from, uint64_t group, raftpb::Message message) {
  (void)group;
  // Delivered under the cluster lock so StopNode cannot destroy the target meanwhile.
  std::lock_guard lock(mu_);
  if (isolated_.count(from) || isolated_.count(message.to())) return;
  auto target = nodes_.find(message.to());
  auto sender = nodes_.find(from);
  if (target == nodes_.end()) {
    if (sender != nodes_.end()) sender->second->engine->ReportUnreachable(message.to());
    return;
  }
  const bool snap = message.type() == raftpb::MsgSnap;
  const uint64_t to = message.to();
  target->second->engine->Deliver(std::move(message));
  if (snap && sender != nodes_.end()) sender->second->engine->ReportSnapshot(to, true);
}

bool TestCluster::WaitFor(const std::function<bool()>& pred, milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(milliseconds(5));
  }
  return pred();
}

uint64_t TestCluster::WaitForLeader(milliseconds timeout) {
  uint64_t leader = 0;
  WaitFor(
      [&] {
        std::lock_guard lock(mu_);
        leader = 0;
        for (auto& [id, n] : nodes_) {
          if (isolated_.count(id)) continue;
          const uint64_t l = n->engine->leader_id();
          if (l == 0 || (leader != 0 && l != leader)) return false;
          leader = l;
        }
        return leader != 0 && nodes_.count(leader) && !isolated_.count(leader) &&
               nodes_.at(leader)->engine->is_leader();
      },
      timeout);
  GroupEngine* e = engine(leader);
  return e != nullptr && e->is_leader() ? leader : 0;
}

std::future<ProposeResult> ProposePut(GroupEngine* e, const std::string& key, const std::string& value) {
  auto promise = std::make_shared<std::promise<ProposeResult>>();
  auto future = promise->get_future();
  e->Propose(storage::KvCommand::Put(key, value), std::chrono::steady_clock::now() + std::chrono::seconds(10),
             [promise](const ProposeResult& r) { promise->set_value(r); });
  return future;
}

ProposeResult TestCluster::Put(uint64_t id, const std::string& key, const std::string& value) {
  GroupEngine* e = engine(id);
  if (e == nullptr) return ProposeResult::Of(ProposeResult::Code::kAborted);
  return ProposePut(e, key, value).get();
}

ReadResult TestCluster::Read(uint64_t id, ReadMode mode) {
  auto promise = std::make_shared<std::promise<ReadResult>>();
  auto future = promise->get_future();
  engine(id)->Read(mode, Clock::now() + std::chrono::seconds(10),
                   [promise](const ReadResult& r) { promise->set_value(r); });
  return future.get();
}

std::optional<std::string> TestCluster::Get(uint64_t id, const std::string& key) {
  auto v = fsm(id)->Get(1, key);
  if (!v.ok()) return std::nullopt;
  return *v;
}

void TestCluster::Isolate(uint64_t id) {
  std::lock_guard lock(mu_);
  isolated_.insert(id);
}

void TestCluster::HealAll() {
  std::lock_guard lock(mu_);
  isolated_.clear();
}

std::vector<uint64_t> TestCluster::ids() const { return all_ids_; }

}  // namespace raftlab::engine::testing
