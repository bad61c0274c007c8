// Multi-process tests: a node that took a snapshot, or installed one from the leader, is
// killed with SIGKILL and restarted, as leader and as follower, with the state machine in
// each fsync mode. It must come back, serve what was written before, and keep up after.

#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "harness/cluster_test_fixture.h"
#include "server/api/client/admin_client.h"

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

  // Puts key<i> = v<i> for i in [from, to) from `threads` concurrent writers.
  void PutRange(int from, int to, int threads = 1) {
    std::atomic<int> next{from};
    std::atomic<int> failures{0};
    std::vector<std::thread> writers;
    for (int t = 0; t < threads; ++t) {
      writers.emplace_back([&] {
        for (int i = next++; i < to; i = next++) {
          if (!kv_->Put("key" + std::to_string(i), "v" + std::to_string(i)).ok()) ++failures;
        }
      });
    }
    for (auto& w : writers) w.join();
    ASSERT_EQ(failures.load(), 0);
  }

  uint64_t SnapshotIndex(uint64_t id) {
    auto st = cluster_->admin().Status(cluster_->endpoint(id));
    if (!st.ok() || st->groups_size() == 0) return 0;
    return st->groups(0).snapshot_index();
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
    EXPECT_TRUE(WaitFor([&] { return ReadAt(id, key, kv::READ_MODE_STALE, milliseconds(500)) == value; },
                        seconds(15)))
        << Diagnose(id);
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
    EXPECT_TRUE(WaitFor([&] { return ReadAt(id, "after", kv::READ_MODE_STALE) == "restart"; }, seconds(10)))
        << "node " << id;
  }
}

TEST_P(RestartAfterSnapshot, FollowerComesBackAfterInstallingASnapshotFromTheLeader) {
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
  EXPECT_TRUE(WaitFor([&] { return ReadAt(follower, "key1099", kv::READ_MODE_STALE) == "v1099"; }, seconds(10)));

  ASSERT_NO_FATAL_FAILURE(KillRestartAndExpectServing(follower, "key1099", "v1099"));
  EXPECT_EQ(ReadAt(follower, "key0", kv::READ_MODE_STALE), "v0");
  ASSERT_TRUE(kv_->Put("after", "restart").ok());
  EXPECT_TRUE(WaitFor([&] { return ReadAt(follower, "after", kv::READ_MODE_STALE) == "restart"; }, seconds(10)));
}

INSTANTIATE_TEST_SUITE_P(FsmSyncModes, RestartAfterSnapshot, ::testing::Values("sync", "nosync"),
                         [](const auto& info) { return std::string(info.param); });

}  // namespace
}  // namespace raftlab::harness
