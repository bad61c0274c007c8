#pragma once
// LeaseTracker decides whether a leader may serve a read from local state (a lease read).
//
// The Raft core numbers heartbeat rounds and reports, per Ready, the highest round a quorum
// of voters acknowledged in the current term and whether the leader has committed an entry
// of that term. The engine records the monotonic time at which each round was *sent*.
// Timing the lease from the send instant is what keeps it safe: every follower that acked
// round r reset its election timer no earlier than r's send time, so none of them can vote
// for a new leader before send_time(r) + election timeout. The lease is shorter than that by
// a safety margin. The margin must cover one tick (a follower counts its election timeout
// in ticks, so it may fire up to a tick early) plus the clocks' drift apart over one
// lease: the lease is safe while (lease x relative rate error of the two clocks) stays
// below (margin - tick). Clock steps are outside that bound. The server's flag check
// (server/api/server_flags.cc) refuses a margin that is not above one tick.
//
// A leadership transfer ends the lease at once: the core reports the transfer in the
// Ready that starts it, and OnReady forgets the acked round, so the lease can only come
// back from a round the core reports afresh (never within a term in which MsgTimeoutNow
// was sent; see raft.h for why). Any report of a round lower than the one held withdraws
// the lease the same way: the core lowered it on purpose (transfer, membership change).
//
// Owned and called by one group's Ready-loop thread; Check may be called from that thread
// only (the engine publishes the result to readers).

#include <chrono>
#include <cstdint>
#include <map>

namespace raftlab::engine {

using Nanos = std::chrono::nanoseconds;

// Why a lease check failed, for the raftlab_lease_read_total{outcome} counter and logs.
enum class LeaseOutcome {
  kHit,                 // the lease holds: serve locally
  kNotLeader,           // only the leader holds a lease
  kNotCommittedInTerm,  // the leader has not yet committed an entry of its term
  kNoQuorumRound,       // no heartbeat round of this term was acked by a quorum yet
  kExpired,             // the latest quorum-acked round is too old
  kTransferring,        // a leadership transfer started in this term: the lease is void
  kDisabled,            // lease duration is not positive: leases are off
};

inline constexpr int kLeaseOutcomeCount = 7;

const char* ToString(LeaseOutcome outcome);

class LeaseTracker {
 public:
  // lease = election timeout - margin; a non-positive lease disables lease reads.
  LeaseTracker(Nanos election_timeout, Nanos margin);

  // Every heartbeat round of `term` up to `round` not stamped yet was handed to the
  // transport at sent_at (monotonic). Rounds count from 1 again in each term.
  void OnRoundSent(uint64_t term, uint64_t round, Nanos sent_at);

  // State reported by the core in a Ready processed at `processed_at` (only the planted
  // lease-from-ack-receipt bug uses it). A change of term or loss of leadership forgets
  // every round: rounds of an old term say nothing about the new one.
  // `transferring`: the Ready reports a transfer in progress or MsgTimeoutNow sent in this
  // term (Ready::lead_transferee / lease_void); the lease ends before the Ready is sent.
  void OnReady(uint64_t term, bool is_leader, uint64_t quorum_acked_round, bool committed_in_term,
               bool transferring = false, Nanos processed_at = Nanos::min());

  // Whether a read at `now` may be served locally; `now` is one sample taken by the caller.
  LeaseOutcome Check(Nanos now) const;

  // Check without the clock: kHit means "a hit until ExpiresAt()", anything else is the
  // reason there is no lease whatever the time. What the engine publishes to readers.
  LeaseOutcome Standing() const;

  // When the current lease ends (monotonic), or Nanos::min() when there is none.
  Nanos ExpiresAt() const;

  Nanos lease_duration() const { return lease_; }

 private:
  void Reset(uint64_t term);
  void ForgetAckedRound();

  const Nanos lease_;
  uint64_t term_ = 0;
  bool is_leader_ = false;
  bool committed_in_term_ = false;
  bool transferring_ = false;
  // Send time of the quorum-acked round, or min() when none.
  Nanos acked_sent_at_ = Nanos::min();
  uint64_t acked_round_ = 0;
  uint64_t highest_sent_ = 0;  // highest round of term_ stamped so far
  // Send times of rounds not yet acked by a quorum; pruned as acks arrive.
  std::map<uint64_t, Nanos> pending_rounds_;
};

}  // namespace raftlab::engine
