#include "server/rpc/completion_loop.h"

#include "server/log/log.h"
#include "server/log/thread_name.h"

namespace raftlab::rpc {

CallTag::CallTag(CompletionLoop& loop) : loop_(loop) { loop_.AddCall(); }

CallTag::~CallTag() { loop_.EndCall(); }

CompletionLoop::CompletionLoop(grpc::ServerBuilder& builder)
    : queue_(builder.AddCompletionQueue()) {}

CompletionLoop::~CompletionLoop() { Stop(); }

void CompletionLoop::Start(const std::string& thread_name) {
  thread_ = std::thread([this, thread_name] {
    log::NameThisThread(thread_name);
    Run();
  });
}

void CompletionLoop::Stop() {
  if (stopped_) return;
  stopped_ = true;
  if (!thread_.joinable()) {
    // Never started: nothing ran, so no call started an operation; gRPC wants it drained.
    queue_->Shutdown();
    Run();
    return;
  }
  {
    std::unique_lock lock(mu_);
    if (!no_calls_.wait_for(lock, kDrainTimeout, [this] { return calls_ == 0; })) {
      RAFTLAB_LOG(kWarn, "rpc_calls_unfinished")
          .Kv("calls", calls_)
          .Kv("waited_s", kDrainTimeout.count());
    }
  }
  queue_->Shutdown();
  thread_.join();
}

int64_t CompletionLoop::live_calls() const {
  std::lock_guard lock(mu_);
  return calls_;
}

void CompletionLoop::Run() {
  void* tag = nullptr;
  bool ok = false;
  while (queue_->Next(&tag, &ok)) static_cast<CallTag*>(tag)->Proceed(ok);
}

void CompletionLoop::AddCall() {
  std::lock_guard lock(mu_);
  ++calls_;
}

void CompletionLoop::EndCall() {
  std::lock_guard lock(mu_);
  if (--calls_ == 0) no_calls_.notify_all();
}

}  // namespace raftlab::rpc
