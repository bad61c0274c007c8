#pragma once
// CompletionLoop: one thread that serves a gRPC server's async calls from one completion
// queue. It polls the sockets itself and runs each completed operation's tag (CallTag) in
// place, so an RPC event costs one wake-up of this thread. gRPC 1.51's callback API instead
// hands every event between two pool threads ("nexting" threads): on this machine three
// context switches per event and about a third more CPU per call.
//
// Handlers run on the loop thread and must not block: they hand work on (to a Ready loop)
// and finish the call from whichever thread has the answer.
//
// Order of shutdown: grpc::Server::Shutdown (pending calls are cancelled), then whatever
// still holds unfinished calls finishes them, then Stop. Stop lets the thread run until
// every call is gone (cancelled operations come back to it and end their calls), then
// shuts the queue down: an operation started after that would abort the process.

#include <grpcpp/server_builder.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace raftlab::rpc {

class CompletionLoop;

// One async call (or its wait for a call) on a loop: Proceed runs on the loop thread when
// the operation it was passed to as tag completes (ok = false: the call was cancelled, or
// the server is shutting down). The loop counts live tags, so Stop knows when calls ended.
class CallTag {
 public:
  explicit CallTag(CompletionLoop& loop);
  virtual ~CallTag();
  CallTag(const CallTag&) = delete;
  CallTag& operator=(const CallTag&) = delete;

  virtual void Proceed(bool ok) = 0;

 protected:
  CompletionLoop& loop() const { return loop_; }

 private:
  CompletionLoop& loop_;
};

class CompletionLoop {
 public:
  // How long Stop waits for calls still held (by a handler that never finishes them).
  static constexpr std::chrono::seconds kDrainTimeout{10};

  // Adds the loop's queue to builder; call before builder.BuildAndStart().
  explicit CompletionLoop(grpc::ServerBuilder& builder);
  ~CompletionLoop();  // Stop()
  CompletionLoop(const CompletionLoop&) = delete;
  CompletionLoop& operator=(const CompletionLoop&) = delete;

  // Where services ask for calls; every tag passed to it must be a CallTag of this loop.
  grpc::ServerCompletionQueue* queue() const { return queue_.get(); }
  void Start(const std::string& thread_name);
  // After grpc::Server::Shutdown: waits until every call ended (at most kDrainTimeout),
  // shuts the queue down, runs what is left in it and joins the thread.
  void Stop();
  int64_t live_calls() const;

 private:
  friend class CallTag;
  void Run();
  void AddCall();
  void EndCall();

  std::unique_ptr<grpc::ServerCompletionQueue> queue_;
  std::thread thread_;
  bool stopped_ = false;
  mutable std::mutex mu_;
  std::condition_variable no_calls_;
  int64_t calls_ = 0;  // guarded by mu_
};

}  // namespace raftlab::rpc
