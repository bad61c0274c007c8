#include "faults/partition_filter.h"

#include <mutex>

namespace raftlab::faults {

void PartitionFilter::Set(const std::vector<uint64_t>& isolated_peers) {
  std::unique_lock lock(mu_);
  isolated_ = std::set<uint64_t>(isolated_peers.begin(), isolated_peers.end());
}

void PartitionFilter::Heal() {
  std::unique_lock lock(mu_);
  isolated_.clear();
}

bool PartitionFilter::Blocked(uint64_t peer) const {
  std::shared_lock lock(mu_);
  return isolated_.count(peer) > 0;
}

std::vector<uint64_t> PartitionFilter::Isolated() const {
  std::shared_lock lock(mu_);
  return {isolated_.begin(), isolated_.end()};
}

}  // namespace raftlab::faults
