#pragma once
// LinkFaults: per-peer misbehaviour of this node's outbound raft traffic: a delay before
// each batch, and chances to drop or to send a batch twice. The transport asks Decide(peer)
// once per batch; the Admin API's SetLinkFaults replaces the table. Unlike the partition
// filter this acts on one direction of one link, so a test can make A->B slow and lossy
// while B->A stays clean.
//
// Thread-safe: Decide() is called from every lane's sender thread.

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace raftlab::faults {

struct LinkFault {
  uint64_t peer = 0;
  std::chrono::milliseconds delay{0};
  double drop_probability = 0;
  double duplicate_probability = 0;
  // The dispatcher lanes (transport/lanes.h names) it acts on; empty = every lane.
  std::vector<std::string> lanes;
};

// Whether `fault` acts on batches of `lane`.
bool AppliesToLane(const LinkFault& fault, std::string_view lane);

// What to do with one batch.
struct LinkDecision {
  bool drop = false;
  bool duplicate = false;
  std::chrono::milliseconds delay{0};
};

class LinkFaults {
 public:
  explicit LinkFaults(uint64_t seed = 1) : rng_(seed) {}
  // Replaces every link fault; an empty list heals all links.
  void Set(const std::vector<LinkFault>& links);
  std::vector<LinkFault> Get() const;
  // What to do with one batch to `peer` on `lane`.
  LinkDecision Decide(uint64_t peer, std::string_view lane);

 private:
  mutable std::mutex mu_;
  std::map<uint64_t, LinkFault> links_;  // guarded by mu_
  std::mt19937_64 rng_;                  // guarded by mu_
};

}  // namespace raftlab::faults
