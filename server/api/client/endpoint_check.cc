#include "server/api/client/endpoint_check.h"

#include "server/api/address.h"

namespace raftlab::client {

absl::Status ValidateEndpoint(const std::string& endpoint, const std::string& what) {
  auto parsed = api::ParseHostPort(endpoint, what);
  if (!parsed.ok()) return parsed.status();
  // Port 0 means "pick one" when listening; a client cannot connect to it.
  if (parsed->port == 0) {
    return absl::InvalidArgumentError(what + ": '" + endpoint + "' has port 0 (expected 1..65535)");
  }
  return absl::OkStatus();
}

absl::Status ValidateEndpoints(const std::vector<std::string>& endpoints, const std::string& what) {
  if (endpoints.empty()) return absl::InvalidArgumentError(what + ": at least one host:port is required");
  for (const std::string& e : endpoints) {
    if (absl::Status s = ValidateEndpoint(e, what); !s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace raftlab::client
