// Multi-process tests: a node that took a snapshot, or installed one from the leader, is
// killed with SIGKILL and restarted, as leader and as follower, with the state machine in
// each fsync mode. It must come back, serve what was written before, and keep up after.
// And a node whose WAL is damaged mid-segment refuses to start until it is repaired.

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "admin.grpc.pb.h"
#include "harness/cluster_test_fixture.h"
#include "kv.grpc.pb.h"
#include "server/api/client/channel_pool.h"
#include "server/storage/test_util.h"
#include "server/storage/wal_format.h"

namespace raftlab::harness {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

class RestartAfterSnapshot : public ClusterTest, public ::testing::WithParamInterface<const char*> {
 protected:
  ClusterOptions SnapshottingOptions(const std::string& name) {
    ClusterOptions o = Options(name + "-" + GetParam());
    o.snapshot_every = 20;
    o.settings.fsm_sync_mode = GetParam();
    return o;
  }

  // Puts key<i> = v<i> for i in [from, to) from `threads` concurrent writers. A put whose
  // outcome is unknown (e.g. a timeout while the cluster settles) is retried: it is idempotent.
  void PutRange(int from, int to, int threads = 1) {
    std::atomic<int> next{from};
    std::atomic<int> failures{0};
    std::vector<std::thread> writers;
    for (int t = 0; t < threads; ++t) {
      writers.emplace_back([&] {
        for (int i = next++; i < to; i = next++) {
          bool ok = false;
          for (int attempt = 0; attempt < 3 && !ok; ++attempt) {
            ok = kv_->Put("key" + std::to_string(i), "v" + std::to_string(i)).ok();
          }
          if (!ok) ++failures;
        }
      });
    }
    for (auto& w : writers) w.join();
    ASSERT_EQ(failures.load(), 0);
  }

  // Both ask over a connection of their own: the shared channels back off after a node dies
  // and keep failing fast for seconds after it is back.
  // Group 1 as node `id` reports it; empty when it does not answer.
  admin::GroupStatus Group(uint64_t id) {
    auto admin = admin::Admin::NewStub(client::MakeChannel(cluster_->endpoint(id), /*own_connection=*/true));
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + milliseconds(1000));
    admin::StatusResponse resp;
    if (!admin->Status(&ctx, admin::StatusRequest(), &resp).ok() || resp.groups_size() == 0) return {};
    return resp.groups(0);
  }
  uint64_t SnapshotIndex(uint64_t id) { return Group(id).snapshot_index(); }

  std::string StaleRead(uint64_t id, const std::string& key) {
    auto kv = kv::KV::NewStub(client::MakeChannel(cluster_->endpoint(id), /*own_connection=*/true));
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + milliseconds(1000));
    kv::GetRequest req;
    req.set_key(key);
    req.set_read_mode(kv::READ_MODE_STALE);
    kv::GetResponse resp;
    const grpc::Status s = kv->Get(&ctx, req, &resp);
    if (!s.ok()) return "<error: " + s.error_message() + ">";
    return resp.found() ? resp.value() : "<absent>";
  }

  // Why a node did not come back: how it ended and the end of its log.
  std::string Diagnose(uint64_t id) {
    std::ostringstream out;
    if (auto exit = cluster_->ExitOf(id)) out << "node " << id << " ended: " << exit->ToString() << "\n";
    std::ifstream log(cluster_->node(id).log_path);
    std::string line;
    std::vector<std::string> lines;
    while (std::getline(log, line)) lines.push_back(line);
    for (size_t i = lines.size() > 10 ? lines.size() - 10 : 0; i < lines.size(); ++i) {
      out << lines[i] << "\n";
    }
    return out.str();
  }

  // Kills `id` with SIGKILL, restarts it and waits until it serves `key` = `value` locally.
  void KillRestartAndExpectServing(uint64_t id, const std::string& key, const std::string& value) {
    ASSERT_TRUE(cluster_->Kill(id).ok());
    ASSERT_TRUE(cluster_->Restart(id).ok());
    EXPECT_TRUE(WaitFor([&] { return StaleRead(id, key) == value; }, seconds(10))) << Diagnose(id);
    EXPECT_TRUE(cluster_->Running(id)) << Diagnose(id);
  }
};

TEST_P(RestartAfterSnapshot, LeaderAndFollowerComeBackAfterLocalSnapshots) {
  ASSERT_NO_FATAL_FAILURE(StartCluster(SnapshottingOptions("local")));
  ASSERT_NO_FATAL_FAILURE(PutRange(0, 150));
  const uint64_t leader = cluster_->Leader().value_or(0);
  ASSERT_NE(leader, 0u);
  ASSERT_GE(SnapshotIndex(leader), 140u);
  ASSERT_NO_FATAL_FAILURE(KillRestartAndExpectServing(leader, "key149", "v149"));
  ASSERT_TRUE(cluster_->WaitHealthy(seconds(15)).ok());

  // A node that has followed all along (each node snapshots on its own).
  const uint64_t now_leader = cluster_->Leader().value_or(0);
  uint64_t follower = 0;
  for (uint64_t id : cluster_->ids()) {
    if (id != now_leader && id != leader) follower = id;
  }
  ASSERT_NE(follower, 0u);
  ASSERT_TRUE(WaitFor([&] { return SnapshotIndex(follower) >= 140; }, seconds(10)));
  ASSERT_NO_FATAL_FAILURE(KillRestartAndExpectServing(follower, "key149", "v149"));
  ASSERT_TRUE(cluster_->WaitHealthy(seconds(15)).ok());

  // Both still follow the log after their restart.
  ASSERT_TRUE(kv_->Put("after", "restart").ok());
  for (uint64_t id : {leader, follower}) {
    EXPECT_TRUE(WaitFor([&] { return StaleRead(id, "after") == "restart"; }, seconds(10)))
        << "node " << id;
  }
}

TEST_P(RestartAfterSnapshot, FollowerComesBackAfterInstallingASnapshotAndAfterItsOwnOnTop) {
  ASSERT_NO_FATAL_FAILURE(StartCluster(SnapshottingOptions("install")));
  const uint64_t leader = cluster_->Leader().value_or(0);
  ASSERT_NE(leader, 0u);
  const uint64_t follower = leader % 3 + 1;
  ASSERT_TRUE(cluster_->Kill(follower).ok());
  // The leader keeps 1000 entries behind its snapshot for slow followers; write past that
  // so the follower can only catch up by snapshot.
  ASSERT_NO_FATAL_FAILURE(PutRange(0, 1100, 8));
  ASSERT_TRUE(cluster_->Restart(follower).ok());
  ASSERT_TRUE(WaitFor([&] { return SnapshotIndex(follower) >= 1000; }, seconds(15))) << Diagnose(follower);
  EXPECT_TRUE(WaitFor([&] { return StaleRead(follower, "key1099") == "v1099"; }, seconds(10)));

  ASSERT_NO_FATAL_FAILURE(KillRestartAndExpectServing(follower, "key1099", "v1099"));
  EXPECT_EQ(StaleRead(follower, "key0"), "v0");

  // Then its own snapshot on top of the installed one, taken when the last commit reaches
  // it in a heartbeat: a Ready that moves nothing but the commit index. Puts are sequential,
  // one entry each, so exactly `more` of them cross the threshold (installed + 20) with the last.
  const uint64_t installed = SnapshotIndex(follower);
  ASSERT_TRUE(WaitFor([&] { return Group(follower).applied_index() == Group(leader).commit_index(); }));
  const int more = static_cast<int>(installed + 20 - Group(follower).applied_index());
  ASSERT_GT(more, 0);
  ASSERT_NO_FATAL_FAILURE(PutRange(1100, 1100 + more));
  ASSERT_TRUE(WaitFor([&] { return SnapshotIndex(follower) > installed; }, seconds(10)));
  const std::string last = std::to_string(1100 + more - 1);
  ASSERT_NO_FATAL_FAILURE(KillRestartAndExpectServing(follower, "key" + last, "v" + last));
  ASSERT_TRUE(kv_->Put("after", "restart").ok());
  EXPECT_TRUE(WaitFor([&] { return StaleRead(follower, "after") == "restart"; }, seconds(10)));
}

using RestartAfterWalDamage = RestartAfterSnapshot;

// Damage in the middle of a stopped follower's last WAL segment, followed by valid records:
// the node must refuse to start naming the segment and offset, and come back after an
// explicit raftlab-dump --repair.
TEST_F(RestartAfterWalDamage, NodeRefusesAWalDamagedMidSegmentAndComesBackAfterRepair) {
  ASSERT_NO_FATAL_FAILURE(StartCluster(Options("wal-damage")));
  ASSERT_NO_FATAL_FAILURE(PutRange(0, 20));
  const uint64_t leader = cluster_->Leader().value_or(0);
  ASSERT_NE(leader, 0u);
  const uint64_t follower = leader % 3 + 1;
  ASSERT_TRUE(WaitFor([&] { return StaleRead(follower, "key19") == "v19"; }));
  ASSERT_TRUE(cluster_->Stop(follower).ok());

  const std::string wal_dir = cluster_->node(follower).data_dir + "/wal";
  const std::string segment = storage::testing::FilesWithSuffix(wal_dir, ".wal").back();
  std::string bytes = storage::testing::ReadFileOrDie(segment);
  storage::WalSegmentReader reader(bytes);
  storage::WalRecord r;
  storage::WalDamage d;
  uint64_t damaged_at = 0;
  for (auto item = reader.Next(&r, &d); item != storage::WalSegmentReader::Item::kEnd; item = reader.Next(&r, &d)) {
    if (item == storage::WalSegmentReader::Item::kRecord && r.type == storage::WalRecordType::kEntry &&
        r.entry.data().find("key10") != std::string::npos) {
      damaged_at = r.offset;
    }
  }
  ASSERT_NE(damaged_at, 0u);
  bytes[damaged_at + storage::kWalRecordHeaderSize + 1] ^= 0x10;
  storage::testing::WriteFileOrDie(segment, bytes);

  ASSERT_TRUE(cluster_->Restart(follower).ok());
  ASSERT_TRUE(WaitFor([&] { return !cluster_->Running(follower); }, seconds(10))) << "started on a damaged WAL";
  ASSERT_TRUE(cluster_->ExitOf(follower).has_value());
  EXPECT_EQ(cluster_->ExitOf(follower)->exit_code, 1);
  const std::string why = Diagnose(follower);
  EXPECT_NE(why.find(segment + ": offset " + std::to_string(damaged_at) + ":"), std::string::npos) << why;
  EXPECT_NE(why.find("valid record follows"), std::string::npos) << why;

  const std::string repair = std::string(RAFTLAB_DUMP_BIN) + " --repair " + cluster_->node(follower).data_dir +
                             " >> " + cluster_->node(follower).log_path + " 2>&1";
  ASSERT_EQ(std::system(repair.c_str()), 0) << Diagnose(follower);
  ASSERT_TRUE(cluster_->Restart(follower).ok());
  EXPECT_TRUE(WaitFor([&] { return StaleRead(follower, "key19") == "v19"; }, seconds(10))) << Diagnose(follower);
  EXPECT_TRUE(cluster_->Running(follower)) << Diagnose(follower);
}

INSTANTIATE_TEST_SUITE_P(FsmSyncModes, RestartAfterSnapshot, ::testing::Values("sync", "nosync"),
                         [](const auto& info) { return std::string(info.param); });

}  // namespace
}  // namespace raftlab::harness
