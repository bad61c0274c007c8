#pragma once
// EtcdCluster: N etcd members started by the harness, each with its own client and peer
// ports, data directory and log under one run directory, as a SystemUnderTest. Members
// are numbered 1..N (etcd names n1..nN); a restarted member reuses its data directory, so
// etcd ignores the initial-cluster flags and rejoins as itself.
//
// Every member is a ChildProcess (dies with the harness). On loopback the members share
// 127.0.0.1 and etcd offers no way to partition them; with a NetworkControl (netns) each
// runs at its own address and partitions are real.
//
// Threads: as SystemUnderTest.

#include <map>
#include <memory>

#include "harness/etcd/etcd_client.h"
#include "harness/system.h"

namespace raftlab::harness {

struct EtcdClusterOptions {
  std::string etcd_binary;  // path to etcd
  std::string run_dir;      // node<i>/ data, node<i>.log, created if missing
  int nodes = 3;
  int heartbeat_ms = 100;      // --heartbeat-interval
  int election_ms = 1000;      // --election-timeout
  NetworkControl* network = nullptr;  // not owned; null = loopback
};

class EtcdCluster : public SystemUnderTest {
 public:
  // Picks free ports and starts every member; does not wait for a leader.
  static absl::StatusOr<std::unique_ptr<EtcdCluster>> Start(EtcdClusterOptions options);
  ~EtcdCluster() override;  // kills every member still running

  std::string system_name() const override { return "etcd"; }
  std::vector<uint64_t> ids() const override;
  std::string endpoint(uint64_t id) const override;
  std::vector<std::string> endpoints() const override;
  std::string data_dir(uint64_t id) const override;
  std::string log_path(uint64_t id) const override;
  absl::Status Kill(uint64_t id) override;
  absl::Status Stop(uint64_t id) override;
  absl::Status Restart(uint64_t id) override;
  absl::Status Pause(uint64_t id) override;
  absl::Status Resume(uint64_t id) override;
  void KillAll() override;
  bool Running(uint64_t id) override;
  bool Paused(uint64_t id) const override;
  std::optional<ExitInfo> ExitOf(uint64_t id) const override;
  uint64_t starts(uint64_t id) const override;
  absl::Status WaitHealthy(std::chrono::milliseconds timeout) override;
  std::optional<uint64_t> Leader(uint64_t group = 1) override;
  NetworkControl* network() override { return options_.network; }
  // etcd 3.4 never fsyncs its data directory, member/ or member/snap/ after creating them.
  bool SyncsItsBootstrap() const override { return false; }
  absl::StatusOr<std::unique_ptr<client::KvClient>> MakeKvClient(std::chrono::milliseconds timeout) override;

 private:
  struct Member {
    int client_port = 0, peer_port = 0;
  };
  explicit EtcdCluster(EtcdClusterOptions options) : options_(std::move(options)) {}
  std::string Host(uint64_t id) const;
  std::string PeerUrl(uint64_t id) const;
  std::vector<std::string> ArgsFor(uint64_t id) const;

  EtcdClusterOptions options_;
  std::map<uint64_t, Member> members_;
  std::map<uint64_t, std::unique_ptr<ChildProcess>> procs_;
  std::map<uint64_t, ExitInfo> exits_;
  std::map<uint64_t, uint64_t> starts_;
  std::map<uint64_t, uint64_t> node_of_member_;  // etcd member id -> member number
  std::unique_ptr<EtcdKvClient> probe_;          // Maintenance.Status calls
};

// The etcd binary on PATH, or an error saying it is not installed.
absl::StatusOr<std::string> FindEtcd();

}  // namespace raftlab::harness
