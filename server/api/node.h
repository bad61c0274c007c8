#pragma once
// Node: one raftlab-server process, composed from its flags: the node's state machine, the
// group host (server/node: every Raft group's engine, the dispatcher), the gRPC transport,
// the route table (coordinator, route store), and the KV, Admin and RaftTransport services
// on one gRPC port plus the HTTP endpoints.
//
// Data directory: <data-dir>/fsm (RocksDB, a column family per group) and
// <data-dir>/groups/<id>/{wal,snap}.
//
// Groups: the user groups of the route table plus the system group 0, which every node
// hosts and which stores the replicated route table (kv::RouteStore). The table routes
// with the last stored version when there is one, else the bootstrap one (--groups N or
// --cluster-file), until the system group has stored it.
//
// Threads: Start and Shutdown from the main thread.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "faults/clock.h"
#include "faults/link_faults.h"
#include "faults/partition_filter.h"
#include "server/api/admin_service.h"
#include "server/api/http_server.h"
#include "server/api/kv_service.h"
#include "server/api/server_flags.h"
#include "server/kv/coordinator.h"
#include "server/kv/keyviz.h"
#include "server/kv/route_store.h"
#include "server/metrics/registry.h"
#include "server/node/group_host.h"
#include "server/rpc/completion_loop.h"
#include "server/storage/state_machine.h"
#include "server/transport/grpc_batch_sender.h"
#include "server/transport/raft_transport_service.h"

namespace grpc {
class Server;
}

namespace raftlab::api {

class Node final {
 public:
  // Recovers every group and starts serving; an error names what failed (flag, file).
  static absl::StatusOr<std::unique_ptr<Node>> Start(const ServerConfig& config);
  ~Node();

  // Stops serving and the engines; idempotent.
  void Shutdown();

  uint16_t http_port() const;
  // Warnings produced while resolving settings (bad env values), for the log.
  const std::vector<std::string>& warnings() const { return warnings_; }

 private:
  explicit Node(const ServerConfig& config);
  absl::Status Open();
  // Opens the system group and every group of the bootstrap and the current route table.
  absl::Status OpenGroups(const kv::RouteTable& bootstrap);
  std::string RenderStatusJson() const;

  const ServerConfig config_;
  std::vector<std::string> warnings_;
  metrics::Registry registry_;
  faults::Clock clock_;
  faults::PartitionFilter partitions_;
  faults::LinkFaults links_;
  std::unique_ptr<engine::EngineMetrics> engine_metrics_;
  std::unique_ptr<transport::TransportMetrics> transport_metrics_;
  std::unique_ptr<storage::StateMachine> fsm_;
  metrics::Gauge* memtable_bytes_ = nullptr;  // set from fsm_ at each /metrics scrape
  std::unique_ptr<transport::GrpcBatchSender> grpc_sender_;
  std::unique_ptr<node::GroupHost> host_;
  std::unique_ptr<kv::Coordinator> coordinator_;
  std::unique_ptr<kv::RouteStore> route_store_;
  std::unique_ptr<kv::KeyVizSampler> keyviz_;  // null when --keyviz is off
  std::unique_ptr<KvService> kv_service_;
  std::unique_ptr<AdminService> admin_service_;
  std::unique_ptr<transport::RaftTransportService> transport_service_;
  // Each serves kv_service_ and transport_service_ (--rpc-threads).
  std::vector<std::unique_ptr<rpc::CompletionLoop>> rpc_loops_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<HttpServer> http_;
  bool shut_down_ = false;
};

}  // namespace raftlab::api
