// The dispatcher keeps order within a lane, drops instead of blocking when a lane is full,
// reports drops and send failures, and with 4 lanes keeps a slow snapshot from holding up
// replication to the same peer.

#include "server/transport/dispatcher.h"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "server/transport/fake_batch_sender.h"

namespace raftlab::transport {
namespace {

using raftpb::Message;
using raftpb::MessageType;

Message Msg(MessageType type, uint64_t to, uint64_t index = 0) {
  Message m;
  m.set_type(type);
  m.set_to(to);
  m.set_from(1);
  m.set_index(index);
  return m;
}

// Thread-safe record of on_drop calls.
class DropLog {
 public:
  struct Drop {
    uint64_t group_id;
    MessageType type;
    uint64_t index;
    DropReason reason;
  };

  DropCallback Callback() {
    return [this](uint64_t group, const Message& m, DropReason reason) {
      std::lock_guard lock(mu_);
      drops_.push_back({group, m.type(), m.index(), reason});
      cv_.notify_all();
    };
  }
  [[nodiscard]] bool WaitForCount(std::size_t n) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(60), [&] { return drops_.size() >= n; });
  }
  std::vector<Drop> drops() {
    std::lock_guard lock(mu_);
    return drops_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Drop> drops_;
};

bool HasLine(const std::string& text, const std::string& line) {
  return text.find(line + "\n") != std::string::npos;
}

constexpr uint64_t kPeer = 2;
constexpr uint64_t kGroup = 7;

TEST(Dispatcher, WithFourLanesASlowSnapshotDoesNotDelayMsgAppToTheSamePeer) {
  FakeBatchSender sender;
  sender.BlockOn(raftpb::MsgSnap);
  DropLog drops;
  metrics::Registry registry;
  Dispatcher d({.layout = LaneLayout::kFourLanes}, sender, drops.Callback(), registry);
  ASSERT_TRUE(d.AddPeer(kPeer).ok());

  ASSERT_EQ(d.Enqueue(kGroup, Msg(raftpb::MsgSnap, kPeer)), EnqueueResult::kQueued);
  ASSERT_TRUE(sender.WaitUntil([](const auto& s) { return s.blocked == 1; }));
  ASSERT_EQ(d.Enqueue(kGroup, Msg(raftpb::MsgApp, kPeer, 5)), EnqueueResult::kQueued);

  // MsgApp arrives while the snapshot is still held inside Send.
  ASSERT_TRUE(sender.WaitUntil([](const auto& s) { return s.Contains(raftpb::MsgApp); }));
  auto state = sender.Snapshot();
  EXPECT_EQ(state.blocked, 1);
  EXPECT_FALSE(state.Contains(raftpb::MsgSnap));
  EXPECT_EQ(state.sent.front().lane, "replication");

  sender.Release();
  ASSERT_TRUE(sender.WaitUntil([](const auto& s) { return s.Contains(raftpb::MsgSnap); }));
  EXPECT_EQ(sender.Snapshot().sent.back().lane, "snapshot");
  EXPECT_TRUE(drops.drops().empty());
}

TEST(Dispatcher, WithTwoLanesASlowSnapshotDelaysMsgAppButNotHeartbeats) {
  FakeBatchSender sender;
  sender.BlockOn(raftpb::MsgSnap);
  DropLog drops;
  metrics::Registry registry;
  Dispatcher d({.layout = LaneLayout::kTwoLanes}, sender, drops.Callback(), registry);
  ASSERT_TRUE(d.AddPeer(kPeer).ok());

  ASSERT_EQ(d.Enqueue(kGroup, Msg(raftpb::MsgSnap, kPeer)), EnqueueResult::kQueued);
  ASSERT_TRUE(sender.WaitUntil([](const auto& s) { return s.blocked == 1; }));
  ASSERT_EQ(d.Enqueue(kGroup, Msg(raftpb::MsgApp, kPeer, 5)), EnqueueResult::kQueued);
  ASSERT_EQ(d.Enqueue(kGroup, Msg(raftpb::MsgHeartbeat, kPeer)), EnqueueResult::kQueued);

  // The heartbeat lane makes progress; MsgApp waits behind the snapshot in "normal".
  ASSERT_TRUE(sender.WaitUntil([](const auto& s) { return s.Contains(raftpb::MsgHeartbeat); }));
  auto state = sender.Snapshot();
  EXPECT_EQ(state.blocked, 1);
  EXPECT_FALSE(state.Contains(raftpb::MsgApp));
  EXPECT_EQ(d.queued(kPeer, 1), 1u);

  sender.Release();
  ASSERT_TRUE(sender.WaitUntil([](const auto& s) { return s.Contains(raftpb::MsgApp); }));
  state = sender.Snapshot();
  ASSERT_EQ(state.sent.size(), 3u);
  EXPECT_EQ(state.sent[0].type, raftpb::MsgHeartbeat);
  EXPECT_EQ(state.sent[1].type, raftpb::MsgSnap);
  EXPECT_EQ(state.sent[2].type, raftpb::MsgApp);
  EXPECT_EQ(state.sent[2].lane, "normal");
}

// Waits until the worker of the lane sleeps, as it does once it has sent all it had.
[[nodiscard]] bool WaitForSleep(const Dispatcher& d, uint64_t peer, std::size_t lane) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!d.worker_sleeping(peer, lane)) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

TEST(Dispatcher, MessagesQueuedUnderAHoldLeaveAsOneBatchWhenTheOutermostHoldIsReleased) {
  FakeBatchSender sender;
  DropLog drops;
  metrics::Registry registry;
  Dispatcher d({}, sender, drops.Callback(), registry);
  ASSERT_TRUE(d.AddPeer(kPeer).ok());
  const std::size_t lane = *LaneFor(LaneLayout::kTwoLanes, raftpb::MsgApp);
  ASSERT_TRUE(WaitForSleep(d, kPeer, lane));

  d.HoldWakes();
  d.HoldWakes();
  for (uint64_t i = 1; i <= 5; ++i) {
    ASSERT_EQ(d.Enqueue(kGroup + i, Msg(raftpb::MsgApp, kPeer, i)), EnqueueResult::kQueued);
  }
  d.ReleaseWakes();
  // Still held by the outer hold: nothing woke the worker.
  EXPECT_TRUE(d.worker_sleeping(kPeer, lane));
  EXPECT_EQ(d.queued(kPeer, lane), 5u);
  d.ReleaseWakes();
  ASSERT_TRUE(sender.WaitUntil([](const auto& s) { return s.sent.size() == 5; }));
  EXPECT_EQ(sender.Snapshot().batches, std::vector<std::size_t>{5});
}

TEST(Dispatcher, AHoldOnOneThreadDoesNotHoldAnotherThreadsMessages) {
  FakeBatchSender sender;
  DropLog drops;
  metrics::Registry registry;
  Dispatcher d({}, sender, drops.Callback(), registry);
  ASSERT_TRUE(d.AddPeer(kPeer).ok());
  d.HoldWakes();
  std::thread other([&] { EXPECT_EQ(d.Enqueue(kGroup, Msg(raftpb::MsgApp, kPeer, 1)), EnqueueResult::kQueued); });
  other.join();
  ASSERT_TRUE(sender.WaitUntil([](const auto& s) { return s.sent.size() == 1; }));
  d.ReleaseWakes();
}

TEST(Dispatcher, KeepsFifoOrderWithinEachLaneToEachPeer) {
  FakeBatchSender sender;
  DropLog drops;
  metrics::Registry registry;
  Dispatcher d({.layout = LaneLayout::kFourLanes, .max_batch = 7}, sender, drops.Callback(),
               registry);
  ASSERT_TRUE(d.AddPeer(2).ok());
  ASSERT_TRUE(d.AddPeer(3).ok());
  // Per lane totals stay under capacity, so nothing can be dropped however slow the workers.
  constexpr uint64_t kApps = 1000;
  constexpr uint64_t kBeats = 500;
  for (uint64_t i = 0; i < kApps; ++i) {
    for (uint64_t peer : {2, 3}) {
      ASSERT_EQ(d.Enqueue(kGroup, Msg(raftpb::MsgApp, peer, i)), EnqueueResult::kQueued);
      if (i < kBeats) {
        ASSERT_EQ(d.Enqueue(kGroup, Msg(raftpb::MsgHeartbeat, peer, i)), EnqueueResult::kQueued);
      }
    }
  }
  ASSERT_TRUE(sender.WaitUntil(
      [&](const auto& s) { return s.sent.size() == 2 * (kApps + kBeats); }));
  const auto state = sender.Snapshot();
  std::map<std::pair<uint64_t, std::string>, uint64_t> next;
  for (const auto& s : state.sent) {
    uint64_t& expected = next[{s.peer, s.lane}];
    EXPECT_EQ(s.index, expected) << "peer " << s.peer << " lane " << s.lane;
    expected = s.index + 1;
    EXPECT_EQ(s.group_id, kGroup);
  }
  EXPECT_EQ((next[{2, "replication"}]), kApps);
  EXPECT_EQ((next[{3, "heartbeat"}]), kBeats);
  for (std::size_t b : state.batches) EXPECT_LE(b, 7u);
  EXPECT_TRUE(drops.drops().empty());
}

TEST(Dispatcher, AFullLaneDropsCountsAndCallsBackWithoutBlocking) {
  FakeBatchSender sender;
  sender.BlockAll();
  DropLog drops;
  metrics::Registry registry;
  Dispatcher d({.layout = LaneLayout::kTwoLanes}, sender, drops.Callback(), registry);
  ASSERT_TRUE(d.AddPeer(kPeer).ok());

  // One heartbeat is held in flight; the lane then holds exactly its capacity, 512.
  ASSERT_EQ(d.Enqueue(kGroup, Msg(raftpb::MsgHeartbeat, kPeer, 0)), EnqueueResult::kQueued);
  ASSERT_TRUE(sender.WaitUntil([](const auto& s) { return s.blocked == 1; }));
  for (uint64_t i = 1; i <= 512; ++i) {
    ASSERT_EQ(d.Enqueue(kGroup, Msg(raftpb::MsgHeartbeat, kPeer, i)), EnqueueResult::kQueued);
  }
  // The sender is still blocked: these calls return at once with a drop.
  EXPECT_EQ(d.Enqueue(kGroup, Msg(raftpb::MsgHeartbeat, kPeer, 513)), EnqueueResult::kDropped);
  EXPECT_EQ(d.Enqueue(kGroup, Msg(raftpb::MsgVote, kPeer, 514)), EnqueueResult::kDropped);
  // Another lane to the same peer still takes messages.
  EXPECT_EQ(d.Enqueue(kGroup, Msg(raftpb::MsgApp, kPeer, 1)), EnqueueResult::kQueued);

  const auto dropped = drops.drops();
  ASSERT_EQ(dropped.size(), 2u);
  EXPECT_EQ(dropped[0].group_id, kGroup);
  EXPECT_EQ(dropped[0].type, raftpb::MsgHeartbeat);
  EXPECT_EQ(dropped[0].index, 513u);
  EXPECT_EQ(dropped[0].reason, DropReason::kLaneFull);
  EXPECT_EQ(dropped[1].type, raftpb::MsgVote);
  const std::string text = registry.TextExposition();
  EXPECT_TRUE(HasLine(text, "raftlab_raft_dispatch_drop_total{lane=\"heartbeat\"} 2")) << text;
  EXPECT_TRUE(HasLine(text, "raftlab_raft_dispatch_drop_total{lane=\"normal\"} 0")) << text;

  sender.Release();
  ASSERT_TRUE(sender.WaitUntil([](const auto& s) { return s.sent.size() == 514; }));
  for (const auto& s : sender.Snapshot().sent) EXPECT_LT(s.index, 513u);
}

TEST(Dispatcher, AFullSnapshotLaneReportsTheMsgSnapSoTheGroupCanReportSnapshotFailure) {
  FakeBatchSender sender;
  sender.BlockOn(raftpb::MsgSnap);
  DropLog drops;
  metrics::Registry registry;
  Dispatcher d({.layout = LaneLayout::kFourLanes}, sender, drops.Callback(), registry);
  ASSERT_TRUE(d.AddPeer(kPeer).ok());
  ASSERT_EQ(d.Enqueue(kGroup, Msg(raftpb::MsgSnap, kPeer, 0)), EnqueueResult::kQueued);
  ASSERT_TRUE(sender.WaitUntil([](const auto& s) { return s.blocked == 1; }));
  for (uint64_t i = 1; i <= 4; ++i) {
    ASSERT_EQ(d.Enqueue(kGroup, Msg(raftpb::MsgSnap, kPeer, i)), EnqueueResult::kQueued);
  }
  EXPECT_EQ(d.Enqueue(kGroup, Msg(raftpb::MsgSnap, kPeer, 5)), EnqueueResult::kDropped);
  const auto dropped = drops.drops();
  ASSERT_EQ(dropped.size(), 1u);
  EXPECT_EQ(dropped[0].type, raftpb::MsgSnap);
  EXPECT_EQ(dropped[0].reason, DropReason::kLaneFull);
  EXPECT_TRUE(HasLine(registry.TextExposition(),
                      "raftlab_raft_dispatch_drop_total{lane=\"snapshot\"} 1"));
  sender.Release();
}

TEST(Dispatcher, AFailedSendCountsAnErrorAndReportsEveryMessageOfTheBatch) {
  FakeBatchSender sender;
  sender.BlockAll();
  sender.FailBatchesWithIndex(42);
  DropLog drops;
  metrics::Registry registry;
  Dispatcher d({.layout = LaneLayout::kTwoLanes, .max_batch = 64}, sender, drops.Callback(),
               registry);
  ASSERT_TRUE(d.AddPeer(kPeer).ok());
  // Batches are fixed by holding message 0 in flight until 1..99 are queued:
  // [0], [1..64] (fails: holds 42), [65..99].
  ASSERT_EQ(d.Enqueue(kGroup, Msg(raftpb::MsgApp, kPeer, 0)), EnqueueResult::kQueued);
  ASSERT_TRUE(sender.WaitUntil([](const auto& s) { return s.blocked == 1; }));
  for (uint64_t i = 1; i < 100; ++i) {
    ASSERT_EQ(d.Enqueue(kGroup, Msg(raftpb::MsgApp, kPeer, i)), EnqueueResult::kQueued);
  }
  sender.Release();
  ASSERT_TRUE(sender.WaitUntil([](const auto& s) { return s.sent.size() == 36; }));
  ASSERT_TRUE(drops.WaitForCount(64));

  const auto state = sender.Snapshot();
  EXPECT_EQ(state.failed, 1);
  EXPECT_EQ(state.sent.front().index, 0u);
  EXPECT_EQ(state.sent[1].index, 65u);
  const auto dropped = drops.drops();
  ASSERT_EQ(dropped.size(), 64u);
  for (std::size_t i = 0; i < dropped.size(); ++i) {
    EXPECT_EQ(dropped[i].index, i + 1);
    EXPECT_EQ(dropped[i].reason, DropReason::kSendFailed);
    EXPECT_EQ(dropped[i].group_id, kGroup);
  }
  const std::string text = registry.TextExposition();
  EXPECT_TRUE(HasLine(text, "raftlab_raft_dispatch_errors_total 1")) << text;
  EXPECT_TRUE(HasLine(text, "raftlab_raft_dispatch_drop_total{lane=\"normal\"} 0")) << text;
}

TEST(Dispatcher, UnknownPeerIsDroppedAndReported) {
  FakeBatchSender sender;
  DropLog drops;
  metrics::Registry registry;
  Dispatcher d({}, sender, drops.Callback(), registry);
  EXPECT_EQ(d.Enqueue(kGroup, Msg(raftpb::MsgApp, 9)), EnqueueResult::kDropped);
  ASSERT_EQ(drops.drops().size(), 1u);
  EXPECT_EQ(drops.drops()[0].reason, DropReason::kUnknownPeer);
  EXPECT_TRUE(HasLine(registry.TextExposition(),
                      "raftlab_raft_dispatch_drop_total{lane=\"normal\"} 1"));
}

TEST(Dispatcher, LocalOnlyMessagesAreRefusedWithoutAReport) {
  FakeBatchSender sender;
  DropLog drops;
  metrics::Registry registry;
  Dispatcher d({}, sender, drops.Callback(), registry);
  ASSERT_TRUE(d.AddPeer(kPeer).ok());
  EXPECT_EQ(d.Enqueue(kGroup, Msg(raftpb::MsgHup, kPeer)), EnqueueResult::kLocalMessage);
  EXPECT_EQ(d.Enqueue(kGroup, Msg(raftpb::MsgStorageAppend, kPeer)),
            EnqueueResult::kLocalMessage);
  EXPECT_TRUE(drops.drops().empty());
}

TEST(Dispatcher, PeersCanBeAddedOnceAndRemoved) {
  FakeBatchSender sender;
  DropLog drops;
  metrics::Registry registry;
  Dispatcher d({}, sender, drops.Callback(), registry);
  ASSERT_TRUE(d.AddPeer(kPeer).ok());
  EXPECT_EQ(d.AddPeer(kPeer).code(), absl::StatusCode::kAlreadyExists);
  d.RemovePeer(kPeer);
  d.RemovePeer(kPeer);
  EXPECT_EQ(d.Enqueue(kGroup, Msg(raftpb::MsgApp, kPeer)), EnqueueResult::kDropped);
  EXPECT_EQ(drops.drops().at(0).reason, DropReason::kUnknownPeer);
  EXPECT_TRUE(d.AddPeer(kPeer).ok());
  EXPECT_EQ(d.Enqueue(kGroup, Msg(raftpb::MsgApp, kPeer)), EnqueueResult::kQueued);
}

TEST(Dispatcher, ShutdownWaitsForTheSendInFlightThenRefusesEverything) {
  FakeBatchSender sender;
  sender.BlockAll();
  DropLog drops;
  metrics::Registry registry;
  Dispatcher d({}, sender, drops.Callback(), registry);
  ASSERT_TRUE(d.AddPeer(kPeer).ok());
  ASSERT_EQ(d.Enqueue(kGroup, Msg(raftpb::MsgApp, kPeer, 1)), EnqueueResult::kQueued);
  ASSERT_TRUE(sender.WaitUntil([](const auto& s) { return s.blocked == 1; }));

  std::thread stopper([&] { d.Shutdown(); });
  // Once Shutdown has begun, Enqueue is refused; the in-flight send still completes.
  while (d.Enqueue(kGroup, Msg(raftpb::MsgApp, kPeer, 2)) != EnqueueResult::kStopped) {
    std::this_thread::yield();
  }
  sender.Release();
  stopper.join();
  const auto state = sender.Snapshot();
  ASSERT_FALSE(state.sent.empty());
  EXPECT_EQ(state.sent[0].index, 1u);
  EXPECT_EQ(d.AddPeer(3).code(), absl::StatusCode::kFailedPrecondition);
  d.Shutdown();
}

}  // namespace
}  // namespace raftlab::transport
