#pragma once
// DispatchLane: one bounded FIFO queue of outbound messages to one peer, drained by its own
// worker thread in batches through a BatchSender.
//
// Owns: the queue and the worker thread (started by the constructor, joined by Stop()).
// Threads: TryEnqueue, Stop and queued() may be called from any thread; the worker is the
// only caller of the sender for this lane, so messages reach the sender in enqueue order.
// Invariants: at most `capacity` messages wait in the queue (a batch being sent is no longer
// waiting); TryEnqueue never waits for the sender, only for the queue's mutex, which the
// worker holds just long enough to move a batch out.

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string_view>
#include <thread>

#include "server/metrics/metric.h"
#include "server/transport/batch_sender.h"

namespace raftlab::transport {

// Why a message was not sent; the engine answers every reason the same way
// (ReportUnreachable, or ReportSnapshot(failure) for MsgSnap).
enum class DropReason {
  kLaneFull,     // its lane's queue was at capacity
  kSendFailed,   // the sender returned an error for the batch it was in
  kUnknownPeer,  // no lanes exist for message.to()
};

std::string_view ToString(DropReason reason);

// Called for a message that will not be sent. It runs on the enqueuing thread (kLaneFull,
// kUnknownPeer) or on a lane worker (kSendFailed), so it must be thread-safe and quick
// (e.g. post a report to the group's Ready loop). It may call Enqueue, but not Stop,
// RemovePeer or Shutdown.
using DropCallback =
    std::function<void(uint64_t group_id, const raftpb::Message& message, DropReason reason)>;

class DispatchLane {
 public:
  struct Options {
    uint64_t peer = 0;
    std::string_view name;  // static storage (a LaneSpec name)
    std::size_t capacity = 0;
    std::size_t max_batch = 64;  // messages handed to one Send
  };

  // sender, on_send_failure and the counters must outlive the lane. drops counts messages
  // refused by a full queue; errors counts failed Send calls.
  DispatchLane(Options options, BatchSender& sender, const DropCallback& on_send_failure,
               metrics::Counter* drops, metrics::Counter* errors);
  ~DispatchLane();  // Stop()
  DispatchLane(const DispatchLane&) = delete;
  DispatchLane& operator=(const DispatchLane&) = delete;

  // Queues message (moving from it) and returns true; or, when the queue is full or the
  // lane stopped, counts a drop (full only) and returns false leaving message untouched.
  // With hold_wake, a sleeping worker is left asleep: the caller owes the lane a Wake().
  bool TryEnqueue(uint64_t group_id, raftpb::Message& message, bool hold_wake = false);

  // Wakes the worker if it sleeps (it owes nothing otherwise: a worker that is sending
  // looks at the queue again before it sleeps).
  void Wake();

  // Stops taking messages, lets an in-flight Send finish, discards what is still queued
  // (the caller is going away or the peer was removed) and joins the worker. Idempotent.
  void Stop();

  // Messages waiting (not counting a batch in flight).
  std::size_t queued() const;
  // The worker sleeps until a Wake (or an enqueue that wakes it).
  bool worker_sleeping() const;
  std::string_view name() const { return options_.name; }

 private:
  void Run();

  const Options options_;
  BatchSender& sender_;
  const DropCallback& on_send_failure_;
  metrics::Counter* const drops_;
  metrics::Counter* const errors_;

  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::deque<OutboundMessage> queue_;  // guarded by mu_
  bool stopping_ = false;              // guarded by mu_
  bool worker_waiting_ = false;        // guarded by mu_: the worker sleeps on wake_
  std::thread worker_;                 // last: starts after everything above exists
};

}  // namespace raftlab::transport
