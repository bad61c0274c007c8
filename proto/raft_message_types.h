#pragma once
// The table of every Raft message type the code knows, with the properties the core and
// the dispatcher switch on. raft_message_types_test checks it against the MessageType enum
// in raft.proto, so adding a type to the proto without classifying it here fails the build's
// tests instead of silently falling into a default branch.

#include <span>
#include <string_view>

#include "raft.pb.h"

namespace raftlab::raftpb {

// Which dispatcher traffic class a message belongs to (DESIGN.md "Dispatcher").
enum class TrafficClass {
  kLocal,        // never crosses the wire
  kHeartbeat,    // heartbeats, votes, pre-votes, read-index, timeout-now, forget-leader
  kReplication,  // MsgApp / MsgAppResp
  kSnapshot,     // MsgSnap
  kOther,        // proposals forwarded to the leader, transfer requests
};

struct MessageTypeInfo {
  MessageType type;
  std::string_view name;
  // Produced and consumed inside one node (MsgHup, MsgBeat, reports, storage messages).
  bool local_only;
  // Answers another message (MsgAppResp, MsgVoteResp, ...).
  bool response;
  TrafficClass traffic;
};

// Every message type, in enum order.
std::span<const MessageTypeInfo> AllMessageTypes();

// The entry for type; aborts on a value outside the enum (a corrupt or foreign message).
const MessageTypeInfo& Info(MessageType type);

}  // namespace raftlab::raftpb
