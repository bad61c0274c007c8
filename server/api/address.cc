#include "server/api/address.h"

#include <charconv>
#include <vector>

namespace raftlab::api {

absl::StatusOr<HostPort> ParseHostPort(std::string_view text, std::string_view what) {
  auto bad = [&](std::string_view why) {
    return absl::InvalidArgumentError(std::string(what) + ": '" + std::string(text) + "' " +
                                      std::string(why) + " (expected host:port)");
  };
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return bad("has no host:port form");
  std::string_view host = text.substr(0, colon);
  const std::string_view port_text = text.substr(colon + 1);
  if (host.front() == '[') {
    if (host.back() != ']' || host.size() < 3) return bad("has an unclosed IPv6 bracket");
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string_view::npos) {
    return bad("needs brackets around an IPv6 host");
  }
  unsigned port = 0;
  const auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || ec != std::errc() || end != port_text.data() + port_text.size() ||
      port > 65535) {
    return bad("has a bad port");
  }
  return HostPort{std::string(host), static_cast<uint16_t>(port)};
}

absl::StatusOr<std::map<uint64_t, HostPort>> ParsePeers(std::string_view text, std::string_view what) {
  std::map<uint64_t, HostPort> peers;
  if (text.empty()) return absl::InvalidArgumentError(std::string(what) + ": empty peer list");
  std::vector<std::string_view> items;
  for (std::size_t start = 0;;) {
    const auto comma = text.find(',', start);
    items.push_back(text.substr(start, comma == std::string_view::npos ? comma : comma - start));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  for (std::string_view item : items) {
    const auto eq = item.find('=');
    if (eq == std::string_view::npos) {
      return absl::InvalidArgumentError(std::string(what) + ": '" + std::string(item) +
                                        "' is not id=host:port");
    }
    const std::string_view id_text = item.substr(0, eq);
    uint64_t id = 0;
    const auto [end, ec] = std::from_chars(id_text.data(), id_text.data() + id_text.size(), id);
    if (ec != std::errc() || end != id_text.data() + id_text.size() || id == 0) {
      return absl::InvalidArgumentError(std::string(what) + ": node id '" + std::string(id_text) +
                                        "' is not a positive integer");
    }
    auto addr = ParseHostPort(item.substr(eq + 1), what);
    if (!addr.ok()) return addr.status();
    if (!peers.emplace(id, *addr).second) {
      return absl::InvalidArgumentError(std::string(what) + ": node id " + std::to_string(id) +
                                        " appears twice");
    }
  }
  return peers;
}

}  // namespace raftlab::api
