#include "server/api/client/call_status.h"

#include <gtest/gtest.h>

#include "kv.pb.h"

namespace raftlab::client {
namespace {

TEST(CallStatus, RejectionsAreDefinite) {
  for (auto code : {grpc::StatusCode::INVALID_ARGUMENT, grpc::StatusCode::PERMISSION_DENIED,
                    grpc::StatusCode::FAILED_PRECONDITION}) {
    EXPECT_EQ(ClassifyCode(code), Certainty::kDefinite) << code;
  }
}

TEST(CallStatus, LostOrUnfinishedCallsAreIndeterminate) {
  for (auto code : {grpc::StatusCode::DEADLINE_EXCEEDED, grpc::StatusCode::UNAVAILABLE,
                    grpc::StatusCode::CANCELLED, grpc::StatusCode::INTERNAL, grpc::StatusCode::UNKNOWN}) {
    EXPECT_EQ(ClassifyCode(code), Certainty::kIndeterminate) << code;
  }
}

TEST(CallStatus, FromGrpcKeepsCodeNamesEndpointAndTags) {
  absl::Status s = FromGrpc(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "empty key"), "127.0.0.1:7001");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "127.0.0.1:7001: empty key");
  EXPECT_TRUE(IsDefiniteFailure(s));
  EXPECT_FALSE(IsIndeterminate(s));
}

TEST(CallStatus, ACallThatFoundNoConnectionIsDefinite) {
  grpc::Status refused(grpc::StatusCode::UNAVAILABLE,
                       "failed to connect to all addresses; last error: UNKNOWN: Connection refused");
  EXPECT_TRUE(NeverSent(refused));
  EXPECT_TRUE(IsDefiniteFailure(FromGrpc(refused, "a:1")));
  grpc::Status lost(grpc::StatusCode::UNAVAILABLE, "Socket closed");
  EXPECT_FALSE(NeverSent(lost));
  EXPECT_TRUE(IsIndeterminate(FromGrpc(lost, "a:1")));
}

TEST(CallStatus, UntaggedErrorsAreIndeterminate) {
  EXPECT_TRUE(IsIndeterminate(absl::InvalidArgumentError("built elsewhere")));
  EXPECT_FALSE(IsIndeterminate(absl::OkStatus()));
  EXPECT_FALSE(IsDefiniteFailure(absl::OkStatus()));
}

TEST(CallStatus, NotLeaderHintFromErrorDetails) {
  kv::NotLeader detail;
  detail.set_group_id(4);
  detail.set_leader_id(2);
  detail.set_leader_address("127.0.0.1:7002");
  grpc::Status s(grpc::StatusCode::FAILED_PRECONDITION, "not leader", detail.SerializeAsString());
  auto hint = NotLeaderHint(s, {});
  ASSERT_TRUE(hint.has_value());
  EXPECT_EQ(hint->group_id, 4u);
  EXPECT_EQ(hint->leader_id, 2u);
  EXPECT_EQ(hint->leader_address, "127.0.0.1:7002");
}

TEST(CallStatus, NotLeaderHintFromTrailingMetadata) {
  TrailingMetadata trailers{{"raftlab-leader-id", "3"}, {"raftlab-leader-address", "10.0.0.3:7003"}};
  auto hint = NotLeaderHint(grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, "not leader"), trailers);
  ASSERT_TRUE(hint.has_value());
  EXPECT_EQ(hint->leader_id, 3u);
  EXPECT_EQ(hint->leader_address, "10.0.0.3:7003");
}

TEST(CallStatus, OtherStatusesHaveNoHint) {
  EXPECT_FALSE(NotLeaderHint(grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, "other"), {}));
  TrailingMetadata trailers{{"raftlab-leader-id", "3"}};
  EXPECT_FALSE(NotLeaderHint(grpc::Status(grpc::StatusCode::UNAVAILABLE, "x"), trailers));
}

}  // namespace
}  // namespace raftlab::client
