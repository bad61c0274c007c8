#include "harness/cluster.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <filesystem>
#include <set>
#include <thread>

#include "server/api/client/admin_client.h"
#include "server/api/client/kv_client.h"

namespace raftlab::harness {
namespace {

using std::chrono::milliseconds;
using SteadyClock = std::chrono::steady_clock;

constexpr milliseconds kStopGrace{3000};

}  // namespace

absl::StatusOr<std::unique_ptr<LocalCluster>> LocalCluster::Start(ClusterOptions options) {
  if (options.nodes < 1) return absl::InvalidArgumentError("cluster: --nodes must be at least 1");
  std::error_code ec;
  std::filesystem::create_directories(options.run_dir, ec);
  if (ec) return absl::UnavailableError("cluster: cannot create " + options.run_dir + ": " + ec.message());
  std::unique_ptr<LocalCluster> c(new LocalCluster(std::move(options)));
  const ClusterOptions& o = c->options_;
  std::set<int> taken;
  for (int i = 1; i <= o.nodes; ++i) {
    NodeInfo n;
    n.id = static_cast<uint64_t>(i);
    for (int* port : {&n.grpc_port, &n.http_port}) {
      do {
        auto p = PickFreePort();
        if (!p.ok()) return p.status();
        *port = *p;
      } while (!taken.insert(*port).second);
    }
    n.data_dir = o.run_dir + "/node" + std::to_string(i);
    n.log_path = o.run_dir + "/node" + std::to_string(i) + ".log";
    n.settings = o.settings;
    c->nodes_[n.id] = n;
  }
  client::AdminClientOptions ao;
  ao.endpoints = c->endpoints();
  ao.timeout = milliseconds(2000);
  auto admin = client::AdminClient::Create(ao);
  if (!admin.ok()) return admin.status();
  c->admin_ = std::move(*admin);
  if (o.network != nullptr) {
    std::map<uint64_t, int> peer_ports;
    for (const auto& [id, n] : c->nodes_) peer_ports[id] = n.grpc_port;
    if (absl::Status s = o.network->RoutePeers(peer_ports); !s.ok()) return s;
  }
  for (uint64_t id : c->ids()) {
    if (absl::Status s = c->Restart(id); !s.ok()) return s;
  }
  return c;
}

LocalCluster::LocalCluster(ClusterOptions options) : options_(std::move(options)) {}

LocalCluster::~LocalCluster() { KillAll(); }

std::string LocalCluster::peers_flag() const {
  std::string out;
  for (const auto& [id, n] : nodes_) {
    if (!out.empty()) out += ",";
    out += std::to_string(id) + "=" + Host(id) + ":" + std::to_string(n.grpc_port);
  }
  return out;
}

std::vector<std::string> LocalCluster::ArgsFor(const NodeInfo& n) const {
  const ClusterOptions& o = options_;
  std::vector<std::string> args = {
      "--id", std::to_string(n.id),
      "--peers", peers_flag(),
      "--data-dir", n.data_dir,
      "--http", http_address(n.id),
      "--tick-ms", std::to_string(o.tick_ms),
      "--election-ticks", std::to_string(o.election_ticks),
      "--heartbeat-ticks", std::to_string(o.heartbeat_ticks),
      "--lease-margin-ms", std::to_string(n.settings.lease_margin_ms),
      "--dispatcher-lanes", std::to_string(n.settings.dispatcher_lanes),
      "--fsm-sync-mode", n.settings.fsm_sync_mode,
      "--groups", std::to_string(o.groups),
      "--snapshot-every", std::to_string(o.snapshot_every),
      "--compaction-lag", std::to_string(o.compaction_lag),
  };
  if (o.seed != 0) {
    args.push_back("--seed");
    args.push_back(std::to_string(o.seed + starts(n.id) * 0x9e3779b97f4a7c15ULL));
  }
  if (o.network != nullptr) {
    args.push_back("--listen");
    args.push_back(endpoint(n.id));
  }
  if (o.allow_faults) args.push_back("--allow-faults");
  if (o.fault_control) {
    args.push_back("--fault-control");
    args.push_back(o.run_dir + "/node" + std::to_string(n.id) + ".fiu");
  }
  args.insert(args.end(), n.settings.extra_args.begin(), n.settings.extra_args.end());
  return args;
}

absl::Status LocalCluster::Restart(uint64_t id) {
  auto it = nodes_.find(id);
  if (it == nodes_.end()) return absl::NotFoundError("cluster: no node " + std::to_string(id));
  if (Running(id)) return absl::FailedPreconditionError("cluster: node " + std::to_string(id) + " is running");
  ProcessSpec spec;
  spec.program = options_.server_binary;
  spec.args = ArgsFor(it->second);
  spec.env = it->second.settings.env;
  spec.log_path = it->second.log_path;
  if (options_.network != nullptr) spec = options_.network->Enter(id, std::move(spec));
  auto child = ChildProcess::Start(spec);
  if (!child.ok()) return child.status();
  procs_[id] = std::make_unique<ChildProcess>(std::move(*child));
  exits_.erase(id);
  ++starts_[id];
  return absl::OkStatus();
}

absl::Status LocalCluster::Kill(uint64_t id) {
  auto it = procs_.find(id);
  if (it == procs_.end() || !it->second) return absl::FailedPreconditionError("cluster: node " + std::to_string(id) + " is not running");
  exits_[id] = it->second->Kill();
  procs_.erase(it);
  return absl::OkStatus();
}

absl::Status LocalCluster::Stop(uint64_t id) {
  auto it = procs_.find(id);
  if (it == procs_.end() || !it->second) return absl::FailedPreconditionError("cluster: node " + std::to_string(id) + " is not running");
  exits_[id] = it->second->Stop(kStopGrace);
  procs_.erase(it);
  return absl::OkStatus();
}

absl::Status LocalCluster::Pause(uint64_t id) {
  auto it = procs_.find(id);
  if (it == procs_.end()) return absl::FailedPreconditionError("cluster: node " + std::to_string(id) + " is not running");
  return it->second->Pause();
}

absl::Status LocalCluster::Resume(uint64_t id) {
  auto it = procs_.find(id);
  if (it == procs_.end()) return absl::FailedPreconditionError("cluster: node " + std::to_string(id) + " is not running");
  return it->second->Resume();
}

void LocalCluster::SetSettings(uint64_t id, NodeSettings settings) {
  auto it = nodes_.find(id);
  if (it != nodes_.end()) it->second.settings = std::move(settings);
}

void LocalCluster::KillAll() {
  for (auto& [id, p] : procs_) {
    if (p) exits_[id] = p->Kill();
  }
  procs_.clear();
}

bool LocalCluster::Running(uint64_t id) {
  auto it = procs_.find(id);
  if (it == procs_.end() || !it->second) return false;
  if (it->second->Running()) return true;
  // It ended on its own (e.g. a fail-stop): remember how.
  if (it->second->exit_info()) exits_[id] = *it->second->exit_info();
  procs_.erase(it);
  return false;
}

bool LocalCluster::Paused(uint64_t id) const {
  auto it = procs_.find(id);
  return it != procs_.end() && it->second && it->second->paused();
}

std::optional<ExitInfo> LocalCluster::ExitOf(uint64_t id) const {
  auto it = exits_.find(id);
  if (it == exits_.end()) return std::nullopt;
  return it->second;
}

uint64_t LocalCluster::starts(uint64_t id) const {
  auto it = starts_.find(id);
  return it == starts_.end() ? 0 : it->second;
}

std::vector<uint64_t> LocalCluster::ids() const {
  std::vector<uint64_t> out;
  for (const auto& [id, n] : nodes_) out.push_back(id);
  return out;
}

const NodeInfo& LocalCluster::node(uint64_t id) const { return nodes_.at(id); }

std::string LocalCluster::Host(uint64_t id) const {
  return options_.network != nullptr ? options_.network->Host(id) : "127.0.0.1";
}

std::string LocalCluster::endpoint(uint64_t id) const {
  return Host(id) + ":" + std::to_string(nodes_.at(id).grpc_port);
}

std::vector<std::string> LocalCluster::endpoints() const {
  std::vector<std::string> out;
  for (const auto& [id, n] : nodes_) out.push_back(endpoint(id));
  return out;
}

std::string LocalCluster::http_address(uint64_t id) const {
  return Host(id) + ":" + std::to_string(nodes_.at(id).http_port);
}

absl::StatusOr<std::unique_ptr<client::KvClient>> LocalCluster::MakeKvClient(milliseconds timeout) {
  client::KvClientOptions ko;
  ko.endpoints = endpoints();
  ko.timeout = timeout;
  return client::KvClient::Create(ko);
}

client::AdminClient& LocalCluster::admin() { return *admin_; }

std::optional<uint64_t> LocalCluster::Leader(uint64_t group) {
  std::optional<uint64_t> leader;
  for (uint64_t id : ids()) {
    if (!Running(id) || Paused(id)) continue;
    auto st = admin_->Status(endpoint(id));
    if (!st.ok()) return std::nullopt;
    uint64_t seen = 0;
    for (const auto& g : st->groups()) {
      if (g.group_id() == group) seen = g.leader_id();
    }
    if (seen == 0 || (leader && *leader != seen)) return std::nullopt;
    leader = seen;
  }
  // A leader that was killed or paused is remembered by the others until they time out.
  if (leader && (!Running(*leader) || Paused(*leader))) return std::nullopt;
  return leader;
}

absl::Status LocalCluster::WaitHealthy(milliseconds timeout) {
  const auto deadline = SteadyClock::now() + timeout;
  std::string last_problem = "no node is running";
  while (SteadyClock::now() < deadline) {
    bool healthy = false;
    for (uint64_t id : ids()) {
      if (Running(id) && !Paused(id)) healthy = true;
    }
    for (int g = 1; healthy && g <= options_.groups; ++g) {
      auto leader = Leader(static_cast<uint64_t>(g));
      if (!leader) {
        healthy = false;
        last_problem = "nodes do not agree on a leader of group " + std::to_string(g);
      }
    }
    if (healthy) return absl::OkStatus();
    std::this_thread::sleep_for(milliseconds(50));
  }
  return absl::DeadlineExceededError("cluster not healthy after " + std::to_string(timeout.count()) +
                                     " ms: " + last_problem + " (logs in " + options_.run_dir + ")");
}

absl::StatusOr<std::string> LocalCluster::HttpGet(uint64_t id, const std::string& path) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return absl::InternalError("socket failed");
  timeval tv{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(nodes_.at(id).http_port));
  if (inet_pton(AF_INET, Host(id).c_str(), &addr.sin_addr) != 1) {
    close(fd);
    return absl::InvalidArgumentError("node " + std::to_string(id) + ": bad address " + Host(id));
  }
  const std::string where = "node " + std::to_string(id) + " http://" + http_address(id) + path;
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return absl::UnavailableError(where + ": connection refused");
  }
  const std::string req = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
  if (write(fd, req.data(), req.size()) != static_cast<ssize_t>(req.size())) {
    close(fd);
    return absl::UnavailableError(where + ": write failed");
  }
  std::string resp;
  char buf[16384];
  ssize_t n;
  while ((n = read(fd, buf, sizeof(buf))) > 0) resp.append(buf, static_cast<size_t>(n));
  close(fd);
  const auto body = resp.find("\r\n\r\n");
  if (resp.rfind("HTTP/1.1 200", 0) != 0 || body == std::string::npos) {
    return absl::UnavailableError(where + ": " + resp.substr(0, resp.find("\r\n")));
  }
  return resp.substr(body + 4);
}

}  // namespace raftlab::harness
