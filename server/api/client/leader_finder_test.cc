#include "server/api/client/leader_finder.h"

#include <gtest/gtest.h>

#include "server/api/client/fake_node.h"

namespace raftlab::client {
namespace {

using testing::FakeNode;

std::unique_ptr<AdminClient> ClientFor(std::vector<std::string> endpoints) {
  auto client = AdminClient::Create(AdminClientOptions{std::move(endpoints), std::chrono::milliseconds(5000), 3});
  EXPECT_TRUE(client.ok()) << client.status();
  return std::move(*client);
}

TEST(LeaderFinder, FindsTheEndpointOfTheLeaderNode) {
  FakeNode a(1), b(2), c(3);
  for (FakeNode* n : {&a, &b, &c}) n->ReportLeader(3);
  auto admin = ClientFor({a.address(), b.address(), c.address()});
  auto leader = FindLeaderEndpoint(*admin, 1);
  ASSERT_TRUE(leader.ok()) << leader.status();
  EXPECT_EQ(*leader, c.address());
}

TEST(LeaderFinder, ALeaderOutsideTheEndpointsIsAnError) {
  FakeNode a(1);
  a.ReportLeader(5);
  auto admin = ClientFor({a.address()});
  auto leader = FindLeaderEndpoint(*admin, 1);
  ASSERT_FALSE(leader.ok());
  EXPECT_NE(leader.status().message().find("node 5"), std::string::npos) << leader.status();
}

TEST(LeaderFinder, SkipsNodesThatDoNotAnswer) {
  FakeNode down(1), up(2);
  down.FailWith(grpc::StatusCode::UNAVAILABLE);
  auto admin = ClientFor({down.address(), up.address()});
  auto leader = FindLeaderEndpoint(*admin, 1);
  ASSERT_TRUE(leader.ok()) << leader.status();
  EXPECT_EQ(*leader, up.address());
  up.FailWith(grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(FindLeaderEndpoint(*admin, 1).status().code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace raftlab::client
