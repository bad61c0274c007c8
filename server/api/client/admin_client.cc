#include "server/api/client/admin_client.h"

#include "server/api/client/endpoint_check.h"
#include "server/api/client/kv_client.h"
#include "server/api/client/leader_call.h"

namespace raftlab::client {

using grpc::ClientContext;

absl::StatusOr<std::unique_ptr<AdminClient>> AdminClient::Create(AdminClientOptions options,
                                                                 std::shared_ptr<ChannelPool> pool) {
  if (auto s = ValidateEndpoints(options.endpoints, "endpoints"); !s.ok()) return s;
  if (options.timeout.count() <= 0) return absl::InvalidArgumentError("timeout: must be positive");
  if (!pool) pool = std::make_shared<ChannelPool>();
  return std::unique_ptr<AdminClient>(new AdminClient(std::move(options), std::move(pool)));
}

AdminClient::AdminClient(AdminClientOptions options, std::shared_ptr<ChannelPool> pool)
    : options_(std::move(options)), pool_(std::move(pool)), endpoints_(options_.endpoints) {}

template <typename Resp, typename Call>
absl::StatusOr<Resp> AdminClient::At(const std::string& endpoint, Call&& fn) {
  return CallAt<Resp>(*pool_, endpoint, std::chrono::system_clock::now() + options_.timeout, fn);
}

absl::StatusOr<admin::StatusResponse> AdminClient::Status(const std::string& endpoint) {
  admin::StatusRequest req;
  return At<admin::StatusResponse>(endpoint, [&](Connection& c, ClientContext* ctx, admin::StatusResponse* r) {
    return c.admin->Status(ctx, req, r);
  });
}

absl::StatusOr<admin::FaultsResponse> AdminClient::EnableFault(const std::string& endpoint,
                                                               const admin::EnableFaultRequest& req) {
  return At<admin::FaultsResponse>(endpoint, [&](Connection& c, ClientContext* ctx, admin::FaultsResponse* r) {
    return c.admin->EnableFault(ctx, req, r);
  });
}

absl::StatusOr<admin::FaultsResponse> AdminClient::DisableFault(const std::string& endpoint, const std::string& name) {
  admin::DisableFaultRequest req;
  req.set_name(name);
  return At<admin::FaultsResponse>(endpoint, [&](Connection& c, ClientContext* ctx, admin::FaultsResponse* r) {
    return c.admin->DisableFault(ctx, req, r);
  });
}

absl::StatusOr<admin::FaultsResponse> AdminClient::ListFaults(const std::string& endpoint) {
  admin::ListFaultsRequest req;
  return At<admin::FaultsResponse>(endpoint, [&](Connection& c, ClientContext* ctx, admin::FaultsResponse* r) {
    return c.admin->ListFaults(ctx, req, r);
  });
}

absl::StatusOr<admin::PartitionResponse> AdminClient::SetPartition(const std::string& endpoint,
                                                                   const std::vector<uint64_t>& isolated_peers,
                                                                   admin::PartitionDirection direction) {
  admin::SetPartitionRequest req;
  for (uint64_t id : isolated_peers) req.add_isolated_peers(id);
  req.set_direction(direction);
  return At<admin::PartitionResponse>(endpoint, [&](Connection& c, ClientContext* ctx, admin::PartitionResponse* r) {
    return c.admin->SetPartition(ctx, req, r);
  });
}

absl::StatusOr<admin::PartitionResponse> AdminClient::Heal(const std::string& endpoint) {
  admin::HealRequest req;
  return At<admin::PartitionResponse>(endpoint, [&](Connection& c, ClientContext* ctx, admin::PartitionResponse* r) {
    return c.admin->Heal(ctx, req, r);
  });
}

absl::StatusOr<admin::SetClockResponse> AdminClient::SetClock(const std::string& endpoint, int64_t offset_ns,
                                                              double rate) {
  admin::SetClockRequest req;
  req.set_offset_ns(offset_ns);
  req.set_rate(rate);
  return At<admin::SetClockResponse>(endpoint, [&](Connection& c, ClientContext* ctx, admin::SetClockResponse* r) {
    return c.admin->SetClock(ctx, req, r);
  });
}

absl::StatusOr<admin::TriggerSnapshotResponse> AdminClient::TriggerSnapshot(const std::string& endpoint,
                                                                            uint64_t group_id) {
  admin::TriggerSnapshotRequest req;
  req.set_group_id(group_id);
  return At<admin::TriggerSnapshotResponse>(
      endpoint, [&](Connection& c, ClientContext* ctx, admin::TriggerSnapshotResponse* r) {
        return c.admin->TriggerSnapshot(ctx, req, r);
      });
}

absl::StatusOr<admin::TransferLeaderResponse> AdminClient::TransferLeader(uint64_t group_id, uint64_t target_node) {
  admin::TransferLeaderRequest req;
  req.set_group_id(group_id);
  req.set_target_node(target_node);
  // Leadership moves away on success, so the answering node is not remembered as leader.
  LeaderCallPolicy policy{options_.max_redirects, /*read=*/false, /*remember_leader=*/false};
  return CallLeader<admin::TransferLeaderResponse>(
      *pool_, endpoints_, std::chrono::system_clock::now() + options_.timeout, policy,
      [&](Connection& c, ClientContext* ctx, admin::TransferLeaderResponse* r) {
        return c.admin->TransferLeader(ctx, req, r);
      });
}

absl::StatusOr<admin::RouteTable> AdminClient::GetRouteTable(const std::string& endpoint) {
  admin::GetRouteTableRequest req;
  return At<admin::RouteTable>(endpoint, [&](Connection& c, ClientContext* ctx, admin::RouteTable* r) {
    return c.admin->GetRouteTable(ctx, req, r);
  });
}

absl::StatusOr<admin::RouteTable> AdminClient::SplitRange(const std::string& endpoint, const std::string& split_key) {
  admin::SplitRangeRequest req;
  req.set_split_key(split_key);
  return At<admin::RouteTable>(endpoint, [&](Connection& c, ClientContext* ctx, admin::RouteTable* r) {
    return c.admin->SplitRange(ctx, req, r);
  });
}

absl::StatusOr<admin::GetKeyVizMatrixResponse> AdminClient::GetKeyVizMatrix(const std::string& endpoint) {
  admin::GetKeyVizMatrixRequest req;
  return At<admin::GetKeyVizMatrixResponse>(
      endpoint, [&](Connection& c, ClientContext* ctx, admin::GetKeyVizMatrixResponse* r) {
        return c.admin->GetKeyVizMatrix(ctx, req, r);
      });
}

absl::StatusOr<admin::StallResponse> AdminClient::Stall(const std::string& endpoint, uint64_t group_id,
                                                       uint32_t duration_ms) {
  admin::StallRequest req;
  req.set_group_id(group_id);
  req.set_duration_ms(duration_ms);
  return At<admin::StallResponse>(endpoint, [&](Connection& c, ClientContext* ctx, admin::StallResponse* r) {
    return c.admin->Stall(ctx, req, r);
  });
}

absl::StatusOr<admin::SetLinkFaultsResponse> AdminClient::SetLinkFaults(const std::string& endpoint,
                                                                       const std::vector<admin::LinkFault>& links) {
  admin::SetLinkFaultsRequest req;
  for (const auto& l : links) *req.add_links() = l;
  return At<admin::SetLinkFaultsResponse>(
      endpoint, [&](Connection& c, ClientContext* ctx, admin::SetLinkFaultsResponse* r) {
        return c.admin->SetLinkFaults(ctx, req, r);
      });
}

}  // namespace raftlab::client
