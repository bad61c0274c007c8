#pragma once
// Test double for BatchSender: records what was sent, can hold chosen messages "in flight"
// until released, and can fail chosen batches. Tests synchronise on its condition variable
// (WaitUntil), never on sleeps.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "server/transport/batch_sender.h"

namespace raftlab::transport {

class FakeBatchSender : public BatchSender {
 public:
  struct Sent {
    uint64_t peer;
    std::string lane;
    uint64_t group_id;
    raftpb::MessageType type;
    uint64_t index;
  };
  struct State {
    std::vector<Sent> sent;            // messages of successful batches, in send order
    std::vector<std::size_t> batches;  // size of every Send call
    int blocked = 0;                   // Send calls waiting for Release()
    int failed = 0;                    // Send calls that returned an error

    bool Contains(raftpb::MessageType type) const {
      for (const Sent& s : sent) {
        if (s.type == type) return true;
      }
      return false;
    }
  };

  // Messages of these types block inside Send until Release(); BlockAll blocks every type.
  void BlockOn(raftpb::MessageType type) {
    std::lock_guard lock(mu_);
    block_types_.insert(type);
  }
  void BlockAll() {
    std::lock_guard lock(mu_);
    block_all_ = true;
  }
  // Lets every blocked and future Send through.
  void Release() {
    std::lock_guard lock(mu_);
    released_ = true;
    cv_.notify_all();
  }
  // Send returns UNAVAILABLE for a batch holding a message with this index.
  void FailBatchesWithIndex(uint64_t index) {
    std::lock_guard lock(mu_);
    fail_index_ = index;
  }

  absl::Status Send(uint64_t peer, std::string_view lane,
                    std::span<const OutboundMessage> batch) override {
    std::unique_lock lock(mu_);
    state_.batches.push_back(batch.size());
    bool fail = false;
    for (const OutboundMessage& m : batch) {
      if (!released_ && (block_all_ || block_types_.contains(m.message.type()))) {
        ++state_.blocked;
        cv_.notify_all();
        cv_.wait(lock, [this] { return released_; });
        --state_.blocked;
      }
      fail = fail || (fail_index_ && m.message.index() == *fail_index_);
    }
    if (fail) {
      ++state_.failed;
      cv_.notify_all();
      return absl::UnavailableError("fake send failure");
    }
    for (const OutboundMessage& m : batch) {
      state_.sent.push_back(
          {peer, std::string(lane), m.group_id, m.message.type(), m.message.index()});
    }
    cv_.notify_all();
    return absl::OkStatus();
  }

  // Waits until pred(state) holds. The deadline only keeps a broken build from hanging the
  // test run; the tests assert on the predicate, not on time.
  template <typename Pred>
  [[nodiscard]] bool WaitUntil(Pred pred) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(60), [&] { return pred(state_); });
  }

  State Snapshot() {
    std::lock_guard lock(mu_);
    return state_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  State state_;
  std::set<raftpb::MessageType> block_types_;
  bool block_all_ = false;
  bool released_ = false;
  std::optional<uint64_t> fail_index_;
};

}  // namespace raftlab::transport
