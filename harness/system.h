#pragma once
// SystemUnderTest: what the runner, the nemesis and the availability monitor need from the
// cluster they test, whatever server it runs. LocalCluster (cluster.h) runs raftlab-server,
// EtcdCluster (etcd/etcd_cluster.h) runs etcd; `raftlab-harness test --system` picks one.
// Members are numbered 1..N and keep their address and data directory across restarts.
//
// Faults that need raftlab's Admin API (stall, link, clock, crash points, ...) reach it
// through raftlab(), which is null for other systems; SupportsFault says which faults a
// system and network mode can run, so the command line refuses the others up front.
//
// Threads: one owner thread calls every method, except endpoints which clients may read.

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "harness/grudge.h"
#include "harness/process.h"

namespace raftlab::client {
class KvClient;
}

namespace raftlab::harness {

class LocalCluster;

// Partitions enforced by the network the members run in (netns/netns_network.h) rather than
// by the servers themselves.
class NetworkControl {
 public:
  virtual ~NetworkControl() = default;
  // Replaces the active partition: member `id` drops, on arrival, what every member in
  // grudge[id] sends it. Client traffic from the harness is never dropped.
  virtual absl::Status ApplyGrudge(const Grudge& grudge) = 0;
  virtual absl::Status Heal() = 0;
  // The address member `id` listens on.
  virtual std::string Host(uint64_t id) const = 0;
  // The spec, changed to run inside member `id`'s part of the network.
  virtual ProcessSpec Enter(uint64_t id, ProcessSpec spec) const = 0;
  // Called by the cluster before its members start, with the port each listens on for its
  // peers: a network that can delay messages routes the peer traffic through itself.
  virtual absl::Status RoutePeers(const std::map<uint64_t, int>& peer_ports) = 0;
  // Delays everything member `id` sends its peers (0 = none); an error when not routed.
  virtual absl::Status SetOutboundDelay(uint64_t id, std::chrono::milliseconds delay) = 0;
};

class SystemUnderTest {
 public:
  virtual ~SystemUnderTest() = default;

  virtual std::string system_name() const = 0;  // "raftlab" or "etcd"
  virtual std::vector<uint64_t> ids() const = 0;
  virtual std::string endpoint(uint64_t id) const = 0;  // host:port of the client API
  virtual std::vector<std::string> endpoints() const = 0;
  virtual std::string data_dir(uint64_t id) const = 0;
  virtual std::string log_path(uint64_t id) const = 0;

  virtual absl::Status Kill(uint64_t id) = 0;     // SIGKILL; the data directory stays
  virtual absl::Status Stop(uint64_t id) = 0;     // SIGTERM, then SIGKILL after a grace period
  virtual absl::Status Restart(uint64_t id) = 0;  // starts a stopped or killed member
  virtual absl::Status Pause(uint64_t id) = 0;    // SIGSTOP
  virtual absl::Status Resume(uint64_t id) = 0;   // SIGCONT
  virtual void KillAll() = 0;
  virtual bool Running(uint64_t id) = 0;
  virtual bool Paused(uint64_t id) const = 0;
  virtual std::optional<ExitInfo> ExitOf(uint64_t id) const = 0;
  virtual uint64_t starts(uint64_t id) const = 0;

  // Waits until every running, unpaused member reports the same leader.
  virtual absl::Status WaitHealthy(std::chrono::milliseconds timeout) = 0;
  // The leader as the running members see it; nullopt when they disagree or none.
  virtual std::optional<uint64_t> Leader(uint64_t group = 1) = 0;

  // The network partitions go through; null when the members share loopback.
  virtual NetworkControl* network() = 0;
  // A client of this system's KV API, for the workloads (client::KvClient's interface).
  virtual absl::StatusOr<std::unique_ptr<client::KvClient>> MakeKvClient(std::chrono::milliseconds timeout) = 0;
  // Whether the members fsync the directories they create when they bootstrap (data
  // directory, subfolders, first files). When not, a power loss before the filesystem's
  // next journal commit takes the whole bootstrap away; the runner makes it durable once
  // the cluster is up unless --strict-bootstrap.
  virtual bool SyncsItsBootstrap() const { return true; }
  // The raftlab cluster behind this system, for faults through its Admin API; null otherwise.
  virtual LocalCluster* raftlab() { return nullptr; }
};

// Whether fault `name` (nemesis.h) can run on `system` ("raftlab"/"etcd") with `network`
// ("loopback"/"netns"); the error names the fault and why not.
absl::Status SupportsFault(const std::string& system, const std::string& network, const std::string& name);

}  // namespace raftlab::harness
