#pragma once
// NetnsNetwork: real network partitions for a test. Each member runs in its own network
// namespace, joined to a bridge the test creates by a veth pair, at 10.X.Y.<id>/24; the
// harness reaches every member from the host through the bridge at 10.X.Y.254, so client
// traffic is never cut. A partition is iptables DROP rules on INPUT inside the namespaces
// of the members that hold the grudge (a one-way cut is a rule on one side only); healing
// flushes them.
//
// Every name carries the harness's pid ("rlh<pid>..."), so runs never collide and a
// cleanup sweep (SweepStaleNetworks, run at every Create) removes what a harness that died
// without tearing down (SIGKILL, crash) left: namespaces, bridges, veths, and the processes
// still inside those namespaces. The destructor tears down this run's; the harness's
// SIGINT/SIGTERM handling ends the run normally so it runs.
//
// With routed peers (RoutePeers, done when the run may delay messages) every member's
// connections to each peer are DNATed, inside its namespace, to a LinkProxy in the harness
// that forwards them from the member's own proxy source address 10.X.Y.<100+id>, holding
// bytes for the link's delay; partition rules drop that address and the replies of
// connections to the peer (conntrack's original destination) too.
//
// Needs root (CAP_NET_ADMIN and CAP_SYS_ADMIN); Create says so otherwise.
// Threads: one owner thread.

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "harness/netns/link_proxy.h"
#include "harness/system.h"

namespace raftlab::harness {

class NetnsNetwork : public NetworkControl {
 public:
  // Sweeps stale networks, then creates the bridge and `nodes` namespaces.
  // `delays`: route peer traffic through delaying proxies (RoutePeers), else it is direct.
  static absl::StatusOr<std::unique_ptr<NetnsNetwork>> Create(int nodes, bool delays = false);
  ~NetnsNetwork() override;  // Teardown()

  absl::Status ApplyGrudge(const Grudge& grudge) override;
  absl::Status Heal() override;
  std::string Host(uint64_t id) const override;
  ProcessSpec Enter(uint64_t id, ProcessSpec spec) const override;
  absl::Status RoutePeers(const std::map<uint64_t, int>& peer_ports) override;
  absl::Status SetOutboundDelay(uint64_t id, std::chrono::milliseconds delay) override;
  absl::Status SetLinkDelay(uint64_t from, uint64_t to, std::chrono::milliseconds delay) override;

  std::string Namespace(uint64_t id) const;
  std::string Bridge() const;
  // Kills what still runs in the namespaces, deletes them and the bridge; idempotent.
  void Teardown();

 private:
  NetnsNetwork(int nodes, bool delays, std::string prefix, std::string subnet)
      : nodes_(nodes), delays_(delays), prefix_(std::move(prefix)), subnet_(std::move(subnet)) {}
  std::string ProxySource(uint64_t id) const;
  absl::Status Setup();
  absl::Status InNamespace(uint64_t id, const std::vector<std::string>& command) const;

  const int nodes_;
  const bool delays_;
  std::map<std::pair<uint64_t, uint64_t>, std::unique_ptr<LinkProxy>> proxies_;  // (from, to)
  std::map<std::pair<uint64_t, uint64_t>, std::chrono::milliseconds> link_delay_;  // (from, to)
  const std::string prefix_;  // "rlh<pid>"
  const std::string subnet_;  // "10.X.Y."
  bool torn_down_ = false;
};

// The names prefix of a harness process: "rlh<pid>".
std::string NetnsPrefix(int pid);
// Namespaces and links whose name carries `prefix` (for tests and the sweep).
std::vector<std::string> NetnsObjects(const std::string& prefix);
// Removes the networks of harness processes that are gone; returns how many objects.
int SweepStaleNetworks();

}  // namespace raftlab::harness
