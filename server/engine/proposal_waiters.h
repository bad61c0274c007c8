#pragma once
// ProposalWaiters holds the clients waiting for their proposals to be applied.
//
// Each proposal carries a unique id inside its command; when the apply loop applies an
// entry it completes the waiter with that id and the apply result. A waiter whose deadline
// passes completes with kTimeout: its proposal may still commit later, which is why the
// harness records such an op as `info`, never `fail`.
//
// Thread-safety: every method may be called from any thread; callbacks run on the calling
// thread, outside the lock.

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <unordered_map>
#include <utility>
#include <vector>

namespace raftlab::engine {

enum class ProposalFailure {
  kNone,
  kTimeout,  // the deadline passed; the proposal may or may not take effect
  kAborted,  // the group stopped; the proposal may or may not take effect
};

template <typename Result>
class ProposalWaiters {
 public:
  using Clock = std::chrono::steady_clock;
  using Callback = std::function<void(ProposalFailure, Result)>;

  // Returns a fresh id to put in the proposal's command.
  uint64_t Register(Clock::time_point deadline, Callback done) {
    std::lock_guard lock(mu_);
    const uint64_t id = next_id_++;
    waiters_.emplace(id, Waiter{deadline, std::move(done)});
    return id;
  }

  // The proposal with this id was applied; false when nobody waits for it any more
  // (timed out, or proposed by another node).
  bool Complete(uint64_t id, Result result) {
    Callback done;
    {
      std::lock_guard lock(mu_);
      auto it = waiters_.find(id);
      if (it == waiters_.end()) return false;
      done = std::move(it->second.done);
      waiters_.erase(it);
    }
    done(ProposalFailure::kNone, std::move(result));
    return true;
  }

  // Forgets a waiter without calling it (the proposal was refused before it was logged).
  bool Cancel(uint64_t id) {
    std::lock_guard lock(mu_);
    return waiters_.erase(id) > 0;
  }

  // Completes every waiter whose deadline is before now with kTimeout.
  void Expire(Clock::time_point now) {
    Fail([&](const Waiter& w) { return w.deadline < now; }, ProposalFailure::kTimeout);
  }

  // Completes every waiter with kAborted.
  void AbortAll() {
    Fail([](const Waiter&) { return true; }, ProposalFailure::kAborted);
  }

  size_t pending() const {
    std::lock_guard lock(mu_);
    return waiters_.size();
  }

 private:
  struct Waiter {
    Clock::time_point deadline;
    Callback done;
  };

  template <typename Pred>
  void Fail(Pred pred, ProposalFailure failure) {
    std::vector<Callback> failed;
    {
      std::lock_guard lock(mu_);
      for (auto it = waiters_.begin(); it != waiters_.end();) {
        if (pred(it->second)) {
          failed.push_back(std::move(it->second.done));
          it = waiters_.erase(it);
        } else {
          ++it;
        }
      }
    }
    for (auto& done : failed) done(failure, Result{});
  }

  mutable std::mutex mu_;
  uint64_t next_id_ = 1;                             // guarded by mu_
  std::unordered_map<uint64_t, Waiter> waiters_;     // guarded by mu_
};

}  // namespace raftlab::engine
