#pragma once
// host:port parsing shared by the server's flags, raftlab-ctl and the harness.

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace raftlab::api {

struct HostPort {
  std::string host;
  uint16_t port = 0;
  std::string ToString() const { return host + ":" + std::to_string(port); }
  bool operator==(const HostPort&) const = default;
};

// Parses "host:port" (port 0..65535; "[::1]:7001" for IPv6). `what` names the flag or
// field in the error, e.g. "--listen".
absl::StatusOr<HostPort> ParseHostPort(std::string_view text, std::string_view what);

// Parses "1=127.0.0.1:7001,2=127.0.0.1:7002": node ids (positive, unique) to addresses.
absl::StatusOr<std::map<uint64_t, HostPort>> ParsePeers(std::string_view text, std::string_view what);

}  // namespace raftlab::api
