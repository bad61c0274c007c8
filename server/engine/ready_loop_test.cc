#include "server/engine/ready_loop.h"

#include <stdlib.h>

#include <algorithm>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <map>
#include <functional>
#include <future>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "server/engine/engine_cluster_test_util.h"
#include "server/engine/group_engine.h"
#include "server/metrics/registry.h"
#include "server/storage/node_wal.h"
#include "server/storage/state_machine.h"

namespace raftlab::engine {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

class NoPeers : public Outbox {
 public:
  void Send(uint64_t, raftpb::Message) override {}
};

// A ReadyLoop that a test can hold before its next pass, so that input for several groups
// is queued when the pass begins.
class HeldLoop {
 public:
  HeldLoop() : loop_(ReadyLoopOptions{"ready-test", [this] { MaybeHold(); }}) { loop_.Start(); }
  ReadyLoop* loop() { return &loop_; }

  void Hold() {
    std::lock_guard lock(mu_);
    held_ = true;
  }
  // Waits until the loop, held, has groups queued for its next pass.
  bool WaitHeld() {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(10), [&] { return waiting_; });
  }
  void Release() {
    std::lock_guard lock(mu_);
    held_ = false;
    cv_.notify_all();
  }

 private:
  void MaybeHold() {
    std::unique_lock lock(mu_);
    if (!held_) return;
    waiting_ = true;
    cv_.notify_all();
    cv_.wait(lock, [&] { return !held_; });
    waiting_ = false;
  }

  std::mutex mu_;
  std::condition_variable cv_;
  bool held_ = false;     // guarded by mu_
  bool waiting_ = false;  // guarded by mu_
  ReadyLoop loop_;        // last: its thread stops before the rest goes
};

// Numbers the send phases of the loop and records each group's sends with the phase they
// were made in (0: outside any phase).
class PhaseRecordingOutbox : public Outbox {
 public:
  struct Sent {
    int phase;
    raftpb::Message message;
  };

  void Send(uint64_t group, raftpb::Message message) override {
    std::lock_guard lock(mu_);
    sent_[group].push_back({in_phase_ ? phase_ : 0, std::move(message)});
    cv_.notify_all();
  }
  void BeginSends() override {
    std::lock_guard lock(mu_);
    ++phase_;
    in_phase_ = true;
  }
  void EndSends() override {
    std::lock_guard lock(mu_);
    in_phase_ = false;
  }
  int phase() {
    std::lock_guard lock(mu_);
    return phase_;
  }
  // Waits for group's first message of type sent in a phase after `after`.
  std::optional<Sent> WaitFor(uint64_t group, raftpb::MessageType type, int after = 0) {
    std::unique_lock lock(mu_);
    std::optional<Sent> found;
    cv_.wait_for(lock, std::chrono::seconds(10), [&] {
      for (const Sent& s : sent_[group]) {
        if (s.message.type() == type && s.phase > after) {
          found = s;
          return true;
        }
      }
      return false;
    });
    return found;
  }
  std::map<uint64_t, std::vector<Sent>> sent() {
    std::lock_guard lock(mu_);
    return sent_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int phase_ = 0;                                 // guarded by mu_
  bool in_phase_ = false;                         // guarded by mu_
  std::map<uint64_t, std::vector<Sent>> sent_;    // guarded by mu_
};

// node 2's answer to m, granting it (a vote) or acknowledging all it carried (an append).
raftpb::Message AnswerFromNodeTwo(const raftpb::Message& m) {
  raftpb::Message r;
  r.set_from(2);
  r.set_to(1);
  r.set_term(m.term());
  if (m.type() == raftpb::MsgApp) {
    r.set_type(raftpb::MsgAppResp);
    r.set_index(m.entries_size() > 0 ? m.entries(m.entries_size() - 1).index() : m.index());
  } else {
    r.set_type(m.type() == raftpb::MsgPreVote ? raftpb::MsgPreVoteResp : raftpb::MsgVoteResp);
  }
  return r;
}

void ExpectEverySendInAPhase(PhaseRecordingOutbox& outbox) {
  for (const auto& [group, sends] : outbox.sent()) {
    for (const auto& s : sends) {
      EXPECT_NE(s.phase, 0) << "group " << group << " sent " << s.message.type() << " outside a send phase";
    }
  }
}

struct TwoGroupNode {
  // Groups of one voter elect themselves; with voters {1, 2} they send to node 2, which is
  // not there, and wait.
  explicit TwoGroupNode(std::vector<uint64_t> voters = {1}, Outbox* out = nullptr,
                        int election_ticks = 10, milliseconds tick = milliseconds(2),
                        int heartbeat_ticks = 2)
      : outbox(out != nullptr ? out : &no_peers) {
    char tmpl[] = "/tmp/raftlab-ready-loop-test-XXXXXX";
    root = mkdtemp(tmpl);
    storage::NodeWalOptions wo;
    wo.dir = root + "/wal";
    storage::NodeWalRecovery recovered;
    auto opened_wal = storage::NodeWal::Open(wo, &recovered);
    EXPECT_TRUE(opened_wal.ok()) << opened_wal.status();
    wal = std::move(*opened_wal);
    storage::StateMachineOptions so;
    so.path = root + "/fsm";
    auto opened_fsm = storage::StateMachine::Open(so);
    EXPECT_TRUE(opened_fsm.ok()) << opened_fsm.status();
    fsm = std::move(*opened_fsm);
    metrics = std::make_unique<EngineMetrics>(registry);
    for (uint64_t group : {1, 2}) {
      GroupEngineOptions o;
      o.group_id = group;
      o.node_id = 1;
      o.voters = voters;
      o.dir = root + "/groups/" + std::to_string(group);
      o.node_wal = wal.get();
      o.ready_loop = held.loop();
      o.tick = tick;
      o.election_ticks = election_ticks;
      o.heartbeat_ticks = heartbeat_ticks;
      auto e = GroupEngine::Open(o, fsm.get(), outbox, &clock, metrics.get());
      EXPECT_TRUE(e.ok()) << e.status();
      engines.push_back(std::move(*e));
      engines.back()->Start();
    }
  }
  ~TwoGroupNode() {
    for (auto& e : engines) e->Stop();
    held.loop()->Stop();
    std::filesystem::remove_all(root);
  }

  bool WaitForLeaders() {
    const auto until = Clock::now() + std::chrono::seconds(10);
    while (Clock::now() < until) {
      if (engines[0]->is_leader() && engines[1]->is_leader()) return true;
      std::this_thread::sleep_for(milliseconds(2));
    }
    return false;
  }

  bool WaitForSleepingLoop() {
    const auto until = Clock::now() + std::chrono::seconds(10);
    while (Clock::now() < until) {
      if (held.loop()->sleeping()) return true;
      std::this_thread::sleep_for(milliseconds(2));
    }
    return false;
  }

  std::string root;
  std::unique_ptr<storage::NodeWal> wal;
  std::unique_ptr<storage::StateMachine> fsm;
  metrics::Registry registry;
  std::unique_ptr<EngineMetrics> metrics;
  faults::Clock clock;
  NoPeers no_peers;
  Outbox* outbox;
  HeldLoop held;
  std::vector<std::unique_ptr<GroupEngine>> engines;
};

// Gives both groups input (`input`) so that one pass takes them together, then expects each
// group's first `type` message of that pass to go out in the same send phase, and no
// message outside a phase.
void ExpectOneSendPhase(TwoGroupNode& node, PhaseRecordingOutbox& outbox, raftpb::MessageType type,
                        const std::function<void(GroupEngine*)>& input) {
  node.held.Hold();
  input(node.engines[0].get());
  ASSERT_TRUE(node.held.WaitHeld());
  input(node.engines[1].get());
  const int before = outbox.phase();
  node.held.Release();
  auto first = outbox.WaitFor(1, type, before);
  auto second = outbox.WaitFor(2, type, before);
  ASSERT_TRUE(first.has_value() && second.has_value());
  EXPECT_EQ(first->phase, second->phase);
  ExpectEverySendInAPhase(outbox);
}

// Node 2 is played by the test: it grants group g's votes and acknowledges its first
// append, so the group leads and replicates to node 2 without waiting for a probe's answer.
void ElectWithNodeTwo(TwoGroupNode& node, PhaseRecordingOutbox& outbox, uint64_t g) {
  GroupEngine* e = node.engines[g - 1].get();
  e->Campaign();
  for (auto type : {raftpb::MsgPreVote, raftpb::MsgVote, raftpb::MsgApp}) {
    auto m = outbox.WaitFor(g, type);
    ASSERT_TRUE(m.has_value()) << "group " << g << " sent no " << type;
    e->Deliver(AnswerFromNodeTwo(m->message));
  }
}

// The names of this process's threads, from /proc.
std::vector<std::string> ThreadNames() {
  std::vector<std::string> names;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    std::ifstream comm(task.path() / "comm");
    std::string name;
    if (std::getline(comm, name)) names.push_back(name);
  }
  return names;
}

TEST(ReadyLoop, OneTickerThreadTicksEveryGroupOfTheLoop) {
  TwoGroupNode node;
  // A group of one voter elects itself once its election timer has ticked out.
  ASSERT_TRUE(node.WaitForLeaders());
  const std::vector<std::string> names = ThreadNames();
  EXPECT_EQ(std::count(names.begin(), names.end(), "ready-test-tick"), 1);
  EXPECT_EQ(std::count_if(names.begin(), names.end(), [](const std::string& n) { return n.starts_with("tick-"); }), 0);
}

TEST(ReadyLoop, GroupsReadyInOnePassShareOneWalWrite) {
  TwoGroupNode node;
  ASSERT_TRUE(node.WaitForLeaders());
  node.held.Hold();
  auto first = testing::ProposePut(node.engines[0].get(), "a", "v");
  ASSERT_TRUE(node.held.WaitHeld());
  auto second = testing::ProposePut(node.engines[1].get(), "b", "v");
  const storage::NodeWal::Stats before = node.wal->stats();
  node.held.Release();
  ASSERT_EQ(first.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  ASSERT_EQ(second.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_EQ(first.get().code, ProposeResult::Code::kApplied);
  EXPECT_EQ(second.get().code, ProposeResult::Code::kApplied);
  const storage::NodeWal::Stats after = node.wal->stats();
  // Both groups' entries went out in one write: one batch of two requests.
  EXPECT_EQ(after.batches - before.batches, 1u);
  EXPECT_EQ(after.requests - before.requests, 2u);
  EXPECT_EQ(node.fsm->Get(1, "a").value(), "v");
  EXPECT_EQ(node.fsm->Get(2, "b").value(), "v");
}

TEST(ReadyLoop, GroupsReadyInOnePassSendAfterTheWalWriteInOnePhase) {
  PhaseRecordingOutbox outbox;
  // Election timers far beyond the test: the groups campaign only when told to.
  TwoGroupNode node({1, 2}, &outbox, /*election_ticks=*/5000);
  // Pre-votes are sent once the pass's WAL write is durable.
  ExpectOneSendPhase(node, outbox, raftpb::MsgPreVote, [](GroupEngine* e) { e->Campaign(); });
}

TEST(ReadyLoop, LeadersReadyInOnePassSendTheirAppendsBeforeTheWalWriteInOnePhase) {
  PhaseRecordingOutbox outbox;
  TwoGroupNode node({1, 2}, &outbox, /*election_ticks=*/5000);
  for (uint64_t g : {1, 2}) ASSERT_NO_FATAL_FAILURE(ElectWithNodeTwo(node, outbox, g));
  ASSERT_TRUE(node.WaitForLeaders());
  // The proposals are never committed (node 2 acknowledges no more): only their sends count.
  ExpectOneSendPhase(node, outbox, raftpb::MsgApp, [](GroupEngine* e) { (void)testing::ProposePut(e, "k", "v"); });
}

TEST(ReadyLoop, LeadersElectedOnDifferentTicksSendTheirHeartbeatsInOnePhase) {
  PhaseRecordingOutbox outbox;
  // Heartbeats every 10 ticks of 2 ms; the second group is elected some ticks after the first.
  TwoGroupNode node({1, 2}, &outbox, /*election_ticks=*/5000, milliseconds(2),
                    /*heartbeat_ticks=*/10);
  ASSERT_NO_FATAL_FAILURE(ElectWithNodeTwo(node, outbox, 1));
  // Once the first leader beats, the ticker counts every group's ticks as they come.
  ASSERT_TRUE(outbox.WaitFor(1, raftpb::MsgHeartbeat).has_value());
  std::this_thread::sleep_for(milliseconds(9));
  ASSERT_NO_FATAL_FAILURE(ElectWithNodeTwo(node, outbox, 2));
  ASSERT_TRUE(node.WaitForLeaders());
  const int after = outbox.phase();
  constexpr size_t kBeats = 3;
  auto heartbeat_phases = [&](uint64_t group) {
    std::vector<int> phases;
    for (const auto& s : outbox.sent()[group]) {
      if (s.message.type() == raftpb::MsgHeartbeat && s.phase > after && phases.size() < kBeats)
        phases.push_back(s.phase);
    }
    return phases;
  };
  const auto until = Clock::now() + std::chrono::seconds(10);
  while (Clock::now() < until &&
         (heartbeat_phases(1).size() < kBeats || heartbeat_phases(2).size() < kBeats)) {
    std::this_thread::sleep_for(milliseconds(5));
  }
  ASSERT_EQ(heartbeat_phases(1).size(), kBeats);
  EXPECT_EQ(heartbeat_phases(1), heartbeat_phases(2));
}

TEST(ReadyLoop, GroupsQueuedWhileAThreadHoldsWakeUpsWaitForItsReleaseAndShareAPass) {
  // Ticks half a minute apart: no timer of the groups queues them while the test holds.
  TwoGroupNode node({1}, nullptr, /*election_ticks=*/10, std::chrono::seconds(30));
  for (auto& e : node.engines) e->Campaign();
  ASSERT_TRUE(node.WaitForLeaders());
  ReadyLoop* loop = node.held.loop();
  // A loop still busy with the elections would find the proposals on its own.
  ASSERT_TRUE(node.WaitForSleepingLoop());
  loop->HoldWakes();
  auto first = testing::ProposePut(node.engines[0].get(), "a", "v");
  auto second = testing::ProposePut(node.engines[1].get(), "b", "v");
  EXPECT_EQ(first.wait_for(milliseconds(100)), std::future_status::timeout);
  const storage::NodeWal::Stats before = node.wal->stats();
  loop->ReleaseWakes();
  ASSERT_EQ(first.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  ASSERT_EQ(second.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_EQ(first.get().code, ProposeResult::Code::kApplied);
  EXPECT_EQ(second.get().code, ProposeResult::Code::kApplied);
  EXPECT_EQ(node.wal->stats().batches - before.batches, 1u);
}

TEST(ReadyLoop, AStalledGroupWaitsWhileAnotherGroupOfTheLoopGoesOn) {
  TwoGroupNode node;
  ASSERT_TRUE(node.WaitForLeaders());
  node.engines[0]->Stall(std::chrono::seconds(30));
  auto stalled = testing::ProposePut(node.engines[0].get(), "a", "v");
  auto other = testing::ProposePut(node.engines[1].get(), "b", "v");
  ASSERT_EQ(other.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_EQ(other.get().code, ProposeResult::Code::kApplied);
  EXPECT_EQ(stalled.wait_for(milliseconds(100)), std::future_status::timeout);
  // A shortened stall ends at once, not when the first one would have.
  node.engines[0]->Stall(milliseconds(1));
  ASSERT_EQ(stalled.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_EQ(stalled.get().code, ProposeResult::Code::kApplied);
}

}  // namespace
}  // namespace raftlab::engine
