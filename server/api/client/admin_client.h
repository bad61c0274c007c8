#pragma once
// AdminClient: the raftlab Admin API. Admin state is per node, so each call names the node
// (`endpoint`, host:port) it goes to; only TransferLeader seeks the group's leader across
// the endpoint list, following NOT_LEADER hints. Thread-safe; errors carry certainty as in
// call_status.h.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "admin.pb.h"
#include "server/api/client/channel_pool.h"
#include "server/api/client/endpoint_set.h"

namespace raftlab::client {

struct AdminClientOptions {
  std::vector<std::string> endpoints;  // host:port, at least one
  std::chrono::milliseconds timeout{5000};
  int max_redirects = 5;
};

class AdminClient {
 public:
  static absl::StatusOr<std::unique_ptr<AdminClient>> Create(AdminClientOptions options,
                                                             std::shared_ptr<ChannelPool> pool = nullptr);

  const std::vector<std::string>& endpoints() const { return endpoints_.all(); }

  absl::StatusOr<admin::StatusResponse> Status(const std::string& endpoint);
  absl::StatusOr<admin::FaultsResponse> EnableFault(const std::string& endpoint, const admin::EnableFaultRequest& req);
  absl::StatusOr<admin::FaultsResponse> DisableFault(const std::string& endpoint, const std::string& name);
  absl::StatusOr<admin::FaultsResponse> ListFaults(const std::string& endpoint);
  absl::StatusOr<admin::PartitionResponse> SetPartition(
      const std::string& endpoint, const std::vector<uint64_t>& isolated_peers,
      admin::PartitionDirection direction = admin::PARTITION_DIRECTION_BOTH);
  absl::StatusOr<admin::PartitionResponse> Heal(const std::string& endpoint);
  absl::StatusOr<admin::SetClockResponse> SetClock(const std::string& endpoint, int64_t offset_ns, double rate);
  absl::StatusOr<admin::TriggerSnapshotResponse> TriggerSnapshot(const std::string& endpoint, uint64_t group_id);
  // Sent to the group's leader, found by following NOT_LEADER hints from the endpoint list.
  absl::StatusOr<admin::TransferLeaderResponse> TransferLeader(uint64_t group_id, uint64_t target_node);
  absl::StatusOr<admin::RouteTable> GetRouteTable(const std::string& endpoint);
  absl::StatusOr<admin::RouteTable> SplitRange(const std::string& endpoint, const std::string& split_key);
  absl::StatusOr<admin::GetKeyVizMatrixResponse> GetKeyVizMatrix(const std::string& endpoint);
  // group_id 0 stalls every group of the node.
  absl::StatusOr<admin::StallResponse> Stall(const std::string& endpoint, uint64_t group_id, uint32_t duration_ms);
  // Replaces the node's outbound link faults; an empty list heals them.
  absl::StatusOr<admin::SetLinkFaultsResponse> SetLinkFaults(const std::string& endpoint,
                                                             const std::vector<admin::LinkFault>& links);

 private:
  AdminClient(AdminClientOptions options, std::shared_ptr<ChannelPool> pool);
  template <typename Resp, typename Call>
  absl::StatusOr<Resp> At(const std::string& endpoint, Call&& fn);

  const AdminClientOptions options_;
  const std::shared_ptr<ChannelPool> pool_;
  EndpointSet endpoints_;
};

}  // namespace raftlab::client
