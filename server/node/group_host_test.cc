#include "server/node/group_host.h"

#include <gtest/gtest.h>

#include "server/node/host_cluster_test_util.h"
#include "server/node/snapshot_reporting_sender.h"
#include "server/transport/fake_batch_sender.h"

namespace raftlab::node {
namespace {

using engine::ProposeResult;
using engine::ReadMode;
using engine::ReadPath;
using testing::HostCluster;
using testing::HostClusterOptions;

raftpb::Message Heartbeat(uint64_t from, uint64_t to, uint64_t term) {
  raftpb::Message m;
  m.set_type(raftpb::MsgHeartbeat);
  m.set_from(from);
  m.set_to(to);
  m.set_term(term);
  return m;
}

TEST(GroupHost, DeliversEachMessageToTheGroupItNames) {
  // One node of three, its peers absent and elections far off: only what the test
  // delivers moves a group's term.
  HostClusterOptions o;
  o.nodes = 1;
  o.groups = {1, 2};
  o.election_ticks = 5000;
  HostCluster c(o);
  GroupHost* h = c.host(1);
  ASSERT_TRUE(h->TryDeliver(2, Heartbeat(7, 1, 5)).ok());
  EXPECT_TRUE(HostCluster::WaitFor([&] { return h->Find(2)->leader_id() == 7; }));
  EXPECT_EQ(h->Find(2)->term(), 5u);
  EXPECT_EQ(h->Find(1)->leader_id(), 0u) << "group 1 saw group 2's heartbeat";
  EXPECT_LT(h->Find(1)->term(), 5u);
}

TEST(GroupHost, RefusesEveryRequestForAGroupItDoesNotHostNamingIt) {
  HostClusterOptions o;
  o.nodes = 1;
  o.groups = {1, 2};
  HostCluster c(o);
  GroupHost* h = c.host(1);
  auto expect_refused = [](const absl::Status& s, const char* what) {
    EXPECT_TRUE(absl::IsUnavailable(s)) << what << ": " << s;
    EXPECT_NE(s.message().find("group 9 is not hosted here"), std::string::npos)
        << what << ": " << s;
  };
  expect_refused(h->CheckHosted(9), "CheckHosted");
  expect_refused(h->TryDeliver(9, Heartbeat(2, 1, 5)), "TryDeliver");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  bool called = false;
  expect_refused(
      h->Read(9, {"k"}, ReadMode::kStale, deadline, [&](const ReadReply&) { called = true; }),
      "Read");
  expect_refused(
      h->Scan(9, "", "", 10, ReadMode::kStale, deadline, [&](const ScanReply&) { called = true; }),
      "Scan");
  expect_refused(h->Propose(9, storage::KvCommand::Put("k", "v"), deadline,
                            [&](const ProposeResult&, const GroupHeader&) { called = true; }),
                 "Propose");
  EXPECT_FALSE(called) << "a refused request's callback ran";
  EXPECT_TRUE(h->CheckHosted(2).ok());
  absl::Status again = h->OpenGroup(2);
  EXPECT_TRUE(absl::IsAlreadyExists(again)) << again;
}

TEST(GroupHost, ReadsReturnTheGroupsValuesInEveryMode) {
  HostClusterOptions o;
  o.groups = {1, 2};
  HostCluster c(o);
  const uint64_t l1 = c.WaitForLeader(1);
  const uint64_t l2 = c.WaitForLeader(2);
  ASSERT_NE(l1, 0u);
  ASSERT_NE(l2, 0u);
  ASSERT_EQ(c.Put(l1, 1, "k", "one").code, ProposeResult::Code::kApplied);
  ASSERT_EQ(c.Put(l2, 2, "k", "two").code, ProposeResult::Code::kApplied);
  const uint64_t follower = l1 % 3 + 1;
  auto stale_value = [&](uint64_t node, uint64_t group) {
    return c.Read(node, group, {"k"}, ReadMode::kStale).values;
  };
  using Values = std::vector<std::optional<std::string>>;

  struct Case {
    uint64_t node;
    ReadMode mode;
    std::vector<ReadPath> paths;  // the paths the mode may take there
  };
  const std::vector<Case> cases = {
      {l1, ReadMode::kLinearizable, {ReadPath::kReadIndex}},
      {follower, ReadMode::kLinearizable, {ReadPath::kReadIndex}},
      {l1, ReadMode::kLease, {ReadPath::kLease, ReadPath::kLeaseFallback}},
      {l1, ReadMode::kStale, {ReadPath::kStale}},
  };
  for (const Case& k : cases) {
    SCOPED_TRACE("node " + std::to_string(k.node) + " mode " +
                 std::to_string(static_cast<int>(k.mode)));
    // A stale read is served from whatever the replica applied: wait until it has the writes.
    if (k.mode == ReadMode::kStale) {
      ASSERT_TRUE(HostCluster::WaitFor([&] { return stale_value(k.node, 1) == Values{"one"}; }));
      ASSERT_TRUE(HostCluster::WaitFor([&] { return stale_value(k.node, 2) == Values{"two"}; }));
    }
    ReadReply r = c.Read(k.node, 1, {"k", "absent"}, k.mode);
    ASSERT_TRUE(r.status.ok()) << r.status;
    ASSERT_EQ(r.values.size(), 2u);
    EXPECT_EQ(r.values[0], std::optional<std::string>("one"));
    EXPECT_EQ(r.values[1], std::nullopt);
    EXPECT_NE(std::find(k.paths.begin(), k.paths.end(), r.path), k.paths.end())
        << "path " << static_cast<int>(r.path);
    EXPECT_EQ(r.header.group_id, 1u);
    EXPECT_EQ(r.header.term, c.host(k.node)->Find(1)->term());
    EXPECT_GE(r.header.applied_index, 1u);

    ReadReply other = c.Read(k.node, 2, {"k"}, k.mode);
    ASSERT_TRUE(other.status.ok()) << other.status;
    EXPECT_EQ(other.values, Values{"two"}) << "each group reads its own keys";
    EXPECT_EQ(other.header.group_id, 2u);

    ScanReply s = c.Scan(k.node, 1, "", "", 10, k.mode);
    ASSERT_TRUE(s.status.ok()) << s.status;
    ASSERT_EQ(s.kvs.size(), 1u);
    EXPECT_EQ(s.kvs[0], (std::pair<std::string, std::string>("k", "one")));
  }
}

TEST(GroupHost, AWriteOnAFollowerIsRefusedWithTheLeaderAsHint) {
  HostCluster c(HostClusterOptions{});
  const uint64_t leader = c.WaitForLeader(1);
  ASSERT_NE(leader, 0u);
  const uint64_t follower = leader % 3 + 1;
  const ProposeResult r = c.Put(follower, 1, "k", "v");
  EXPECT_EQ(r.code, ProposeResult::Code::kNotLeader);
  EXPECT_EQ(r.leader_hint, leader);
}

TEST(GroupHost, ARefusedSnapshotIsReportedSoTheLeaderSendsItAgain) {
  // Without the failure report the leader would wait in the snapshot state forever and the
  // follower would never catch up.
  HostClusterOptions o;
  o.snapshot_every = 20;
  o.compaction_lag = 5;
  HostCluster c(o);
  const uint64_t leader = c.WaitForLeader(1);
  ASSERT_NE(leader, 0u);
  const uint64_t follower = leader % 3 + 1;
  c.Cut(follower);
  for (int i = 0; i < 60; ++i) {
    ASSERT_EQ(c.Put(leader, 1, "key" + std::to_string(i), std::to_string(i)).code,
              ProposeResult::Code::kApplied);
  }
  // Snapshots are built off the Ready loop: the one after the 40th entry may still be finishing.
  ASSERT_TRUE(HostCluster::WaitFor([&] { return c.host(leader)->Find(1)->Status().snapshot_index >= 40; }))
      << "snapshot index " << c.host(leader)->Find(1)->Status().snapshot_index;
  c.RefuseSnapshotsTo(follower, 1);
  c.HealAll();
  EXPECT_TRUE(HostCluster::WaitFor([&] {
    return c.Read(follower, 1, {"key59"}, ReadMode::kStale).values ==
           std::vector<std::optional<std::string>>{"59"};
  }));
  const HostCluster::SnapshotCounts n = c.snapshots_to(follower);
  EXPECT_EQ(n.refused, 1);
  EXPECT_GE(n.delivered, 1);
}

TEST(SnapshotReportingSender, ReportsEachSnapshotOfABatchThatWasSentAndNoneOfAFailedOne) {
  transport::FakeBatchSender inner;
  std::vector<std::pair<uint64_t, uint64_t>> reported;  // (group, peer)
  SnapshotReportingSender sender(
      inner, [&](uint64_t group, uint64_t peer) { reported.emplace_back(group, peer); });
  auto message = [](raftpb::MessageType type, uint64_t index) {
    raftpb::Message m;
    m.set_type(type);
    m.set_to(3);
    m.set_index(index);
    return m;
  };
  std::vector<transport::OutboundMessage> batch = {{1, message(raftpb::MsgApp, 10)},
                                                   {2, message(raftpb::MsgSnap, 11)},
                                                   {4, message(raftpb::MsgSnap, 12)}};
  ASSERT_TRUE(sender.Send(3, "normal", batch).ok());
  EXPECT_EQ(reported, (std::vector<std::pair<uint64_t, uint64_t>>{{2, 3}, {4, 3}}));

  reported.clear();
  inner.FailBatchesWithIndex(21);
  std::vector<transport::OutboundMessage> failing = {{2, message(raftpb::MsgSnap, 21)}};
  EXPECT_FALSE(sender.Send(3, "normal", failing).ok());
  EXPECT_TRUE(reported.empty()) << "a failed send is reported by the dispatcher, as a failure";
}

}  // namespace
}  // namespace raftlab::node
