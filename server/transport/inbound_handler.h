#pragma once
// Where the transport delivers Raft messages that arrived from peers.

#include <cstdint>

#include "raft.pb.h"

namespace raftlab::transport {

class InboundHandler {
 public:
  virtual ~InboundHandler() = default;

  // One message for group group_id, in arrival order per (peer, lane). Called on gRPC
  // callback threads, concurrently for different streams: it must be thread-safe and must
  // not block for long (the engine posts the message into the group's mailbox). A MsgSnap
  // arrives whole, with snapshot.data reassembled and CRC-checked.
  virtual void Deliver(uint64_t group_id, raftpb::Message&& msg) = 0;

  // Bracket the messages of one received batch (on the delivering thread): a handler may
  // hold back waking their groups until EndBatch, so that they are stepped together.
  virtual void BeginBatch() {}
  virtual void EndBatch() {}
};

}  // namespace raftlab::transport
