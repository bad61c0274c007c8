#include "server/api/client/leader_finder.h"

#include <map>

namespace raftlab::client {

absl::StatusOr<std::string> FindLeaderEndpoint(AdminClient& admin, uint64_t group_id) {
  std::map<uint64_t, std::string> endpoint_of;  // node id -> endpoint
  uint64_t leader = 0;
  absl::Status last_error;
  for (const std::string& e : admin.endpoints()) {
    auto status = admin.Status(e);
    if (!status.ok()) {
      last_error = status.status();
      continue;
    }
    endpoint_of[status->node_id()] = e;
    for (const auto& g : status->groups()) {
      if (g.group_id() != group_id || g.leader_id() == 0) continue;
      // A node's own claim beats what a follower last heard.
      if (g.role() == "leader" || leader == 0) leader = g.leader_id();
    }
  }
  if (endpoint_of.empty()) return absl::UnavailableError("no endpoint answered Status: " + last_error.ToString());
  if (leader == 0) return absl::UnavailableError("no node knows a leader of group " + std::to_string(group_id));
  auto it = endpoint_of.find(leader);
  if (it == endpoint_of.end()) {
    return absl::NotFoundError("the leader of group " + std::to_string(group_id) + ", node " + std::to_string(leader) +
                               ", is not among the endpoints (or did not answer)");
  }
  return it->second;
}

}  // namespace raftlab::client
