#include "server/raft/read_only.h"

namespace raftlab::raft {

std::vector<ReadRequest> ReadOnly::Release(uint64_t acked_round) {
  std::vector<ReadRequest> out;
  while (!queue_.empty() && queue_.front().round <= acked_round) {
    out.push_back(std::move(queue_.front()));
    queue_.pop_front();
  }
  return out;
}

}  // namespace raftlab::raft
