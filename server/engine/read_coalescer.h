#pragma once
// ReadCoalescer batches linearizable reads so concurrent requests share one ReadIndex round.
//
// Reads that arrive while a round is in flight wait for the next one; when the core answers
// a round with a read index, its reads wait until the state machine has applied that index,
// then run. A round the core never answers (the leader changed, a message was dropped) is
// re-issued after `retry_ticks` ticks with a fresh context, keeping its reads.
//
// Contexts are "read-<incarnation>-<n>": n counts rounds of this coalescer, and the
// incarnation is a random 64-bit value drawn when the coalescer is made, i.e. once per
// process start of the node. An answer to a round of an earlier incarnation (a
// MsgReadIndexResp delayed across a restart) therefore never matches a round of this one:
// with n alone, both would be "read-1" and the old read index, possibly below a write the
// new round's readers already saw acknowledged, would answer the new round. Random rather
// than persisted: a persisted counter would cost a durable write before the first read of
// every start and repeats itself if the write is lost or the data dir restored; 64 random
// bits collide with one given earlier incarnation with probability 2^-64, and they affect
// only message identity, never the replayable behaviour of a seeded run.
//
// Thread-safety: Add, WaitApplied and Expire may be called from any thread; the other methods from the
// group's Ready-loop thread. Callbacks run on the calling thread, outside the lock.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace raftlab::engine {

enum class ReadFailure {
  kNone,
  kTimeout,   // the request's deadline passed before the read could be served
  kAborted,   // the group stopped or lost leadership: retry elsewhere
};

// How a read queued for a round relates to the others.
enum class ReadJoin {
  kStarted,  // the first read queued for the next round: it makes the round happen
  kJoined,   // queued behind another read: shares that read's round
};

// The outcome handed to a waiting read: on success, the read index it was served at.
struct ReadOutcome {
  ReadFailure failure = ReadFailure::kNone;
  uint64_t read_index = 0;
  bool ok() const { return failure == ReadFailure::kNone; }
};

class ReadCoalescer {
 public:
  using Callback = std::function<void(const ReadOutcome&)>;
  using Clock = std::chrono::steady_clock;

  // `incarnation` tells this coalescer's contexts from those of earlier process starts.
  explicit ReadCoalescer(int retry_ticks, uint64_t incarnation = RandomIncarnation());

  // A fresh random incarnation (std::random_device).
  static uint64_t RandomIncarnation();

  // Queues a read for the next round.
  ReadJoin Add(Clock::time_point deadline, Callback done);

  // Waits, without a round, until `index` is applied (a lease read served at the leader's
  // commit index); completes at once when `applied` already covers it.
  void WaitApplied(uint64_t index, uint64_t applied, Clock::time_point deadline, Callback done);

  // If no round is in flight and reads are queued, starts a round and returns the context
  // to pass to the core's ReadIndex; otherwise nullopt.
  std::optional<std::string> TakeRoundToIssue();

  // The core answered the round `context` with `read_index`; reads of that round whose
  // index is already applied complete now.
  void OnReadState(const std::string& context, uint64_t read_index, uint64_t applied);

  // The state machine applied up to `applied`: completes reads waiting for it.
  void OnApplied(uint64_t applied);

  // Ages the in-flight round; after retry_ticks the round is re-issued by TakeRoundToIssue.
  void Tick();

  // Fails reads whose deadline is before now.
  void Expire(Clock::time_point now);

  // Fails every read (step-down, shutdown).
  void AbortAll();

  // Reads queued, in flight or waiting for apply.
  size_t pending() const;

 private:
  struct Waiter {
    Clock::time_point deadline;
    Callback done;
  };
  struct Completion {
    Callback done;
    ReadOutcome outcome;
  };
  static void Run(std::vector<Completion>& completions);
  void CollectApplied(uint64_t applied, std::vector<Completion>& out);

  const int retry_ticks_;
  const std::string context_prefix_;
  mutable std::mutex mu_;
  uint64_t next_context_ = 1;                  // guarded by mu_
  std::vector<Waiter> queued_;                 // guarded by mu_: waiting for a round
  std::optional<std::string> inflight_ctx_;    // guarded by mu_
  std::vector<Waiter> inflight_;               // guarded by mu_: in the in-flight round
  int inflight_age_ = 0;                       // guarded by mu_: ticks since issued
  uint64_t applied_ = 0;                       // guarded by mu_: highest applied index seen
  std::multimap<uint64_t, Waiter> by_index_;   // guarded by mu_: waiting for apply
};

}  // namespace raftlab::engine
