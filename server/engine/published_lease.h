#pragma once
// PublishedLease: the lease state the Ready loop publishes for reader threads, read as one
// consistent snapshot.
//
// A lease read needs three things from the same instant: why there is or is not a lease,
// when it expires, and the commit index to serve at. Torn reads are unsafe both ways: an
// expiry left over from before a transfer next to a fresh "hit", or a hit next to a commit
// index older than the one the leader knew when the lease was granted (a new leader's
// first lease must cover what its predecessors committed). Seqlock: one writer (the Ready
// loop) bumps the sequence to odd, stores the fields, bumps it to even; readers retry
// until they see the same even sequence before and after their loads. Readers never block
// the writer and take no lock.

#include <atomic>
#include <cstdint>

#include "server/engine/lease_tracker.h"

namespace raftlab::engine {

struct LeaseSnapshot {
  // LeaseTracker::Standing(): kHit means "a hit until expires_at".
  LeaseOutcome standing = LeaseOutcome::kNotLeader;
  Nanos expires_at = Nanos::min();
  // The commit index a lease read is served at (once applied).
  uint64_t commit_index = 0;

  // The outcome of a lease read at `now` (one clock sample).
  LeaseOutcome At(Nanos now) const {
    if (standing != LeaseOutcome::kHit) return standing;
    return now < expires_at ? LeaseOutcome::kHit : LeaseOutcome::kExpired;
  }
};

class PublishedLease {
 public:
  // Single writer: only one thread may publish at a time.
  void Publish(const LeaseSnapshot& s) {
    const uint64_t seq = seq_.load(std::memory_order_relaxed);
    seq_.store(seq + 1, std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_release);
    standing_.store(static_cast<int>(s.standing), std::memory_order_relaxed);
    expires_ns_.store(s.expires_at.count(), std::memory_order_relaxed);
    commit_.store(s.commit_index, std::memory_order_relaxed);
    seq_.store(seq + 2, std::memory_order_release);
  }

  // Any thread; lock-free, retries while a publication is in progress.
  LeaseSnapshot Read() const {
    while (true) {
      const uint64_t before = seq_.load(std::memory_order_acquire);
      LeaseSnapshot s;
      s.standing = static_cast<LeaseOutcome>(standing_.load(std::memory_order_relaxed));
      s.expires_at = Nanos(expires_ns_.load(std::memory_order_relaxed));
      s.commit_index = commit_.load(std::memory_order_relaxed);
      std::atomic_thread_fence(std::memory_order_acquire);
      if ((before & 1) == 0 && seq_.load(std::memory_order_relaxed) == before) return s;
    }
  }

 private:
  std::atomic<uint64_t> seq_{0};
  std::atomic<int> standing_{static_cast<int>(LeaseOutcome::kNotLeader)};
  std::atomic<int64_t> expires_ns_{Nanos::min().count()};
  std::atomic<uint64_t> commit_{0};
};

}  // namespace raftlab::engine
