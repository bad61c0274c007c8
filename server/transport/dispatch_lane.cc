#include "server/transport/dispatch_lane.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "server/log/thread_name.h"

namespace raftlab::transport {

namespace {

DispatchLane::Options Normalized(DispatchLane::Options o) {
  o.max_batch = std::max<std::size_t>(o.max_batch, 1);
  return o;
}

}  // namespace

std::string_view ToString(DropReason reason) {
  switch (reason) {
    case DropReason::kLaneFull:
      return "lane_full";
    case DropReason::kSendFailed:
      return "send_failed";
    case DropReason::kUnknownPeer:
      return "unknown_peer";
  }
  return "unknown";
}

DispatchLane::DispatchLane(Options options, BatchSender& sender,
                           const DropCallback& on_send_failure, metrics::Counter* drops,
                           metrics::Counter* errors)
    : options_(Normalized(options)),
      sender_(sender),
      on_send_failure_(on_send_failure),
      drops_(drops),
      errors_(errors),
      worker_([this] { Run(); }) {}

DispatchLane::~DispatchLane() { Stop(); }

bool DispatchLane::TryEnqueue(uint64_t group_id, raftpb::Message& message, bool hold_wake) {
  bool wake = false;
  {
    std::lock_guard lock(mu_);
    if (stopping_) return false;
    if (queue_.size() >= options_.capacity) {
      drops_->Inc();
      return false;
    }
    queue_.push_back(OutboundMessage{group_id, std::move(message)});
    wake = !hold_wake && worker_waiting_;
    if (wake) worker_waiting_ = false;
  }
  // From outside the lock: spares the worker a second wake-up on the mutex.
  if (wake) wake_.notify_one();
  return true;
}

void DispatchLane::Wake() {
  bool wake = false;
  {
    std::lock_guard lock(mu_);
    wake = worker_waiting_;
    worker_waiting_ = false;
  }
  if (wake) wake_.notify_one();
}

void DispatchLane::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    queue_.clear();
  }
  wake_.notify_all();
  if (worker_.joinable()) worker_.join();
}

std::size_t DispatchLane::queued() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

bool DispatchLane::worker_sleeping() const {
  std::lock_guard lock(mu_);
  return worker_waiting_;
}

void DispatchLane::Run() {
  std::vector<OutboundMessage> batch;
  batch.reserve(options_.max_batch);
  log::NameThisThread("lane" + std::to_string(options_.peer) + "-" + std::string(options_.name));
  std::unique_lock lock(mu_);
  for (;;) {
    while (!stopping_ && queue_.empty()) {
      worker_waiting_ = true;
      wake_.wait(lock);
    }
    worker_waiting_ = false;
    if (stopping_) return;
    const std::size_t n = std::min(options_.max_batch, queue_.size());
    for (std::size_t i = 0; i < n; ++i) {
      batch.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    lock.unlock();
    const absl::Status status = sender_.Send(options_.peer, options_.name, batch);
    if (!status.ok()) {
      errors_->Inc();
      for (const OutboundMessage& m : batch) {
        on_send_failure_(m.group_id, m.message, DropReason::kSendFailed);
      }
    }
    batch.clear();
    lock.lock();
  }
}

}  // namespace raftlab::transport
