#include "server/api/client/admin_client.h"

#include <gtest/gtest.h>

#include "server/api/client/call_status.h"
#include "server/api/client/fake_node.h"

namespace raftlab::client {
namespace {

using testing::FakeNode;

std::unique_ptr<AdminClient> ClientFor(std::vector<std::string> endpoints) {
  auto client = AdminClient::Create(AdminClientOptions{std::move(endpoints), std::chrono::milliseconds(5000), 3});
  EXPECT_TRUE(client.ok()) << client.status();
  return std::move(*client);
}

TEST(AdminClient, StatusReportsTheNodeAndItsGroups) {
  FakeNode node(7);
  auto client = ClientFor({node.address()});
  auto status = client->Status(node.address());
  ASSERT_TRUE(status.ok()) << status.status();
  EXPECT_EQ(status->node_id(), 7u);
  ASSERT_EQ(status->groups_size(), 1);
  EXPECT_EQ(status->groups(0).leader_id(), 7u);
}

TEST(AdminClient, FaultPartitionClockAndSnapshotRequestsArriveIntact) {
  FakeNode node(1);
  auto client = ClientFor({node.address()});
  admin::EnableFaultRequest fault;
  fault.set_name("raftlab/wal/fsync");
  fault.set_probability(0.5);
  ASSERT_TRUE(client->EnableFault(node.address(), fault).ok());
  ASSERT_TRUE(client->DisableFault(node.address(), "raftlab/wal/fsync").ok());
  ASSERT_TRUE(client->SetPartition(node.address(), {2, 3}).ok());
  ASSERT_TRUE(client->Heal(node.address()).ok());
  ASSERT_TRUE(client->SetClock(node.address(), -5000000, 1.5).ok());
  ASSERT_TRUE(client->TriggerSnapshot(node.address(), 4).ok());
  ASSERT_TRUE(client->SplitRange(node.address(), "m").ok());
  EXPECT_EQ(node.AdminLog(),
            (std::vector<std::string>{"EnableFault raftlab/wal/fsync p=0.500000", "DisableFault raftlab/wal/fsync",
                                      "SetPartition 2 3", "Heal", "SetClock -5000000 1.500000", "TriggerSnapshot 4",
                                      "SplitRange m"}));
  auto faults = client->ListFaults(node.address());
  ASSERT_TRUE(faults.ok());
  EXPECT_EQ(faults->points(0).name(), "raftlab/wal/fsync");
  EXPECT_TRUE(client->GetRouteTable(node.address()).ok());
  EXPECT_TRUE(client->GetKeyVizMatrix(node.address()).ok());
}

TEST(AdminClient, PermissionDeniedIsDefiniteAndKeepsTheServerMessage) {
  FakeNode node(1);
  node.FailWith(grpc::StatusCode::PERMISSION_DENIED, "start the server with --allow-faults");
  auto client = ClientFor({node.address()});
  auto r = client->SetClock(node.address(), 0, 1.0);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_TRUE(IsDefiniteFailure(r.status()));
  EXPECT_NE(r.status().message().find("--allow-faults"), std::string::npos);
}

TEST(AdminClient, TransferLeaderFollowsTheLeaderHint) {
  FakeNode follower(1), leader(2);
  follower.RedirectTo(2, leader.address());
  auto client = ClientFor({follower.address()});
  auto r = client->TransferLeader(1, 3);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(leader.AdminLog(), std::vector<std::string>{"TransferLeader 1 3"});
  EXPECT_TRUE(follower.AdminLog().empty());
}

}  // namespace
}  // namespace raftlab::client
