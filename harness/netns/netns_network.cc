#include "harness/netns/netns_network.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <set>
#include <sstream>

#include "harness/netns/programs.h"

namespace raftlab::harness {
namespace {

constexpr char kNamePrefix[] = "rlh";

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream ss(text);
  std::string line;
  while (std::getline(ss, line)) {
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

// Names of every network namespace.
std::vector<std::string> Namespaces() {
  std::vector<std::string> out;
  auto text = RunProgram("ip", {"netns", "list"});
  if (!text.ok()) return out;
  for (const auto& line : Lines(*text)) out.push_back(line.substr(0, line.find(' ')));
  return out;
}

// Names of every link of the host namespace ("rlh1b", "rlh1h2").
std::vector<std::string> Links() {
  std::vector<std::string> out;
  auto text = RunProgram("ip", {"-o", "link", "show"});
  if (!text.ok()) return out;
  for (const auto& line : Lines(*text)) {
    // "7: name@peer: <FLAGS> ..." or "7: name: <FLAGS> ..."
    const size_t start = line.find(": ");
    if (start == std::string::npos) continue;
    std::string name = line.substr(start + 2);
    name = name.substr(0, name.find_first_of(":@"));
    out.push_back(name);
  }
  return out;
}

// The harness pid in a name made by NetnsPrefix, 0 if the name is not one.
int PidOf(const std::string& name) {
  if (name.rfind(kNamePrefix, 0) != 0) return 0;
  int pid = 0;
  for (size_t i = sizeof(kNamePrefix) - 1; i < name.size() && std::isdigit(static_cast<unsigned char>(name[i])); ++i) {
    pid = pid * 10 + (name[i] - '0');
  }
  return pid;
}

bool Alive(int pid) { return kill(pid, 0) == 0 || errno != ESRCH; }

// SIGKILLs every process in namespace `ns` (ours: only the harness starts processes there).
void KillInside(const std::string& ns) {
  auto pids = RunProgram("ip", {"netns", "pids", ns});
  if (!pids.ok()) return;
  for (const auto& line : Lines(*pids)) {
    const int pid = std::atoi(line.c_str());
    if (pid > 0) kill(pid, SIGKILL);
  }
}

void RemoveNamespace(const std::string& ns) {
  KillInside(ns);
  (void)RunProgram("ip", {"netns", "del", ns});
}

// A 10.X.Y.0/24 no interface of the host uses, chosen from the pid.
std::string PickSubnet(int pid) {
  auto addrs = RunProgram("ip", {"-4", "-o", "addr", "show"});
  const std::string used = addrs.ok() ? *addrs : "";
  for (int i = 0; i < 4096; ++i) {
    const int n = (pid + i * 7919) % (120 * 256);
    const std::string subnet = "10." + std::to_string(100 + n / 256) + "." + std::to_string(n % 256) + ".";
    if (used.find(" " + subnet) == std::string::npos) return subnet;
  }
  return "10.199.255.";
}

}  // namespace

std::string NetnsPrefix(int pid) { return kNamePrefix + std::to_string(pid); }

std::vector<std::string> NetnsObjects(const std::string& prefix) {
  std::vector<std::string> out;
  auto owned = [&](const std::string& name) {
    return name.rfind(prefix, 0) == 0 && name.size() > prefix.size() && !std::isdigit(static_cast<unsigned char>(name[prefix.size()]));
  };
  for (const auto& ns : Namespaces()) {
    if (owned(ns)) out.push_back("netns " + ns);
  }
  for (const auto& link : Links()) {
    if (owned(link)) out.push_back("link " + link);
  }
  return out;
}

int SweepStaleNetworks() {
  int removed = 0;
  for (const auto& ns : Namespaces()) {
    const int pid = PidOf(ns);
    if (pid > 0 && !Alive(pid)) {
      RemoveNamespace(ns);
      ++removed;
    }
  }
  for (const auto& link : Links()) {
    const int pid = PidOf(link);
    if (pid > 0 && !Alive(pid) && RunProgram("ip", {"link", "del", link}).ok()) ++removed;
  }
  return removed;
}

absl::StatusOr<std::unique_ptr<NetnsNetwork>> NetnsNetwork::Create(int nodes, bool delays) {
  if (geteuid() != 0) {
    return absl::PermissionDeniedError(
        "--network netns: needs root (CAP_NET_ADMIN) to create network namespaces, a bridge and iptables rules; run as "
        "root or use --network loopback");
  }
  for (const char* tool : {"ip", "iptables"}) {
    if (auto p = FindProgram(tool); !p.ok()) return absl::NotFoundError("--network netns: " + std::string(p.status().message()));
  }
  SweepStaleNetworks();
  const int pid = getpid();
  std::unique_ptr<NetnsNetwork> n(new NetnsNetwork(nodes, delays, NetnsPrefix(pid), PickSubnet(pid)));
  if (absl::Status s = n->Setup(); !s.ok()) {
    n->Teardown();
    return absl::Status(s.code(), "--network netns: setting up: " + std::string(s.message()));
  }
  return n;
}

NetnsNetwork::~NetnsNetwork() { Teardown(); }

std::string NetnsNetwork::Namespace(uint64_t id) const { return prefix_ + "n" + std::to_string(id); }

std::string NetnsNetwork::Bridge() const { return prefix_ + "b"; }

std::string NetnsNetwork::Host(uint64_t id) const { return subnet_ + std::to_string(id); }

std::string NetnsNetwork::ProxySource(uint64_t id) const { return subnet_ + std::to_string(100 + id); }

absl::Status NetnsNetwork::Setup() {
  const std::string br = Bridge();
  for (const std::vector<std::string>& cmd : std::vector<std::vector<std::string>>{
           {"link", "add", br, "type", "bridge"},
           {"addr", "add", subnet_ + "254/24", "dev", br},
           {"link", "set", br, "up"}}) {
    if (auto r = RunProgram("ip", cmd); !r.ok()) return r.status();
  }
  for (int i = 1; delays_ && i <= nodes_; ++i) {
    const std::string alias = ProxySource(static_cast<uint64_t>(i)) + "/24";
    if (auto r = RunProgram("ip", {"addr", "add", alias, "dev", br}); !r.ok()) return r.status();
  }
  for (int i = 1; i <= nodes_; ++i) {
    const auto id = static_cast<uint64_t>(i);
    const std::string ns = Namespace(id), host = prefix_ + "h" + std::to_string(i), peer = prefix_ + "c" + std::to_string(i);
    for (const std::vector<std::string>& cmd : std::vector<std::vector<std::string>>{
             {"netns", "add", ns},
             {"link", "add", host, "type", "veth", "peer", "name", peer},
             {"link", "set", host, "master", br},
             {"link", "set", host, "up"},
             {"link", "set", peer, "netns", ns},
             {"-n", ns, "addr", "add", Host(id) + "/24", "dev", peer},
             {"-n", ns, "link", "set", peer, "up"},
             {"-n", ns, "link", "set", "lo", "up"}}) {
      if (auto r = RunProgram("ip", cmd); !r.ok()) return r.status();
    }
  }
  return absl::OkStatus();
}

absl::Status NetnsNetwork::InNamespace(uint64_t id, const std::vector<std::string>& command) const {
  std::vector<std::string> args = {"netns", "exec", Namespace(id)};
  args.insert(args.end(), command.begin(), command.end());
  auto r = RunProgram("ip", args);
  return r.ok() ? absl::OkStatus() : r.status();
}

absl::Status NetnsNetwork::Heal() {
  absl::Status first;
  for (int i = 1; i <= nodes_; ++i) {
    absl::Status s = InNamespace(static_cast<uint64_t>(i), {"iptables", "-w", "-F", "INPUT"});
    if (first.ok()) first = s;
  }
  return first;
}

absl::Status NetnsNetwork::ApplyGrudge(const Grudge& grudge) {
  if (absl::Status s = Heal(); !s.ok()) return s;
  for (const auto& [id, from] : grudge) {
    for (uint64_t peer : from) {
      std::vector<std::vector<std::string>> rules = {{"-s", Host(peer)}};
      if (!proxies_.empty()) {
        // Through the proxies: what the peer sends arrives from its proxy source, and the
        // replies on our own connections to it from the bridge address.
        rules.push_back({"-s", ProxySource(peer)});
        rules.push_back({"-m", "conntrack", "--ctorigdst", Host(peer)});
      }
      for (const auto& match : rules) {
        std::vector<std::string> cmd = {"iptables", "-w", "-A", "INPUT"};
        cmd.insert(cmd.end(), match.begin(), match.end());
        cmd.insert(cmd.end(), {"-j", "DROP"});
        if (absl::Status s = InNamespace(id, cmd); !s.ok()) return s;
      }
    }
  }
  return absl::OkStatus();
}

ProcessSpec NetnsNetwork::Enter(uint64_t id, ProcessSpec spec) const {
  auto ip = FindProgram("ip");
  std::vector<std::string> args = {"netns", "exec", Namespace(id), spec.program};
  args.insert(args.end(), spec.args.begin(), spec.args.end());
  spec.program = ip.ok() ? *ip : "ip";
  spec.args = std::move(args);
  return spec;
}

absl::Status NetnsNetwork::RoutePeers(const std::map<uint64_t, int>& peer_ports) {
  if (!delays_) return absl::OkStatus();
  for (const auto& [from, unused] : peer_ports) {
    for (const auto& [to, port] : peer_ports) {
      if (from == to) continue;
      auto proxy = LinkProxy::Start(subnet_ + "254", ProxySource(from), Host(to), port);
      if (!proxy.ok()) return proxy.status();
      const std::string via = subnet_ + "254:" + std::to_string((*proxy)->port());
      proxies_[{from, to}] = std::move(*proxy);
      if (absl::Status s = InNamespace(from, {"iptables", "-w", "-t", "nat", "-A", "OUTPUT", "-d", Host(to), "-p", "tcp",
                                              "--dport", std::to_string(port), "-j", "DNAT", "--to-destination", via});
          !s.ok()) {
        return s;
      }
    }
  }
  return absl::OkStatus();
}

absl::Status NetnsNetwork::SetOutboundDelay(uint64_t id, std::chrono::milliseconds delay) {
  for (int peer = 1; peer <= nodes_; ++peer) {
    if (static_cast<uint64_t>(peer) == id) continue;
    if (absl::Status s = SetLinkDelay(id, static_cast<uint64_t>(peer), delay); !s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::Status NetnsNetwork::SetLinkDelay(uint64_t from, uint64_t to, std::chrono::milliseconds delay) {
  if (proxies_.empty()) return absl::FailedPreconditionError("net-delay: peer traffic is not routed through proxies");
  link_delay_[{from, to}] = delay;
  // What `from` sends `to` travels forward on from's connections to `to` and backward on
  // to's connections to `from`.
  for (auto& [link, proxy] : proxies_) proxy->SetDelay(link_delay_[link], link_delay_[{link.second, link.first}]);
  return absl::OkStatus();
}

void NetnsNetwork::Teardown() {
  if (torn_down_) return;
  torn_down_ = true;
  proxies_.clear();
  for (int i = 1; i <= nodes_; ++i) RemoveNamespace(Namespace(static_cast<uint64_t>(i)));
  // Deleting a namespace deletes the veth inside it and so its host end; these catch a
  // half-made setup.
  for (int i = 1; i <= nodes_; ++i) (void)RunProgram("ip", {"link", "del", prefix_ + "h" + std::to_string(i)});
  (void)RunProgram("ip", {"link", "del", Bridge()});
}

}  // namespace raftlab::harness
