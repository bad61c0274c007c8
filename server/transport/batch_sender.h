#pragma once
// What the dispatcher hands outbound Raft traffic to: one batch at a time per
// (peer, lane). The gRPC stream implements it in production; tests use a fake.

#include <cstdint>
#include <span>
#include <string_view>

#include "absl/status/status.h"
#include "raft.pb.h"

namespace raftlab::transport {

// One Raft message and the group it belongs to (transport.proto GroupMessage, unencoded).
struct OutboundMessage {
  uint64_t group_id = 0;
  raftpb::Message message;
};

class BatchSender {
 public:
  virtual ~BatchSender() = default;

  // Sends batch, in order, to node `peer` on lane `lane` (a LaneSpec name). Called by the
  // lane's worker thread: concurrently for different (peer, lane) pairs, never for the same
  // pair. May block (that is what lanes are for) but must return once the transport is shut
  // down. A non-OK status means none of the batch can be assumed delivered.
  virtual absl::Status Send(uint64_t peer, std::string_view lane,
                            std::span<const OutboundMessage> batch) = 0;
};

}  // namespace raftlab::transport
