#pragma once
// Coordinator: routes each client request to the Raft group that owns its key, using the
// node's current RouteTable and the GroupEngines this process hosts. The table starts as
// the bootstrap (or last stored) one and is replaced whenever the system group applies a
// new version (RouteStore).
//
// Thread-safety: every method may be called from any thread. The table is swapped whole
// under a mutex; engines are registered at start-up and live as long as the coordinator.

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "server/engine/group_engine.h"
#include "server/kv/route_table.h"

namespace raftlab::kv {

class Coordinator {
 public:
  explicit Coordinator(RouteTable table) : table_(std::move(table)) {}

  // Registers an engine for its group (before serving).
  void AddGroup(engine::GroupEngine* engine);

  struct Target {
    Route route;
    engine::GroupEngine* engine = nullptr;
  };
  // The route and engine for key; UNAVAILABLE naming the group if this node does not host it.
  absl::StatusOr<Target> ForKey(std::string_view key) const;
  // The one group holding every key (under one route table, so a concurrent split cannot
  // mix two): INVALID_ARGUMENT naming two keys and their groups when they span groups
  // (cross-group transactions are not supported yet), UNAVAILABLE if not hosted here.
  absl::StatusOr<Target> ForKeys(const std::vector<std::string>& keys) const;
  // Every route overlapping [start, end) with its engine, in key order.
  absl::StatusOr<std::vector<Target>> ForRange(std::string_view start, std::string_view end) const;

  engine::GroupEngine* Group(uint64_t group_id) const;
  std::vector<engine::GroupEngine*> Engines() const;

  RouteTable table() const;
  // Switches to table (the replicated one is authoritative, whatever its version).
  void Install(RouteTable table);
  // Switches to table only if its version is newer than the current one.
  bool InstallIfNewer(RouteTable table);

 private:
  mutable std::mutex mu_;
  RouteTable table_;                                    // guarded by mu_
  std::map<uint64_t, engine::GroupEngine*> engines_;    // guarded by mu_
};

}  // namespace raftlab::kv
