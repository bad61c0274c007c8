#pragma once
// AdminService: status, fault injection, partitions, clock skew, snapshots, leader transfer
// and the route table (proto/admin.proto). Fault, partition, clock, stall and link RPCs are refused with
// PERMISSION_DENIED unless the server runs with --allow-faults: they exist to break the node.

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>

#include "admin.grpc.pb.h"
#include "faults/clock.h"
#include "faults/link_faults.h"
#include "faults/partition_filter.h"
#include "server/kv/coordinator.h"
#include "server/kv/route_store.h"
#include "server/node/group_host.h"

namespace raftlab::api {

struct AdminContext {
  uint64_t node_id = 0;
  kv::Coordinator* coordinator = nullptr;  // the route table
  node::GroupHost* host = nullptr;         // the groups
  // The replicated route table (SplitRange); null = splits refused.
  kv::RouteStore* routes = nullptr;
  faults::Clock* clock = nullptr;
  faults::PartitionFilter* partitions = nullptr;
  faults::LinkFaults* links = nullptr;
  bool allow_faults = false;
  uint32_t dispatcher_lanes = 2;
  std::string fsm_sync_mode;
  std::map<uint64_t, std::string> peers;
  // The keyviz matrix, when the sampler is on; empty function = keyviz off.
  std::function<raftlab::admin::GetKeyVizMatrixResponse()> keyviz;
};

class AdminService final : public raftlab::admin::Admin::Service {
 public:
  explicit AdminService(AdminContext context) : c_(std::move(context)) {}

  using Ctx = grpc::ServerContext;
  grpc::Status Status(Ctx*, const raftlab::admin::StatusRequest*, raftlab::admin::StatusResponse*) override;
  grpc::Status EnableFault(Ctx*, const raftlab::admin::EnableFaultRequest*,
                           raftlab::admin::FaultsResponse*) override;
  grpc::Status DisableFault(Ctx*, const raftlab::admin::DisableFaultRequest*,
                            raftlab::admin::FaultsResponse*) override;
  grpc::Status ListFaults(Ctx*, const raftlab::admin::ListFaultsRequest*,
                          raftlab::admin::FaultsResponse*) override;
  grpc::Status SetPartition(Ctx*, const raftlab::admin::SetPartitionRequest*,
                            raftlab::admin::PartitionResponse*) override;
  grpc::Status Heal(Ctx*, const raftlab::admin::HealRequest*, raftlab::admin::PartitionResponse*) override;
  grpc::Status SetClock(Ctx*, const raftlab::admin::SetClockRequest*, raftlab::admin::SetClockResponse*) override;
  grpc::Status TriggerSnapshot(Ctx*, const raftlab::admin::TriggerSnapshotRequest*,
                               raftlab::admin::TriggerSnapshotResponse*) override;
  grpc::Status TransferLeader(Ctx*, const raftlab::admin::TransferLeaderRequest*,
                              raftlab::admin::TransferLeaderResponse*) override;
  grpc::Status GetKeyVizMatrix(Ctx*, const raftlab::admin::GetKeyVizMatrixRequest*,
                               raftlab::admin::GetKeyVizMatrixResponse*) override;
  grpc::Status GetRouteTable(Ctx*, const raftlab::admin::GetRouteTableRequest*,
                             raftlab::admin::RouteTable*) override;
  grpc::Status SplitRange(Ctx*, const raftlab::admin::SplitRangeRequest*, raftlab::admin::RouteTable*) override;
  grpc::Status Stall(Ctx*, const raftlab::admin::StallRequest*, raftlab::admin::StallResponse*) override;
  grpc::Status SetLinkFaults(Ctx*, const raftlab::admin::SetLinkFaultsRequest*,
                             raftlab::admin::SetLinkFaultsResponse*) override;

  // Fills a StatusResponse (also used by the HTTP /status page).
  void FillStatus(raftlab::admin::StatusResponse* out) const;

 private:
  grpc::Status RequireFaults(const char* rpc) const;
  void FillFaults(raftlab::admin::FaultsResponse* out) const;

  const AdminContext c_;
  mutable std::mutex mu_;
  std::map<std::string, double> enabled_;  // guarded by mu_: point → probability
};

// Converts a route table to its wire form.
void ToProto(const kv::RouteTable& table, raftlab::admin::RouteTable* out);

}  // namespace raftlab::api
