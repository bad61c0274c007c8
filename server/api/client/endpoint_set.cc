#include "server/api/client/endpoint_set.h"

#include <algorithm>

namespace raftlab::client {

EndpointSet::EndpointSet(std::vector<std::string> endpoints) : endpoints_(std::move(endpoints)) {}

std::string EndpointSet::Preferred() const {
  std::lock_guard lock(mu_);
  return leader_.empty() ? endpoints_.front() : leader_;
}

std::string EndpointSet::After(const std::string& address) const {
  auto it = std::find(endpoints_.begin(), endpoints_.end(), address);
  if (it == endpoints_.end() || ++it == endpoints_.end()) return endpoints_.front();
  return *it;
}

std::string EndpointSet::Leader() const {
  std::lock_guard lock(mu_);
  return leader_;
}

void EndpointSet::RememberLeader(const std::string& address) {
  std::lock_guard lock(mu_);
  leader_ = address;
}

void EndpointSet::ForgetLeader(const std::string& address) {
  std::lock_guard lock(mu_);
  if (leader_ == address) leader_.clear();
}

}  // namespace raftlab::client
