#pragma once
// An in-process cluster of GroupHosts for tests: each node has its own data directory,
// RocksDB state machine, clock and host of several groups; the hosts' dispatchers send
// through a LoopbackSender that hands each batch to the destination host's TryDeliver, and
// can refuse chosen traffic the way a broken link would (the dispatcher then reports the
// drop to the sending group). Everything lives under a fresh temp dir removed by the
// destructor. Timings are as fast as server/engine's TestCluster.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "faults/clock.h"
#include "server/metrics/registry.h"
#include "server/node/group_host.h"
#include "server/storage/state_machine.h"

namespace raftlab::node::testing {

class HostCluster;

// One node's outbound transport: delivers each batch to the peer's host, in order.
class LoopbackSender : public transport::BatchSender {
 public:
  LoopbackSender(HostCluster* cluster, uint64_t from) : cluster_(cluster), from_(from) {}
  absl::Status Send(uint64_t peer, std::string_view lane,
                    std::span<const transport::OutboundMessage> batch) override;

 private:
  HostCluster* const cluster_;
  const uint64_t from_;
};

struct HostClusterOptions {
  int nodes = 3;
  std::vector<uint64_t> groups = {1};
  uint64_t snapshot_every = 10000;
  uint64_t compaction_lag = 1000;
  int election_ticks = 30;
};

class HostCluster {
 public:
  explicit HostCluster(HostClusterOptions options);
  ~HostCluster();

  void StartNode(uint64_t id);
  void StopNode(uint64_t id);
  GroupHost* host(uint64_t id);

  // Waits until one running node leads group and every running node agrees; 0 on timeout.
  uint64_t WaitForLeader(uint64_t group,
                         std::chrono::milliseconds timeout = std::chrono::seconds(20));
  // Polls pred until it holds; false on timeout.
  static bool WaitFor(const std::function<bool()>& pred,
                      std::chrono::milliseconds timeout = std::chrono::seconds(20));

  // Blocking forms of the host's requests (10 s deadline); a refusal by the host is returned
  // as the reply's status.
  ReadReply Read(uint64_t id, uint64_t group, std::vector<std::string> keys, engine::ReadMode mode);
  ScanReply Scan(uint64_t id, uint64_t group, std::string start, std::string end, size_t limit,
                 engine::ReadMode mode);
  engine::ProposeResult Put(uint64_t id, uint64_t group, const std::string& key,
                            const std::string& value);

  // Refuses every batch to and from id (both directions) until HealAll.
  void Cut(uint64_t id);
  void HealAll();
  // Refuses the next n batches to `to` that hold a MsgSnap.
  void RefuseSnapshotsTo(uint64_t to, int n);

  struct SnapshotCounts {
    int refused = 0;
    int delivered = 0;
  };
  SnapshotCounts snapshots_to(uint64_t to);

  // LoopbackSender's entry: the batch's fate, and delivery when it goes through.
  absl::Status Route(uint64_t from, uint64_t to, std::span<const transport::OutboundMessage> batch);

 private:
  struct Node;

  const HostClusterOptions options_;
  std::string root_;
  std::vector<uint64_t> ids_;
  std::map<uint64_t, std::unique_ptr<faults::Clock>> clocks_;

  std::mutex mu_;
  std::map<uint64_t, std::unique_ptr<Node>> nodes_;  // guarded by mu_ for lookups
  std::set<uint64_t> cut_;                           // guarded by mu_
  std::map<uint64_t, int> refuse_snapshots_;         // guarded by mu_
  std::map<uint64_t, SnapshotCounts> snapshots_;     // guarded by mu_
};

}  // namespace raftlab::node::testing
