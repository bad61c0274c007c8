#include "harness/etcd/etcd_cluster.h"

#include <unistd.h>

#include <filesystem>
#include <set>
#include <thread>

#include "harness/netns/programs.h"

namespace raftlab::harness {
namespace {

using std::chrono::milliseconds;
using SteadyClock = std::chrono::steady_clock;

constexpr milliseconds kStopGrace{3000};
constexpr milliseconds kStatusTimeout{500};

std::string Name(uint64_t id) { return "n" + std::to_string(id); }

absl::Status NotRunning(uint64_t id) {
  return absl::FailedPreconditionError("etcd: member " + std::to_string(id) + " is not running");
}

}  // namespace

absl::StatusOr<std::string> FindEtcd() {
  auto p = FindProgram("etcd");
  if (!p.ok()) return absl::NotFoundError("etcd is not installed (no etcd on PATH; ci/install-deps.sh installs etcd-server)");
  return p;
}

absl::StatusOr<std::unique_ptr<EtcdCluster>> EtcdCluster::Start(EtcdClusterOptions options) {
  if (options.nodes < 1) return absl::InvalidArgumentError("etcd: --nodes must be at least 1");
  std::error_code ec;
  std::filesystem::create_directories(options.run_dir, ec);
  if (ec) return absl::UnavailableError("etcd: cannot create " + options.run_dir + ": " + ec.message());
  std::unique_ptr<EtcdCluster> c(new EtcdCluster(std::move(options)));
  std::set<int> taken;
  for (int i = 1; i <= c->options_.nodes; ++i) {
    Member m;
    for (int* port : {&m.client_port, &m.peer_port}) {
      do {
        auto p = PickFreePort();
        if (!p.ok()) return p.status();
        *port = *p;
      } while (!taken.insert(*port).second);
    }
    c->members_[static_cast<uint64_t>(i)] = m;
  }
  client::KvClientOptions ko;
  ko.endpoints = c->endpoints();
  ko.timeout = kStatusTimeout;
  auto probe = EtcdKvClient::Create(ko);
  if (!probe.ok()) return probe.status();
  c->probe_ = std::move(*probe);
  if (c->options_.network != nullptr) {
    std::map<uint64_t, int> peer_ports;
    for (const auto& [id, m] : c->members_) peer_ports[id] = m.peer_port;
    if (absl::Status s = c->options_.network->RoutePeers(peer_ports); !s.ok()) return s;
  }
  for (uint64_t id : c->ids()) {
    if (absl::Status s = c->Restart(id); !s.ok()) return s;
  }
  return c;
}

EtcdCluster::~EtcdCluster() { KillAll(); }

std::string EtcdCluster::Host(uint64_t id) const {
  return options_.network != nullptr ? options_.network->Host(id) : "127.0.0.1";
}

std::string EtcdCluster::PeerUrl(uint64_t id) const {
  return "http://" + Host(id) + ":" + std::to_string(members_.at(id).peer_port);
}

std::vector<std::string> EtcdCluster::ArgsFor(uint64_t id) const {
  std::string initial;
  for (const auto& [other, m] : members_) initial += (initial.empty() ? "" : ",") + Name(other) + "=" + PeerUrl(other);
  const std::string client_url = "http://" + endpoint(id);
  // The token is unique per run so members of two runs never join each other.
  return {"--name", Name(id),
          "--data-dir", data_dir(id),
          "--listen-client-urls", client_url,
          "--advertise-client-urls", client_url,
          "--listen-peer-urls", PeerUrl(id),
          "--initial-advertise-peer-urls", PeerUrl(id),
          "--initial-cluster", initial,
          "--initial-cluster-state", "new",
          "--initial-cluster-token", "raftlab-" + std::to_string(getpid()) + "-" + std::to_string(members_.begin()->second.client_port),
          "--heartbeat-interval", std::to_string(options_.heartbeat_ms),
          "--election-timeout", std::to_string(options_.election_ms),
          "--logger", "zap",
          "--log-outputs", "stderr"};
}

std::vector<uint64_t> EtcdCluster::ids() const {
  std::vector<uint64_t> out;
  for (const auto& [id, m] : members_) out.push_back(id);
  return out;
}

std::string EtcdCluster::endpoint(uint64_t id) const {
  return Host(id) + ":" + std::to_string(members_.at(id).client_port);
}

std::vector<std::string> EtcdCluster::endpoints() const {
  std::vector<std::string> out;
  for (uint64_t id : ids()) out.push_back(endpoint(id));
  return out;
}

std::string EtcdCluster::data_dir(uint64_t id) const { return options_.run_dir + "/node" + std::to_string(id); }

std::string EtcdCluster::log_path(uint64_t id) const { return options_.run_dir + "/node" + std::to_string(id) + ".log"; }

absl::Status EtcdCluster::Restart(uint64_t id) {
  if (!members_.count(id)) return absl::NotFoundError("etcd: no member " + std::to_string(id));
  if (Running(id)) return absl::FailedPreconditionError("etcd: member " + std::to_string(id) + " is running");
  ProcessSpec spec;
  spec.program = options_.etcd_binary;
  spec.args = ArgsFor(id);
  spec.log_path = log_path(id);
  if (options_.network != nullptr) spec = options_.network->Enter(id, std::move(spec));
  auto child = ChildProcess::Start(spec);
  if (!child.ok()) return child.status();
  procs_[id] = std::make_unique<ChildProcess>(std::move(*child));
  exits_.erase(id);
  ++starts_[id];
  return absl::OkStatus();
}

absl::Status EtcdCluster::Kill(uint64_t id) {
  auto it = procs_.find(id);
  if (it == procs_.end()) return NotRunning(id);
  exits_[id] = it->second->Kill();
  procs_.erase(it);
  return absl::OkStatus();
}

absl::Status EtcdCluster::Stop(uint64_t id) {
  auto it = procs_.find(id);
  if (it == procs_.end()) return NotRunning(id);
  exits_[id] = it->second->Stop(kStopGrace);
  procs_.erase(it);
  return absl::OkStatus();
}

absl::Status EtcdCluster::Pause(uint64_t id) {
  auto it = procs_.find(id);
  return it == procs_.end() ? NotRunning(id) : it->second->Pause();
}

absl::Status EtcdCluster::Resume(uint64_t id) {
  auto it = procs_.find(id);
  return it == procs_.end() ? NotRunning(id) : it->second->Resume();
}

void EtcdCluster::KillAll() {
  for (auto& [id, p] : procs_) exits_[id] = p->Kill();
  procs_.clear();
}

bool EtcdCluster::Running(uint64_t id) {
  auto it = procs_.find(id);
  if (it == procs_.end()) return false;
  if (it->second->Running()) return true;
  if (it->second->exit_info()) exits_[id] = *it->second->exit_info();
  procs_.erase(it);
  return false;
}

bool EtcdCluster::Paused(uint64_t id) const {
  auto it = procs_.find(id);
  return it != procs_.end() && it->second->paused();
}

std::optional<ExitInfo> EtcdCluster::ExitOf(uint64_t id) const {
  auto it = exits_.find(id);
  if (it == exits_.end()) return std::nullopt;
  return it->second;
}

uint64_t EtcdCluster::starts(uint64_t id) const {
  auto it = starts_.find(id);
  return it == starts_.end() ? 0 : it->second;
}

std::optional<uint64_t> EtcdCluster::Leader(uint64_t) {
  std::optional<uint64_t> leader_member;
  for (uint64_t id : ids()) {
    if (!Running(id) || Paused(id)) continue;
    auto st = probe_->Status(endpoint(id), kStatusTimeout);
    if (!st.ok()) return std::nullopt;
    node_of_member_[st->header().member_id()] = id;
    if (st->leader() == 0 || (leader_member && *leader_member != st->leader())) return std::nullopt;
    leader_member = st->leader();
  }
  if (!leader_member) return std::nullopt;
  auto it = node_of_member_.find(*leader_member);
  if (it == node_of_member_.end() || !Running(it->second) || Paused(it->second)) return std::nullopt;
  return it->second;
}

absl::Status EtcdCluster::WaitHealthy(milliseconds timeout) {
  const auto deadline = SteadyClock::now() + timeout;
  while (SteadyClock::now() < deadline) {
    bool any = false;
    for (uint64_t id : ids()) any = any || (Running(id) && !Paused(id));
    if (any && Leader()) return absl::OkStatus();
    std::this_thread::sleep_for(milliseconds(100));
  }
  return absl::DeadlineExceededError("etcd cluster not healthy after " + std::to_string(timeout.count()) +
                                     " ms: members do not agree on a leader (logs in " + options_.run_dir + ")");
}

absl::StatusOr<std::unique_ptr<client::KvClient>> EtcdCluster::MakeKvClient(milliseconds timeout) {
  client::KvClientOptions ko;
  ko.endpoints = endpoints();
  ko.timeout = timeout;
  auto c = EtcdKvClient::Create(ko);
  if (!c.ok()) return c.status();
  return std::unique_ptr<client::KvClient>(std::move(*c));
}

}  // namespace raftlab::harness
