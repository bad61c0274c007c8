#pragma once
// PartitionFilter: the peers whose raft traffic this node drops, and in which direction.
//
// The transport asks DropsOutbound(peer) before sending a batch and DropsInbound(peer) when
// a batch or snapshot arrives; the Admin API's SetPartition/Heal replace the set. A
// two-way cut (kBoth) drops on both sides of the link, so it is symmetric even when only
// one node was told about it. A one-way cut drops one direction only: kInbound on node A
// for peer B loses B->A and keeps A->B (A still leads, replicates and heartbeats B but
// hears no answer). One direction per node is enough for any directed grudge: "A never
// hears B" is kInbound for B on A, whatever else A drops.
//
// Thread-safe: the Drops* checks are called on every batch from transport threads; they
// take a shared lock only.

#include <cstdint>
#include <set>
#include <shared_mutex>
#include <string>
#include <vector>

namespace raftlab::faults {

enum class PartitionDirection {
  kBoth,      // drop traffic to and from the peers
  kInbound,   // drop only what the peers send to this node
  kOutbound,  // drop only what this node sends to the peers
};

const char* ToString(PartitionDirection direction);

class PartitionFilter {
 public:
  // Replaces the isolated set and its direction.
  void Set(const std::vector<uint64_t>& isolated_peers,
           PartitionDirection direction = PartitionDirection::kBoth);
  // Removes every partition.
  void Heal();
  // Whether traffic from `peer` to this node is dropped.
  bool DropsInbound(uint64_t peer) const;
  // Whether traffic from this node to `peer` is dropped.
  bool DropsOutbound(uint64_t peer) const;
  std::vector<uint64_t> Isolated() const;
  PartitionDirection direction() const;

 private:
  mutable std::shared_mutex mu_;
  std::set<uint64_t> isolated_;                                // guarded by mu_
  PartitionDirection direction_ = PartitionDirection::kBoth;  // guarded by mu_
};

}  // namespace raftlab::faults
