#pragma once
// LocalCluster: N raftlab-server processes on loopback, each with its own ports, data
// directory and log file under one run directory. The harness and the multi-process tests
// start, kill, restart, pause and reconfigure nodes through it.
//
// Every node is a ChildProcess (process.h): it dies with the harness, and the destructor
// kills whatever is still running. Nodes are numbered 1..N; node i keeps its ports and data
// directory across restarts.
//
// Threads: one owner thread calls every method (the runner or a test); the accessors for
// endpoints may be read from client threads.

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "harness/process.h"
#include "harness/system.h"

namespace raftlab::client {
class AdminClient;
}

namespace raftlab::harness {

// Flags that may differ between nodes or change across a rolling restart.
struct NodeSettings {
  int dispatcher_lanes = 2;          // --dispatcher-lanes
  std::string fsm_sync_mode = "sync";  // --fsm-sync-mode
  int lease_margin_ms = 300;         // --lease-margin-ms
  std::vector<std::string> extra_args;
  std::vector<std::string> env;      // NAME=VALUE
};

struct ClusterOptions {
  std::string server_binary;  // path to raftlab-server
  std::string run_dir;        // node<i>/ data, node<i>.log, created if missing
  int nodes = 3;
  int groups = 1;
  int tick_ms = 10;
  int election_ticks = 100;
  int heartbeat_ticks = 10;
  uint64_t snapshot_every = 100000;  // the servers' default
  uint64_t compaction_lag = 1000;  // --compaction-lag
  // The run's seed, handed to every server (--seed) so election timeouts follow it; each
  // restart of a node gets a different derived seed. 0 = the servers' own default.
  uint64_t seed = 0;
  bool allow_faults = true;
  // Opens libfiu remote control at <run_dir>/node<i>.fiu (for fiu-ctrl).
  bool fault_control = true;
  NodeSettings settings;  // applied to every node unless overridden per node
  // Non-null: each node runs inside this network (netns) at its address; else on loopback.
  // Not owned; outlives the cluster.
  NetworkControl* network = nullptr;
};

struct NodeInfo {
  uint64_t id = 0;
  int grpc_port = 0;
  int http_port = 0;
  std::string data_dir;
  std::string log_path;
  NodeSettings settings;
};

class LocalCluster : public SystemUnderTest {
 public:
  // Picks free ports and starts every node; does not wait for a leader.
  static absl::StatusOr<std::unique_ptr<LocalCluster>> Start(ClusterOptions options);
  ~LocalCluster() override;  // kills every node still running

  // Waits until every running, unpaused node reports the same leader for every group.
  absl::Status WaitHealthy(std::chrono::milliseconds timeout) override;
  // The leader of a group as the running nodes see it; nullopt when they disagree or none.
  std::optional<uint64_t> Leader(uint64_t group = 1) override;

  absl::Status Kill(uint64_t id) override;     // SIGKILL; the data directory stays
  absl::Status Stop(uint64_t id) override;     // SIGTERM, then SIGKILL after a grace period
  absl::Status Restart(uint64_t id) override;  // starts a stopped or killed node with its settings
  absl::Status Pause(uint64_t id) override;    // SIGSTOP
  absl::Status Resume(uint64_t id) override;   // SIGCONT
  // Changes a node's settings; they take effect at its next Restart.
  void SetSettings(uint64_t id, NodeSettings settings);
  void KillAll() override;

  bool Running(uint64_t id) override;
  bool Paused(uint64_t id) const override;
  // How a stopped node ended (e.g. exit code 75 after a fail-stop).
  std::optional<ExitInfo> ExitOf(uint64_t id) const override;

  // How many times node `id` was started (its counters restart at each start).
  uint64_t starts(uint64_t id) const override;
  std::vector<uint64_t> ids() const override;
  const NodeInfo& node(uint64_t id) const;
  std::string endpoint(uint64_t id) const override;    // host:port of gRPC
  std::vector<std::string> endpoints() const override; // every node's
  std::string http_address(uint64_t id) const;
  std::string peers_flag() const;             // --peers value
  client::AdminClient& admin();

  std::string system_name() const override { return "raftlab"; }
  std::string data_dir(uint64_t id) const override { return node(id).data_dir; }
  std::string log_path(uint64_t id) const override { return node(id).log_path; }
  NetworkControl* network() override { return options_.network; }
  absl::StatusOr<std::unique_ptr<client::KvClient>> MakeKvClient(std::chrono::milliseconds timeout) override;
  LocalCluster* raftlab() override { return this; }

  // GET http://<node>/<path>; the body, or an error naming the node.
  absl::StatusOr<std::string> HttpGet(uint64_t id, const std::string& path);

  const ClusterOptions& options() const { return options_; }

 private:
  explicit LocalCluster(ClusterOptions options);
  std::vector<std::string> ArgsFor(const NodeInfo& n) const;
  std::string Host(uint64_t id) const;  // the address node `id` listens on

  ClusterOptions options_;
  std::map<uint64_t, NodeInfo> nodes_;
  std::map<uint64_t, std::unique_ptr<ChildProcess>> procs_;
  std::map<uint64_t, ExitInfo> exits_;
  std::map<uint64_t, uint64_t> starts_;  // how many times each node was started
  std::unique_ptr<client::AdminClient> admin_;
};

}  // namespace raftlab::harness
