#pragma once
// Coordinator: the key→group lookup. It maps each key of a client request to its route (and
// so its Raft group) with the node's current RouteTable; serving the request is the group
// host's business (server/node). The table starts as the bootstrap (or last stored) one and
// is replaced whenever the system group applies a new version (RouteStore).
//
// Thread-safety: every method may be called from any thread; the table is swapped whole
// under a mutex.

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "server/kv/route_table.h"

namespace raftlab::kv {

class Coordinator {
 public:
  explicit Coordinator(RouteTable table) : table_(std::move(table)) {}

  // The route holding key.
  Route ForKey(std::string_view key) const;
  // The route of the first key, when every key is in its group (under one route table, so a
  // concurrent split cannot mix two); INVALID_ARGUMENT naming two keys and their groups when
  // they span groups (cross-group transactions are not supported yet).
  absl::StatusOr<Route> ForKeys(const std::vector<std::string>& keys) const;
  // Every route overlapping [start, end), in key order.
  std::vector<Route> ForRange(std::string_view start, std::string_view end) const;

  RouteTable table() const;
  // Switches to table (the replicated one is authoritative, whatever its version).
  void Install(RouteTable table);
  // Switches to table only if its version is newer than the current one.
  bool InstallIfNewer(RouteTable table);

 private:
  mutable std::mutex mu_;
  RouteTable table_;  // guarded by mu_
};

}  // namespace raftlab::kv
