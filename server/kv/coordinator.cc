#include "server/kv/coordinator.h"

namespace raftlab::kv {

void Coordinator::AddGroup(engine::GroupEngine* engine) {
  std::lock_guard lock(mu_);
  engines_[engine->group_id()] = engine;
}

absl::StatusOr<Coordinator::Target> Coordinator::ForKey(std::string_view key) const {
  std::lock_guard lock(mu_);
  const Route& route = table_.Lookup(key);
  auto it = engines_.find(route.group_id);
  if (it == engines_.end()) {
    return absl::UnavailableError("group " + std::to_string(route.group_id) + " is not hosted here");
  }
  return Target{route, it->second};
}

absl::StatusOr<Coordinator::Target> Coordinator::ForKeys(const std::vector<std::string>& keys) const {
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
  auto it = engines_.find(first.group_id);
  if (it == engines_.end()) {
    return absl::UnavailableError("group " + std::to_string(first.group_id) + " is not hosted here");
  }
  return Target{first, it->second};
}

absl::StatusOr<std::vector<Coordinator::Target>> Coordinator::ForRange(std::string_view start,
                                                                       std::string_view end) const {
  std::lock_guard lock(mu_);
  std::vector<Target> out;
  for (const Route& r : table_.Overlapping(start, end)) {
    auto it = engines_.find(r.group_id);
    if (it == engines_.end()) {
      return absl::UnavailableError("group " + std::to_string(r.group_id) + " is not hosted here");
    }
    out.push_back({r, it->second});
  }
  return out;
}

engine::GroupEngine* Coordinator::Group(uint64_t group_id) const {
  std::lock_guard lock(mu_);
  auto it = engines_.find(group_id);
  return it == engines_.end() ? nullptr : it->second;
}

std::vector<engine::GroupEngine*> Coordinator::Engines() const {
  std::lock_guard lock(mu_);
  std::vector<engine::GroupEngine*> out;
  for (auto& [id, e] : engines_) out.push_back(e);
  return out;
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
