#pragma once
// Dispatcher lanes: how outbound Raft traffic to one peer is split into independent FIFO
// queues, so a slow class of traffic (a snapshot, a long MsgApp) cannot hold up another
// (heartbeats, and with 4 lanes, replication behind a snapshot).
//
//   2 lanes (default): heartbeat (512)  heartbeats, votes, pre-votes, read-index,
//                                       timeout-now, forget-leader
//                      normal    (1024) everything else
//   4 lanes:           heartbeat (512), replication (1024: MsgApp/MsgAppResp),
//                      snapshot  (4: MsgSnap), other (16: MsgProp, MsgTransferLeader)
//
// The split follows raftpb::Info(type).traffic, so a new message type is classified once,
// in proto/raft_message_types.cc. Lane choice is per process and needs nothing from peers:
// switching layouts between restarts is safe.

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "proto/raft_message_types.h"

namespace raftlab::transport {

enum class LaneLayout { kTwoLanes = 2, kFourLanes = 4 };

struct LaneSpec {
  std::string_view name;  // the `lane` label of metrics and of MessageBatch
  std::size_t capacity;   // messages waiting to be sent; more are dropped
};

// The lanes of a layout, in index order (index 0 is always heartbeat).
std::span<const LaneSpec> LanesOf(LaneLayout layout);

// The index into LanesOf(layout) for a message type, or nullopt for local-only types,
// which never cross the wire.
std::optional<std::size_t> LaneFor(LaneLayout layout, raftpb::MessageType type);

// Whether `name` is a lane of either layout (what a link fault's lane list may name).
bool IsLaneName(std::string_view name);
inline constexpr std::string_view kLaneNamesHelp = "heartbeat, normal, replication, snapshot or other";

// The value of --dispatcher-lanes / RAFTLAB_RAFT_DISPATCHER_LANES parsed: "2" or "4".
// Anything else gives 2 lanes and a warning that names the value and where it came from.
struct LaneLayoutChoice {
  LaneLayout layout = LaneLayout::kTwoLanes;
  std::string warning;  // empty when the value was valid
};
LaneLayoutChoice ParseDispatcherLanes(std::string_view value, std::string_view source);

inline constexpr std::string_view kDispatcherLanesEnv = "RAFTLAB_RAFT_DISPATCHER_LANES";
inline constexpr std::string_view kDispatcherLanesFlag = "--dispatcher-lanes";

// The flag's value when given, else the environment variable when set, else 2 lanes. The
// caller logs a non-empty warning (this library does not log).
LaneLayoutChoice ResolveDispatcherLanes(const std::optional<std::string>& flag_value);

}  // namespace raftlab::transport
