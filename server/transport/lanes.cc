#include "server/transport/lanes.h"

#include <array>
#include <cstdlib>

namespace raftlab::transport {
namespace {

constexpr std::array<LaneSpec, 2> kTwo{{{"heartbeat", 512}, {"normal", 1024}}};
constexpr std::array<LaneSpec, 4> kFour{
    {{"heartbeat", 512}, {"replication", 1024}, {"snapshot", 4}, {"other", 16}}};

}  // namespace

std::span<const LaneSpec> LanesOf(LaneLayout layout) {
  if (layout == LaneLayout::kFourLanes) return kFour;
  return kTwo;
}

bool IsLaneName(std::string_view name) {
  for (LaneLayout layout : {LaneLayout::kTwoLanes, LaneLayout::kFourLanes}) {
    for (const LaneSpec& lane : LanesOf(layout)) {
      if (lane.name == name) return true;
    }
  }
  return false;
}

std::optional<std::size_t> LaneFor(LaneLayout layout, raftpb::MessageType type) {
  using raftpb::TrafficClass;
  const TrafficClass traffic = raftpb::Info(type).traffic;
  if (traffic == TrafficClass::kLocal) return std::nullopt;
  if (traffic == TrafficClass::kHeartbeat) return 0;
  if (layout == LaneLayout::kTwoLanes) return 1;
  switch (traffic) {
    case TrafficClass::kReplication:
      return 1;
    case TrafficClass::kSnapshot:
      return 2;
    default:
      return 3;
  }
}

LaneLayoutChoice ParseDispatcherLanes(std::string_view value, std::string_view source) {
  if (value == "2") return {LaneLayout::kTwoLanes, ""};
  if (value == "4") return {LaneLayout::kFourLanes, ""};
  std::string warning(source);
  warning.append("=\"").append(value).append("\" is not 2 or 4; using 2 dispatcher lanes");
  return {LaneLayout::kTwoLanes, std::move(warning)};
}

LaneLayoutChoice ResolveDispatcherLanes(const std::optional<std::string>& flag_value) {
  if (flag_value.has_value()) return ParseDispatcherLanes(*flag_value, kDispatcherLanesFlag);
  if (const char* env = std::getenv(std::string(kDispatcherLanesEnv).c_str()); env != nullptr) {
    return ParseDispatcherLanes(env, kDispatcherLanesEnv);
  }
  return {};
}

}  // namespace raftlab::transport
