#pragma once
// ReadOnly: the leader's queue of ReadIndex requests waiting for leadership confirmation.
//
// A request arriving at commit index c is tagged with the next heartbeat round r the
// leader will send. Once a quorum of voters acknowledged a round >= r in the current term,
// no other leader can have committed anything beyond c when the request arrived, so c is
// a safe read index (Raft thesis §6.4). Rounds only grow within a term, so requests are
// released in FIFO order. Owned by one Raft object; single-threaded.

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

namespace raftlab::raft {

struct ReadRequest {
  std::string context;  // the caller's request id, echoed in the answer
  uint64_t from = 0;    // who asked: this node or a follower that forwarded it
  uint64_t index = 0;   // commit index when the request arrived
  uint64_t round = 0;   // heartbeat round that must be acked by a quorum
};

class ReadOnly {
 public:
  void Add(ReadRequest req) { queue_.push_back(std::move(req)); }
  // Pops every request whose round is <= acked_round.
  std::vector<ReadRequest> Release(uint64_t acked_round);
  bool empty() const { return queue_.empty(); }
  size_t size() const { return queue_.size(); }
  void Reset() { queue_.clear(); }

 private:
  std::deque<ReadRequest> queue_;
};

}  // namespace raftlab::raft
