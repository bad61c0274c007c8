#include "server/node/host_cluster_test_util.h"

#include <stdlib.h>

#include <filesystem>
#include <future>
#include <thread>

#include "server/engine/engine_metrics.h"

namespace raftlab::node::testing {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

// Declared in destruction order's reverse: the host goes first, it uses everything else.
struct HostCluster::Node {
  metrics::Registry registry;
  std::unique_ptr<engine::EngineMetrics> metrics;
  std::unique_ptr<storage::StateMachine> fsm;
  std::unique_ptr<LoopbackSender> sender;
  std::unique_ptr<GroupHost> host;
};

absl::Status LoopbackSender::Send(uint64_t peer, std::string_view,
                                  std::span<const transport::OutboundMessage> batch) {
  return cluster_->Route(from_, peer, batch);
}

HostCluster::HostCluster(HostClusterOptions options) : options_(std::move(options)) {
  char tmpl[] = "/tmp/raftlab-host-test-XXXXXX";
  root_ = mkdtemp(tmpl);
  for (int i = 1; i <= options_.nodes; ++i) {
    ids_.push_back(i);
    clocks_[i] = std::make_unique<faults::Clock>();
  }
  for (uint64_t id : ids_) StartNode(id);
}

HostCluster::~HostCluster() {
  for (uint64_t id : ids_) StopNode(id);
  std::filesystem::remove_all(root_);
}

void HostCluster::StartNode(uint64_t id) {
  auto node = std::make_unique<Node>();
  const std::string dir = root_ + "/node" + std::to_string(id);
  std::filesystem::create_directories(dir);
  node->metrics = std::make_unique<engine::EngineMetrics>(node->registry);
  storage::StateMachineOptions so;
  so.path = dir + "/fsm";
  so.sync_mode = storage::SyncMode::kNoSync;
  auto fsm = storage::StateMachine::Open(so);
  if (!fsm.ok()) std::abort();
  node->fsm = std::move(*fsm);
  node->sender = std::make_unique<LoopbackSender>(this, id);

  GroupHostOptions o;
  o.node_id = id;
  o.voters = ids_;
  o.data_dir = dir;
  o.engine.tick = milliseconds(2);
  o.engine.election_ticks = options_.election_ticks;
  o.engine.heartbeat_ticks = 3;
  o.engine.lease_margin = milliseconds(20);
  o.engine.snapshot_every = options_.snapshot_every;
  o.engine.compaction_lag = options_.compaction_lag;
  o.engine.read_retry_ticks = 20;
  auto host = GroupHost::Create(std::move(o), node->fsm.get(), clocks_.at(id).get(),
                                node->metrics.get(), *node->sender, node->registry);
  if (!host.ok()) std::abort();
  node->host = std::move(*host);
  for (uint64_t g : options_.groups) {
    if (!node->host->OpenGroup(g).ok()) std::abort();
  }
  GroupHost* h = node->host.get();
  {
    std::lock_guard lock(mu_);
    nodes_[id] = std::move(node);
  }
  h->Start();
}

void HostCluster::StopNode(uint64_t id) {
  std::unique_ptr<Node> node;
  {
    std::lock_guard lock(mu_);
    auto it = nodes_.find(id);
    if (it == nodes_.end()) return;
    node = std::move(it->second);
    nodes_.erase(it);
  }
  // Outside the lock: the host's dispatcher waits for sends that may be routing.
  node->host->Shutdown();
}

GroupHost* HostCluster::host(uint64_t id) {
  std::lock_guard lock(mu_);
  auto it = nodes_.find(id);
  return it == nodes_.end() ? nullptr : it->second->host.get();
}

absl::Status HostCluster::Route(uint64_t from, uint64_t to,
                                std::span<const transport::OutboundMessage> batch) {
  // Delivered under the lock so StopNode cannot destroy the target meanwhile.
  std::lock_guard lock(mu_);
  if (cut_.count(from) || cut_.count(to)) return absl::UnavailableError("link cut");
  bool has_snapshot = false;
  for (const auto& m : batch) has_snapshot = has_snapshot || m.message.type() == raftpb::MsgSnap;
  if (has_snapshot && refuse_snapshots_[to] > 0) {
    --refuse_snapshots_[to];
    ++snapshots_[to].refused;
    return absl::UnavailableError("snapshot refused");
  }
  auto target = nodes_.find(to);
  if (target == nodes_.end())
    return absl::UnavailableError("node " + std::to_string(to) + " is down");
  for (const auto& m : batch) {
    raftpb::Message copy = m.message;
    if (absl::Status s = target->second->host->TryDeliver(m.group_id, std::move(copy)); !s.ok())
      return s;
  }
  if (has_snapshot) ++snapshots_[to].delivered;
  return absl::OkStatus();
}

bool HostCluster::WaitFor(const std::function<bool()>& pred, milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(milliseconds(5));
  }
  return pred();
}

uint64_t HostCluster::WaitForLeader(uint64_t group, milliseconds timeout) {
  uint64_t leader = 0;
  WaitFor(
      [&] {
        std::lock_guard lock(mu_);
        leader = 0;
        for (auto& [id, n] : nodes_) {
          if (cut_.count(id)) continue;
          engine::GroupEngine* e = n->host->Find(group);
          const uint64_t l = e == nullptr ? 0 : e->leader_id();
          if (l == 0 || (leader != 0 && l != leader)) return false;
          leader = l;
        }
        if (leader == 0 || !nodes_.count(leader) || cut_.count(leader)) return false;
        engine::GroupEngine* e = nodes_.at(leader)->host->Find(group);
        return e != nullptr && e->is_leader();
      },
      timeout);
  GroupHost* h = host(leader);
  engine::GroupEngine* e = h == nullptr ? nullptr : h->Find(group);
  return e != nullptr && e->is_leader() ? leader : 0;
}

ReadReply HostCluster::Read(uint64_t id, uint64_t group, std::vector<std::string> keys,
                            engine::ReadMode mode) {
  auto promise = std::make_shared<std::promise<ReadReply>>();
  auto future = promise->get_future();
  absl::Status s =
      host(id)->Read(group, std::move(keys), mode, Clock::now() + std::chrono::seconds(10),
                     [promise](const ReadReply& r) { promise->set_value(r); });
  if (!s.ok()) {
    ReadReply refused;
    refused.status = s;
    return refused;
  }
  return future.get();
}

ScanReply HostCluster::Scan(uint64_t id, uint64_t group, std::string start, std::string end,
                            size_t limit, engine::ReadMode mode) {
  auto promise = std::make_shared<std::promise<ScanReply>>();
  auto future = promise->get_future();
  absl::Status s = host(id)->Scan(group, std::move(start), std::move(end), limit, mode,
                                  Clock::now() + std::chrono::seconds(10),
                                  [promise](const ScanReply& r) { promise->set_value(r); });
  if (!s.ok()) {
    ScanReply refused;
    refused.status = s;
    return refused;
  }
  return future.get();
}

engine::ProposeResult HostCluster::Put(uint64_t id, uint64_t group, const std::string& key,
                                       const std::string& value) {
  auto promise = std::make_shared<std::promise<engine::ProposeResult>>();
  auto future = promise->get_future();
  absl::Status s = host(id)->Propose(
      group, storage::KvCommand::Put(key, value), Clock::now() + std::chrono::seconds(10),
      [promise](const engine::ProposeResult& r, const GroupHeader&) { promise->set_value(r); });
  if (!s.ok()) return engine::ProposeResult::Of(engine::ProposeResult::Code::kAborted);
  return future.get();
}

void HostCluster::Cut(uint64_t id) {
  std::lock_guard lock(mu_);
  cut_.insert(id);
}

void HostCluster::HealAll() {
  std::lock_guard lock(mu_);
  cut_.clear();
}

void HostCluster::RefuseSnapshotsTo(uint64_t to, int n) {
  std::lock_guard lock(mu_);
  refuse_snapshots_[to] = n;
}

HostCluster::SnapshotCounts HostCluster::snapshots_to(uint64_t to) {
  std::lock_guard lock(mu_);
  return snapshots_[to];
}

}  // namespace raftlab::node::testing
