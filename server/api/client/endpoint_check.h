#pragma once
// Checks the host:port strings clients are given, before any channel is made, with the
// parser the server uses for its own flags (server/api/address.h).

#include <string>
#include <vector>

#include "absl/status/status.h"

namespace raftlab::client {

// "host:port" or "[v6]:port" with a port in 1..65535; the error names `what` and the entry.
absl::Status ValidateEndpoint(const std::string& endpoint, const std::string& what);

// At least one endpoint, each valid.
absl::Status ValidateEndpoints(const std::vector<std::string>& endpoints, const std::string& what);

}  // namespace raftlab::client
