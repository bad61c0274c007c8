#pragma once
// Finds which endpoint serves a group's leader, from the nodes' own Status. A read that
// succeeded says nothing about leadership (followers serve ReadIndex and stale reads), so
// tools that must aim at the leader ask this instead.

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "server/api/client/admin_client.h"

namespace raftlab::client {

// Asks every endpoint for its Status; returns the endpoint whose node leads `group_id`.
// Errors: no endpoint answered, no leader known, or the leader is not among the endpoints.
absl::StatusOr<std::string> FindLeaderEndpoint(AdminClient& admin, uint64_t group_id);

}  // namespace raftlab::client
