#pragma once
// CallWatchdog: the one place that cancels blocking gRPC client calls, so no lane thread
// stays stuck in a synchronous Write or Finish to a peer that stopped reading.
//
// A caller registers each ClientContext it is about to use and arms it with a deadline
// around every operation that may block. The watchdog's thread cancels (TryCancel) a
// context still armed at its deadline; Shutdown() cancels every registered context at once
// and makes later registrations fail, which is how the transport's Send returns promptly
// at shutdown.
//
// Owns: its thread (started by the constructor, joined by the destructor).
// Threads: every method may be called from any thread. A context is only touched under
// mu_, and Unregister() takes mu_, so a context is never cancelled after it was
// unregistered (and possibly destroyed).

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

namespace grpc {
class ClientContext;
}

namespace raftlab::transport {

class CallWatchdog {
 public:
  using Clock = std::chrono::steady_clock;

  CallWatchdog();
  ~CallWatchdog();  // Shutdown() and join
  CallWatchdog(const CallWatchdog&) = delete;
  CallWatchdog& operator=(const CallWatchdog&) = delete;

  // Tracks ctx until Unregister. After Shutdown it cancels ctx at once and returns false.
  bool Register(grpc::ClientContext* ctx);
  void Unregister(grpc::ClientContext* ctx);

  // Cancels ctx (registered) if it is still armed at deadline. Re-arming moves the deadline.
  void Arm(grpc::ClientContext* ctx, Clock::time_point deadline);
  void Disarm(grpc::ClientContext* ctx);

  // Cancels every registered context; later Register calls fail. Idempotent.
  void Shutdown();
  bool shut_down() const;

  // Sleeps for d, or less if Shutdown() comes first. Returns false when cut short.
  bool SleepFor(std::chrono::milliseconds d);

 private:
  void Run();

  mutable std::mutex mu_;
  std::condition_variable wake_;
  // Registered contexts and, for armed ones, their deadline.
  std::map<grpc::ClientContext*, std::optional<Clock::time_point>> calls_;  // guarded by mu_
  bool shut_down_ = false;                                                  // guarded by mu_
  // When the thread looks at the deadlines next; nullopt: only when woken.   guarded by mu_
  std::optional<Clock::time_point> sleeping_until_;
  bool exiting_ = false;                                                    // guarded by mu_
  std::thread thread_;  // last: starts after everything above exists
};

// Arms ctx for the lifetime of the scope.
class ArmedCall {
 public:
  ArmedCall(CallWatchdog& watchdog, grpc::ClientContext* ctx, std::chrono::milliseconds timeout)
      : watchdog_(watchdog), ctx_(ctx) {
    watchdog_.Arm(ctx_, CallWatchdog::Clock::now() + timeout);
  }
  ~ArmedCall() { watchdog_.Disarm(ctx_); }
  ArmedCall(const ArmedCall&) = delete;
  ArmedCall& operator=(const ArmedCall&) = delete;

 private:
  CallWatchdog& watchdog_;
  grpc::ClientContext* ctx_;
};

}  // namespace raftlab::transport
