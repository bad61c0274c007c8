#include "faults/partition_filter.h"

#include <mutex>

namespace raftlab::faults {

const char* ToString(PartitionDirection direction) {
  switch (direction) {
    case PartitionDirection::kBoth: return "both";
    case PartitionDirection::kInbound: return "inbound";
    case PartitionDirection::kOutbound: return "outbound";
  }
  return "unknown";
}

void PartitionFilter::Set(const std::vector<uint64_t>& isolated_peers, PartitionDirection direction) {
  std::unique_lock lock(mu_);
  isolated_ = std::set<uint64_t>(isolated_peers.begin(), isolated_peers.end());
  direction_ = direction;
}

void PartitionFilter::Heal() {
  std::unique_lock lock(mu_);
  isolated_.clear();
  direction_ = PartitionDirection::kBoth;
}

bool PartitionFilter::DropsInbound(uint64_t peer) const {
  std::shared_lock lock(mu_);
  return direction_ != PartitionDirection::kOutbound && isolated_.count(peer) > 0;
}

bool PartitionFilter::DropsOutbound(uint64_t peer) const {
  std::shared_lock lock(mu_);
  return direction_ != PartitionDirection::kInbound && isolated_.count(peer) > 0;
}

std::vector<uint64_t> PartitionFilter::Isolated() const {
  std::shared_lock lock(mu_);
  return {isolated_.begin(), isolated_.end()};
}

PartitionDirection PartitionFilter::direction() const {
  std::shared_lock lock(mu_);
  return direction_;
}

}  // namespace raftlab::faults
