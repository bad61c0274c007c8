// Every Raft message type lands in the lane DESIGN.md gives it, in both layouts, and the lane
// count parses from the flag or the environment.

#include "server/transport/lanes.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <string>

namespace raftlab::transport {
namespace {

using namespace raftpb;  // NOLINT: the message type names read best unqualified here

// Expected lane names, written out rather than derived from the traffic table.
const std::map<MessageType, std::pair<std::string, std::string>>& Expected() {
  static const std::map<MessageType, std::pair<std::string, std::string>> kExpected = {
      {MsgProp, {"normal", "other"}},
      {MsgApp, {"normal", "replication"}},
      {MsgAppResp, {"normal", "replication"}},
      {MsgVote, {"heartbeat", "heartbeat"}},
      {MsgVoteResp, {"heartbeat", "heartbeat"}},
      {MsgSnap, {"normal", "snapshot"}},
      {MsgHeartbeat, {"heartbeat", "heartbeat"}},
      {MsgHeartbeatResp, {"heartbeat", "heartbeat"}},
      {MsgTransferLeader, {"normal", "other"}},
      {MsgTimeoutNow, {"heartbeat", "heartbeat"}},
      {MsgReadIndex, {"heartbeat", "heartbeat"}},
      {MsgReadIndexResp, {"heartbeat", "heartbeat"}},
      {MsgPreVote, {"heartbeat", "heartbeat"}},
      {MsgPreVoteResp, {"heartbeat", "heartbeat"}},
      {MsgForgetLeader, {"heartbeat", "heartbeat"}},
  };
  return kExpected;
}

std::string LaneName(LaneLayout layout, MessageType type) {
  const auto lane = LaneFor(layout, type);
  return lane.has_value() ? std::string(LanesOf(layout)[*lane].name) : "local";
}

TEST(Lanes, EveryMessageTypeIsClassifiedInBothLayouts) {
  int wire = 0;
  for (const MessageTypeInfo& info : AllMessageTypes()) {
    auto it = Expected().find(info.type);
    if (it == Expected().end()) {
      EXPECT_EQ(LaneName(LaneLayout::kTwoLanes, info.type), "local") << info.name;
      EXPECT_EQ(LaneName(LaneLayout::kFourLanes, info.type), "local") << info.name;
      EXPECT_TRUE(info.local_only) << info.name;
      continue;
    }
    ++wire;
    EXPECT_EQ(LaneName(LaneLayout::kTwoLanes, info.type), it->second.first) << info.name;
    EXPECT_EQ(LaneName(LaneLayout::kFourLanes, info.type), it->second.second) << info.name;
  }
  EXPECT_EQ(wire, static_cast<int>(Expected().size()));
}

TEST(Lanes, NamesAndCapacities) {
  const auto two = LanesOf(LaneLayout::kTwoLanes);
  ASSERT_EQ(two.size(), 2u);
  EXPECT_EQ(two[0].name, "heartbeat");
  EXPECT_EQ(two[0].capacity, 512u);
  EXPECT_EQ(two[1].name, "normal");
  EXPECT_EQ(two[1].capacity, 1024u);
  const auto four = LanesOf(LaneLayout::kFourLanes);
  ASSERT_EQ(four.size(), 4u);
  EXPECT_EQ(four[0].name, "heartbeat");
  EXPECT_EQ(four[0].capacity, 512u);
  EXPECT_EQ(four[1].name, "replication");
  EXPECT_EQ(four[1].capacity, 1024u);
  EXPECT_EQ(four[2].name, "snapshot");
  EXPECT_EQ(four[2].capacity, 4u);
  EXPECT_EQ(four[3].name, "other");
  EXPECT_EQ(four[3].capacity, 16u);
}

TEST(Lanes, IsLaneNameKnowsTheLanesOfBothLayoutsOnly) {
  for (std::string_view name : {"heartbeat", "normal", "replication", "snapshot", "other"}) {
    EXPECT_TRUE(IsLaneName(name)) << name;
  }
  EXPECT_FALSE(IsLaneName("Heartbeat"));
  EXPECT_FALSE(IsLaneName(""));
  EXPECT_FALSE(IsLaneName("vote"));
}

TEST(DispatcherLanesParse, TwoAndFourAreAccepted) {
  auto two = ParseDispatcherLanes("2", "--dispatcher-lanes");
  EXPECT_EQ(two.layout, LaneLayout::kTwoLanes);
  EXPECT_EQ(two.warning, "");
  auto four = ParseDispatcherLanes("4", "--dispatcher-lanes");
  EXPECT_EQ(four.layout, LaneLayout::kFourLanes);
  EXPECT_EQ(four.warning, "");
}

TEST(DispatcherLanesParse, AnythingElseIsTwoLanesWithAWarningNamingTheValue) {
  for (const char* value : {"", "3", "8", "four", " 4", "4 ", "04"}) {
    auto choice = ParseDispatcherLanes(value, "RAFTLAB_RAFT_DISPATCHER_LANES");
    EXPECT_EQ(choice.layout, LaneLayout::kTwoLanes) << value;
    EXPECT_NE(choice.warning.find(std::string("\"") + value + "\""), std::string::npos)
        << choice.warning;
    EXPECT_NE(choice.warning.find("RAFTLAB_RAFT_DISPATCHER_LANES"), std::string::npos);
  }
}

TEST(DispatcherLanesParse, FlagOverridesEnvironmentWhichOverridesDefault) {
  ::unsetenv("RAFTLAB_RAFT_DISPATCHER_LANES");
  EXPECT_EQ(ResolveDispatcherLanes(std::nullopt).layout, LaneLayout::kTwoLanes);
  ::setenv("RAFTLAB_RAFT_DISPATCHER_LANES", "4", 1);
  EXPECT_EQ(ResolveDispatcherLanes(std::nullopt).layout, LaneLayout::kFourLanes);
  EXPECT_EQ(ResolveDispatcherLanes(std::string("2")).layout, LaneLayout::kTwoLanes);
  ::setenv("RAFTLAB_RAFT_DISPATCHER_LANES", "x", 1);
  const auto bad_env = ResolveDispatcherLanes(std::nullopt);
  EXPECT_EQ(bad_env.layout, LaneLayout::kTwoLanes);
  EXPECT_NE(bad_env.warning.find("RAFTLAB_RAFT_DISPATCHER_LANES=\"x\""), std::string::npos);
  const auto bad_flag = ResolveDispatcherLanes(std::string("5"));
  EXPECT_NE(bad_flag.warning.find("--dispatcher-lanes=\"5\""), std::string::npos);
  ::unsetenv("RAFTLAB_RAFT_DISPATCHER_LANES");
}

}  // namespace
}  // namespace raftlab::transport
