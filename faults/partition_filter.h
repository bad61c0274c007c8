#pragma once
// PartitionFilter: the set of peers whose raft traffic this node drops, in both directions.
//
// The transport asks Blocked(peer) before sending a batch and when a batch arrives; the Admin
// API's SetPartition/Heal replace the set. Dropping on both sides of every link makes a
// partition symmetric even when only one node was told about it.
//
// Thread-safe: Blocked() is called on every batch from transport threads; it takes a
// shared lock only.

#include <cstdint>
#include <set>
#include <shared_mutex>
#include <vector>

namespace raftlab::faults {

class PartitionFilter {
 public:
  // Replaces the isolated set.
  void Set(const std::vector<uint64_t>& isolated_peers);
  // Removes every partition.
  void Heal();
  bool Blocked(uint64_t peer) const;
  std::vector<uint64_t> Isolated() const;

 private:
  mutable std::shared_mutex mu_;
  std::set<uint64_t> isolated_;  // guarded by mu_
};

}  // namespace raftlab::faults
