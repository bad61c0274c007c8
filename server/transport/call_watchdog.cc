#include "server/transport/call_watchdog.h"

#include <grpcpp/client_context.h>

#include "server/log/thread_name.h"

namespace raftlab::transport {

CallWatchdog::CallWatchdog() : thread_([this] { Run(); }) {}

CallWatchdog::~CallWatchdog() {
  Shutdown();
  {
    std::lock_guard lock(mu_);
    exiting_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

bool CallWatchdog::Register(grpc::ClientContext* ctx) {
  std::lock_guard lock(mu_);
  if (shut_down_) {
    ctx->TryCancel();
    return false;
  }
  calls_.emplace(ctx, std::nullopt);
  return true;
}

void CallWatchdog::Unregister(grpc::ClientContext* ctx) {
  std::lock_guard lock(mu_);
  calls_.erase(ctx);
}

void CallWatchdog::Arm(grpc::ClientContext* ctx, Clock::time_point deadline) {
  {
    std::lock_guard lock(mu_);
    auto it = calls_.find(ctx);
    if (it == calls_.end()) return;
    it->second = deadline;
    // A thread already due to look no later than this deadline needs no wake-up: waking it
    // per armed write cost a context switch per message sent.
    if (sleeping_until_ && *sleeping_until_ <= deadline) return;
  }
  wake_.notify_all();
}

void CallWatchdog::Disarm(grpc::ClientContext* ctx) {
  std::lock_guard lock(mu_);
  auto it = calls_.find(ctx);
  if (it != calls_.end()) it->second.reset();
}

void CallWatchdog::Shutdown() {
  {
    std::lock_guard lock(mu_);
    if (shut_down_) return;
    shut_down_ = true;
    for (auto& [ctx, deadline] : calls_) ctx->TryCancel();
  }
  wake_.notify_all();
}

bool CallWatchdog::shut_down() const {
  std::lock_guard lock(mu_);
  return shut_down_;
}

bool CallWatchdog::SleepFor(std::chrono::milliseconds d) {
  std::unique_lock lock(mu_);
  return !wake_.wait_for(lock, d, [this] { return shut_down_; });
}

void CallWatchdog::Run() {
  log::NameThisThread("rpc-watchdog");
  std::unique_lock lock(mu_);
  while (!exiting_) {
    std::optional<Clock::time_point> next;
    const Clock::time_point now = Clock::now();
    for (auto& [ctx, deadline] : calls_) {
      if (!deadline) continue;
      if (*deadline <= now) {
        ctx->TryCancel();
        deadline.reset();
      } else if (!next || *deadline < *next) {
        next = deadline;
      }
    }
    sleeping_until_ = next;
    if (next) {
      wake_.wait_until(lock, *next);
    } else {
      wake_.wait(lock);
    }
  }
}

}  // namespace raftlab::transport
