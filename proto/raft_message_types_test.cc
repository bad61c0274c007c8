// The message-type table in raft_message_types.cc matches the MessageType enum exactly.

#include "proto/raft_message_types.h"

#include <gtest/gtest.h>

#include <set>

namespace raftlab::raftpb {
namespace {

TEST(RaftMessageTypes, TableCoversEveryEnumValueInOrder) {
  const auto* e = MessageType_descriptor();
  const auto table = AllMessageTypes();
  ASSERT_EQ(static_cast<int>(table.size()), e->value_count())
      << "raft.proto and raft_message_types.cc disagree on how many message types exist";
  for (int i = 0; i < e->value_count(); ++i) {
    const auto* v = e->value(i);
    EXPECT_EQ(static_cast<int>(table[i].type), v->number()) << v->name();
    EXPECT_EQ(table[i].name, v->name());
    EXPECT_EQ(&Info(static_cast<MessageType>(v->number())), &table[i]);
  }
}

TEST(RaftMessageTypes, ThereAreTheTwentyFourEtcdTypes) {
  EXPECT_EQ(AllMessageTypes().size(), 24u);
  EXPECT_EQ(MessageType_MIN, MsgHup);
  EXPECT_EQ(MessageType_MAX, MsgForgetLeader);
  EXPECT_EQ(static_cast<int>(MsgForgetLeader), 23);
}

TEST(RaftMessageTypes, LocalTypesHaveTheLocalTrafficClassAndNoOthers) {
  const std::set<MessageType> local = {MsgHup,           MsgBeat,         MsgUnreachable,
                                       MsgSnapStatus,    MsgCheckQuorum,  MsgStorageAppend,
                                       MsgStorageAppendResp, MsgStorageApply, MsgStorageApplyResp};
  for (const auto& info : AllMessageTypes()) {
    const bool is_local = local.count(info.type) > 0;
    EXPECT_EQ(info.local_only, is_local) << info.name;
    EXPECT_EQ(info.traffic == TrafficClass::kLocal, is_local) << info.name;
  }
}

TEST(RaftMessageTypes, EveryResponseTypeIsNamedResp) {
  for (const auto& info : AllMessageTypes()) {
    const bool named_resp = info.name.ends_with("Resp");
    EXPECT_EQ(info.response, named_resp) << info.name;
  }
}

TEST(RaftMessageTypes, DispatcherClassesFollowTheDesign) {
  EXPECT_EQ(Info(MsgApp).traffic, TrafficClass::kReplication);
  EXPECT_EQ(Info(MsgAppResp).traffic, TrafficClass::kReplication);
  EXPECT_EQ(Info(MsgSnap).traffic, TrafficClass::kSnapshot);
  for (auto t : {MsgHeartbeat, MsgHeartbeatResp, MsgVote, MsgVoteResp, MsgPreVote,
                 MsgPreVoteResp, MsgReadIndex, MsgReadIndexResp, MsgTimeoutNow}) {
    EXPECT_EQ(Info(t).traffic, TrafficClass::kHeartbeat) << Info(t).name;
  }
}

}  // namespace
}  // namespace raftlab::raftpb
