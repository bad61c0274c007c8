#include "server/kv/coordinator.h"

namespace raftlab::kv {

Route Coordinator::ForKey(std::string_view key) const {
  std::lock_guard lock(mu_);
  return table_.Lookup(key);
}

absl::StatusOr<Route> Coordinator::ForKeys(const std::vector<std::string>& keys) const {
  if (keys.empty()) return absl::InvalidArgumentError("no keys");
  std::lock_guard lock(mu_);
  const Route& first = table_.Lookup(keys[0]);
  for (const std::string& k : keys) {
    const Route& r = table_.Lookup(k);
    if (r.group_id != first.group_id) {
      return absl::InvalidArgumentError("keys span groups " + std::to_string(first.group_id) + " and " +
                                        std::to_string(r.group_id) + " (key '" + keys[0].substr(0, 64) +
                                        "' is in group " + std::to_string(first.group_id) + ", key '" +
                                        k.substr(0, 64) + "' in group " + std::to_string(r.group_id) +
                                        "); cross-group transactions are not supported yet");
    }
  }
  return first;
}

std::vector<Route> Coordinator::ForRange(std::string_view start, std::string_view end) const {
  std::lock_guard lock(mu_);
  return table_.Overlapping(start, end);
}

RouteTable Coordinator::table() const {
  std::lock_guard lock(mu_);
  return table_;
}

void Coordinator::Install(RouteTable table) {
  std::lock_guard lock(mu_);
  table_ = std::move(table);
}

bool Coordinator::InstallIfNewer(RouteTable table) {
  std::lock_guard lock(mu_);
  if (table.version() <= table_.version()) return false;
  table_ = std::move(table);
  return true;
}

}  // namespace raftlab::kv
