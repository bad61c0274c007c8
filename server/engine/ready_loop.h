#pragma once
// ReadyLoop: one thread that runs the Ready loops of many groups (a node's), as TiKV's
// batch system does. A pass takes every group with input (messages, proposals, reads, due
// ticks) and steps it; then it handles the Readys of all of them together: one WAL write and
// fsync for every group's records (NodeWal::AppendGroups), the sends, one state-machine
// write for every group's committed entries (StateMachine::ApplyGroups), then each group's
// completions and Advance; again while any group has a Ready. Per group this is the order
// of a Ready loop of its own; only the I/O is shared, and paid once per pass instead of
// once per group. The sends of all groups before the WAL write, and again after it, are one
// phase each (Outbox::BeginSends/EndSends): the transport sends a phase's messages to a
// peer as one batch, and the peer steps them in one pass of its own.
//
// A second thread, the ticker, counts every group's ticks (each on its own clock) and queues
// a group when its core waits for them: one sleeping thread for all the groups of a node.
// Ticks fall on the same instants for every group, leaders align their heartbeats to them,
// and the groups due on a tick are queued for one pass: their heartbeats travel together.
//
// Threads: the loop thread alone steps the groups' cores. Enqueue, AddTicking and WakeTicker
// may be called from any thread; Remove from any thread but the loop's.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace raftlab::engine {

class GroupEngine;
struct ReadyInFlight;

struct ReadyLoopOptions {
  std::string thread_name = "ready";
  // Test seam: called on the loop thread when groups wait for a pass, before it takes them.
  std::function<void()> before_pass;
};

class ReadyLoop {
 public:
  using Clock = std::chrono::steady_clock;
  // The ticker's longest sleep in real time (a skewed clock may change its rate meanwhile).
  static constexpr std::chrono::milliseconds kMaxTickerSleep{50};

  explicit ReadyLoop(ReadyLoopOptions options = {});
  ~ReadyLoop();  // Stop()
  ReadyLoop(const ReadyLoop&) = delete;
  ReadyLoop& operator=(const ReadyLoop&) = delete;

  void Start();
  // Stops the thread; every group must have been removed.
  void Stop();
  // Asks for a pass over the group (it has input); the group enqueues itself once per burst.
  void Enqueue(GroupEngine* group);
  // While the calling thread holds wake-ups, the groups it queues wait for its ReleaseWakes
  // to wake the loop: the messages of one received batch then reach one pass together
  // (others' groups queued meanwhile wait with them, for as long as the batch takes to
  // hand over). Holds nest; they are the calling thread's only.
  void HoldWakes();
  void ReleaseWakes();
  // Takes a stalled group up again now (its stall was shortened).
  void RecheckStalls();
  // The loop waits for work: no pass is under way and no group is queued.
  bool sleeping() const;
  // Has the ticker count the group's ticks (GroupEngine::CountTicks) until Remove.
  void AddTicking(GroupEngine* group);
  // Has the ticker look at every group again now (one's next tick is due sooner).
  void WakeTicker();
  // Once this returns neither the loop nor the ticker touches the group (a pass under way
  // ends first).
  void Remove(GroupEngine* group);

 private:
  void Run();
  void RunTicker();
  void Pass(const std::vector<GroupEngine*>& groups);
  // The shared I/O of a pass's Readys; a failure is fail-stop.
  static void PersistAll(std::vector<ReadyInFlight>& readys);
  static void ApplyAll(std::vector<ReadyInFlight>& readys);

  const ReadyLoopOptions options_;
  std::mutex pass_mu_;  // held for a pass; taken before mu_
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<GroupEngine*> queued_;                              // guarded by mu_
  bool waiting_ = false;                                          // guarded by mu_
  std::vector<std::pair<Clock::time_point, GroupEngine*>> stalled_;  // guarded by mu_
  bool stopping_ = false;                                         // guarded by mu_
  std::thread thread_;

  // The ticker's groups; held while it counts their ticks. Taken before a group's mutex.
  std::mutex ticking_mu_;
  std::vector<GroupEngine*> ticking_;  // guarded by ticking_mu_
  // Never held while a group's mutex is taken, so a group may wake the ticker under its own.
  std::mutex ticker_wake_mu_;
  std::condition_variable ticker_cv_;
  bool ticker_woken_ = false;    // guarded by ticker_wake_mu_
  bool ticker_stopping_ = false;  // guarded by ticker_wake_mu_
  std::thread ticker_thread_;
};

}  // namespace raftlab::engine
