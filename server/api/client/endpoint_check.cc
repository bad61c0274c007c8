#include "server/api/client/endpoint_check.h"

#include <charconv>

namespace raftlab::client {

absl::Status ValidateEndpoint(const std::string& endpoint, const std::string& what) {
  auto bad = [&](const std::string& why) {
    return absl::InvalidArgumentError(what + ": '" + endpoint + "' " + why + " (expected host:port)");
  };
  size_t colon = endpoint.rfind(':');
  if (colon == std::string::npos || colon == 0) return bad("has no port");
  std::string host = endpoint.substr(0, colon);
  if (host.front() == '[' ? host.size() < 3 || host.back() != ']' : host.find(':') != std::string::npos) {
    return bad("has an IPv6 host without [brackets]");
  }
  const char* first = endpoint.data() + colon + 1;
  const char* last = endpoint.data() + endpoint.size();
  unsigned port = 0;
  auto [end, ec] = std::from_chars(first, last, port);
  if (first == last || ec != std::errc() || end != last || port == 0 || port > 65535) {
    return bad("has a bad port (1..65535)");
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
