#include "server/raft/config.h"

#include <string>

#include "server/raft/errors.h"

namespace raftlab::raft {

absl::Status Config::Validate() {
  if (id == 0) return MakeError(RaftError::kInvalidConfig, "Config.id must be non-zero");
  if (heartbeat_tick <= 0) {
    return MakeError(RaftError::kInvalidConfig, "Config.heartbeat_tick must be positive, got " +
                                                    std::to_string(heartbeat_tick));
  }
  if (election_tick <= heartbeat_tick) {
    return MakeError(RaftError::kInvalidConfig,
                     "Config.election_tick (" + std::to_string(election_tick) +
                         ") must exceed heartbeat_tick (" + std::to_string(heartbeat_tick) + ")");
  }
  if (storage == nullptr) return MakeError(RaftError::kInvalidConfig, "Config.storage is null");
  if (max_inflight_msgs <= 0) {
    return MakeError(RaftError::kInvalidConfig, "Config.max_inflight_msgs must be positive, got " +
                                                    std::to_string(max_inflight_msgs));
  }
  if (max_committed_size_per_ready == 0) max_committed_size_per_ready = max_size_per_msg;
  if (rng_seed == 0) rng_seed = id;
  return absl::OkStatus();
}

}  // namespace raftlab::raft
