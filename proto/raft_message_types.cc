#include "proto/raft_message_types.h"

#include <array>
#include <cstdio>
#include <cstdlib>

namespace raftlab::raftpb {
namespace {

using TC = TrafficClass;

constexpr std::array<MessageTypeInfo, 24> kTypes{{
    {MsgHup, "MsgHup", true, false, TC::kLocal},
    {MsgBeat, "MsgBeat", true, false, TC::kLocal},
    {MsgProp, "MsgProp", false, false, TC::kOther},
    {MsgApp, "MsgApp", false, false, TC::kReplication},
    {MsgAppResp, "MsgAppResp", false, true, TC::kReplication},
    {MsgVote, "MsgVote", false, false, TC::kHeartbeat},
    {MsgVoteResp, "MsgVoteResp", false, true, TC::kHeartbeat},
    {MsgSnap, "MsgSnap", false, false, TC::kSnapshot},
    {MsgHeartbeat, "MsgHeartbeat", false, false, TC::kHeartbeat},
    {MsgHeartbeatResp, "MsgHeartbeatResp", false, true, TC::kHeartbeat},
    {MsgUnreachable, "MsgUnreachable", true, false, TC::kLocal},
    {MsgSnapStatus, "MsgSnapStatus", true, false, TC::kLocal},
    {MsgCheckQuorum, "MsgCheckQuorum", true, false, TC::kLocal},
    {MsgTransferLeader, "MsgTransferLeader", false, false, TC::kOther},
    {MsgTimeoutNow, "MsgTimeoutNow", false, false, TC::kHeartbeat},
    {MsgReadIndex, "MsgReadIndex", false, false, TC::kHeartbeat},
    {MsgReadIndexResp, "MsgReadIndexResp", false, true, TC::kHeartbeat},
    {MsgPreVote, "MsgPreVote", false, false, TC::kHeartbeat},
    {MsgPreVoteResp, "MsgPreVoteResp", false, true, TC::kHeartbeat},
    {MsgStorageAppend, "MsgStorageAppend", true, false, TC::kLocal},
    {MsgStorageAppendResp, "MsgStorageAppendResp", true, true, TC::kLocal},
    {MsgStorageApply, "MsgStorageApply", true, false, TC::kLocal},
    {MsgStorageApplyResp, "MsgStorageApplyResp", true, true, TC::kLocal},
    {MsgForgetLeader, "MsgForgetLeader", false, false, TC::kHeartbeat},
}};

}  // namespace

std::span<const MessageTypeInfo> AllMessageTypes() { return kTypes; }

const MessageTypeInfo& Info(MessageType type) {
  const auto i = static_cast<std::size_t>(type);
  if (i >= kTypes.size() || kTypes[i].type != type) {
    std::fprintf(stderr, "raftpb: unknown message type %d\n", static_cast<int>(type));
    std::abort();
  }
  return kTypes[i];
}

}  // namespace raftlab::raftpb
