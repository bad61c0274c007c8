#pragma once
// CatchUpWatch: after the final heal every node must apply what its group had committed when
// the cluster healed. A node whose applied index stays below that for longer than a bound
// is a follower that never catches up (an availability finding): a peer the leader stopped
// replicating to, e.g. one left waiting for a snapshot whose send was dropped unreported.
//
// Pure: fed polls of the nodes' Admin Status by WatchCatchUp (or a test), it decides.
// Threads: one caller.

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "harness/cluster.h"

namespace raftlab::harness {

// One node's view of one group at one poll.
struct GroupProgress {
  uint64_t node = 0;
  uint64_t group = 0;
  uint64_t commit = 0;
  uint64_t applied = 0;
};

class CatchUpWatch {
 public:
  explicit CatchUpWatch(double bound_s) : bound_s_(bound_s) {}

  // One poll at `at_s` seconds (any origin, increasing). A group's target is the highest
  // commit index any node reported for it in the first poll that showed the group.
  void Observe(double at_s, const std::vector<GroupProgress>& poll);
  // Every (node, group) seen so far has applied its group's target.
  bool AllCaughtUp() const;
  // The bound has passed since the first poll.
  bool Expired() const;
  // One sentence per (node, group) still below its target once the bound has passed.
  std::vector<std::string> Findings() const;

 private:
  struct Behind {
    uint64_t applied = 0;
    bool caught_up = false;
  };
  const double bound_s_;
  double first_s_ = -1, last_s_ = -1;
  std::map<uint64_t, uint64_t> target_;                      // group -> commit index
  std::map<std::pair<uint64_t, uint64_t>, Behind> nodes_;  // (node, group)
};

// Polls every running node's status every `every_ms` until each has caught up or
// `bound_s` has passed; returns the findings.
std::vector<std::string> WatchCatchUp(LocalCluster& cluster, double bound_s, int every_ms = 200);

}  // namespace raftlab::harness
