// Local snapshots are built off the Ready loop: writes commit while one is built, at most
// one is in flight, and a crash at any step of it leaves a node that recovers.
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <future>
#include <mutex>

#include "server/engine/engine_cluster_test_util.h"
#include "server/engine/group_engine.h"

namespace raftlab::engine {
namespace {

using testing::TestCluster;
using Code = ProposeResult::Code;
using std::chrono::seconds;

// Holds every snapshot build at one step until opened, and counts builds inside at once.
class SnapshotGate {
 public:
  void Pass() {
    std::unique_lock lock(mu_);
    ++entered_;
    max_inside_ = std::max(max_inside_, ++inside_);
    cv_.notify_all();
    cv_.wait_for(lock, seconds(30), [&] { return open_; });
    --inside_;
  }
  bool WaitEntered(int n) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, seconds(20), [&] { return entered_ >= n; });
  }
  void Open() {
    std::lock_guard lock(mu_);
    open_ = true;
    cv_.notify_all();
  }
  int max_inside() {
    std::lock_guard lock(mu_);
    return max_inside_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
  int entered_ = 0;
  int inside_ = 0;
  int max_inside_ = 0;
};

std::future<absl::StatusOr<uint64_t>> TriggerAsync(GroupEngine* e) {
  return std::async(std::launch::async, [e] { return e->TriggerSnapshot(seconds(30)); });
}

TEST(GroupEngineSnapshot, WritesKeepCommittingWhileASlowSnapshotIsBuilt) {
  TestCluster c(3);
  SnapshotGate gate;
  c.customize = [&](uint64_t, GroupEngineOptions* o) {
    o->snapshot_step_hook = [&](SnapshotStep step) {
      if (step == SnapshotStep::kFileWriting) gate.Pass();
    };
  };
  c.RestartAll();
  const uint64_t leader = c.WaitForLeader();
  ASSERT_NE(leader, 0u);
  GroupEngine* e = c.engine(leader);
  const ProposeResult before = c.Put(leader, "k", "before");
  ASSERT_EQ(before.code, Code::kApplied);
  auto first = TriggerAsync(e);
  ASSERT_TRUE(gate.WaitEntered(1)) << "the snapshot never reached its file write";

  // The Ready loop is free while the image is held up: writes commit and apply.
  uint64_t first_write = 0, last_write = 0;
  for (int i = 0; i < 50; ++i) {
    const ProposeResult r = c.Put(leader, "key" + std::to_string(i), std::to_string(i));
    ASSERT_EQ(r.code, Code::kApplied) << "write " << i << " while a snapshot is built: " << r.error;
    if (i == 0) first_write = r.apply.index;
    last_write = r.apply.index;
  }
  auto second = TriggerAsync(e);
  EXPECT_EQ(e->Status().snapshot_index, 0u) << "recorded before its file was written";
  EXPECT_EQ(first.wait_for(std::chrono::milliseconds(50)), std::future_status::timeout);
  gate.Open();

  const auto r1 = first.get();
  ASSERT_TRUE(r1.ok()) << r1.status();
  EXPECT_GE(*r1, before.apply.index);
  EXPECT_LT(*r1, first_write) << "the image is of the state when the snapshot started";
  const auto r2 = second.get();
  ASSERT_TRUE(r2.ok()) << r2.status();
  EXPECT_GE(*r2, last_write) << "a request during a build gets a newer snapshot";
  EXPECT_EQ(gate.max_inside(), 1) << "two snapshots were built at once";
  EXPECT_EQ(e->Status().snapshot_index, *r2);
  for (uint64_t id : c.ids()) c.StopNode(id);  // the hooks refer to this frame
}

// A crash image taken at a step: the state machine as a checkpoint, then the group's files
// (in this order, so the log is never behind the state machine, as on a real disk).
void CopyCrashImage(TestCluster& c, uint64_t id, const std::string& to) {
  std::filesystem::create_directories(to);
  ASSERT_TRUE(c.fsm(id)->Checkpoint(to + "/fsm").ok());
  std::filesystem::copy(c.node_dir(id) + "/group1", to + "/group1", std::filesystem::copy_options::recursive);
}

class GroupEngineSnapshotCrash : public ::testing::TestWithParam<SnapshotStep> {};

TEST_P(GroupEngineSnapshotCrash, NodeRecoversFromACrashAtThisStep) {
  const SnapshotStep crash_step = GetParam();
  TestCluster c(1);
  const std::string crash_dir = c.node_dir(1) + "-crash";
  std::atomic<bool> copied{false};
  c.customize = [&](uint64_t id, GroupEngineOptions* o) {
    o->snapshot_step_hook = [&, id](SnapshotStep step) {
      if (step == crash_step && !copied.exchange(true)) CopyCrashImage(c, id, crash_dir);
    };
  };
  c.StopNode(1);
  c.StartNode(1);
  ASSERT_EQ(c.WaitForLeader(), 1u);
  for (int i = 0; i < 30; ++i) ASSERT_EQ(c.Put(1, "key" + std::to_string(i), std::to_string(i)).code, Code::kApplied);
  const auto taken = c.engine(1)->TriggerSnapshot(seconds(20));
  ASSERT_TRUE(taken.ok()) << taken.status();
  ASSERT_TRUE(copied.load());

  // Restart from the crash image.
  c.StopNode(1);
  c.customize = nullptr;
  for (const char* part : {"/fsm", "/group1"}) {
    std::filesystem::remove_all(c.node_dir(1) + part);
    std::filesystem::rename(crash_dir + part, c.node_dir(1) + part);
  }
  std::filesystem::remove_all(crash_dir);
  c.StartNode(1);
  ASSERT_EQ(c.WaitForLeader(), 1u);
  const uint64_t recovered_snapshot = c.engine(1)->Status().snapshot_index;
  EXPECT_EQ(recovered_snapshot, crash_step == SnapshotStep::kMarkerSaved ? *taken : 0u)
      << "recovery starts from the snapshot its WAL marker names, and only from that";
  for (int i = 0; i < 30; ++i) {
    EXPECT_EQ(c.Get(1, "key" + std::to_string(i)), std::optional<std::string>(std::to_string(i))) << i;
  }
  ASSERT_EQ(c.Put(1, "after", "restart").code, Code::kApplied);
  const auto again = c.engine(1)->TriggerSnapshot(seconds(20));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_GT(*again, *taken);
  // And once more from the new snapshot.
  c.StopNode(1);
  c.StartNode(1);
  ASSERT_EQ(c.WaitForLeader(), 1u);
  EXPECT_EQ(c.engine(1)->Status().snapshot_index, *again);
  EXPECT_EQ(c.Get(1, "after"), std::optional<std::string>("restart"));
}

INSTANTIATE_TEST_SUITE_P(Steps, GroupEngineSnapshotCrash,
                         ::testing::Values(SnapshotStep::kFileWriting, SnapshotStep::kFileDurable,
                                           SnapshotStep::kMarkerSaved),
                         [](const ::testing::TestParamInfo<SnapshotStep>& info) {
                           switch (info.param) {
                             case SnapshotStep::kFileWriting: return std::string("FileWriting");
                             case SnapshotStep::kFileDurable: return std::string("FileDurable");
                             case SnapshotStep::kMarkerSaved: return std::string("MarkerSaved");
                           }
                           return std::string("Unknown");
                         });

}  // namespace
}  // namespace raftlab::engine
