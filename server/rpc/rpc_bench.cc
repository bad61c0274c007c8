// One unary call answered from another thread (as a Ready loop answers a put), served two
// ways in one process: gRPC's callback API, and the async API on a CompletionLoop.
//
//   ninja -C build rpc_bench && build/server/rpc/rpc_bench
//
// BM_Callback / BM_CompletionLoop: a client thread makes Put calls one after another; the
// server hands each to a worker thread, which finishes it. Counters per call: the process's
// CPU time (client, server and worker threads; getrusage) and context switches.

#include <benchmark/benchmark.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>
#include <sys/resource.h>

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "kv.grpc.pb.h"
#include "server/rpc/completion_loop.h"
#include "server/rpc/unary_call.h"

namespace raftlab::rpc {
namespace {

namespace pb = raftlab::kv;

// Runs posted closures on its own thread, as the Ready loop runs a pass.
class Worker {
 public:
  Worker() : thread_([this] { Run(); }) {}
  ~Worker() {
    Post(nullptr);
    thread_.join();
  }
  // A null task stops the worker.
  void Post(std::function<void()> task) {
    {
      std::lock_guard lock(mu_);
      tasks_.push_back(std::move(task));
    }
    cv_.notify_one();
  }

 private:
  void Run() {
    while (true) {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return !tasks_.empty(); });
      std::function<void()> task = std::move(tasks_.front());
      tasks_.pop_front();
      lock.unlock();
      if (!task) return;
      task();
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;
  std::thread thread_;
};

class CallbackPut final : public pb::KV::CallbackService {
 public:
  explicit CallbackPut(Worker& worker) : worker_(worker) {}
  grpc::ServerUnaryReactor* Put(grpc::CallbackServerContext* ctx, const pb::PutRequest*,
                                pb::PutResponse*) override {
    grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
    worker_.Post([reactor] { reactor->Finish(grpc::Status::OK); });
    return reactor;
  }

 private:
  Worker& worker_;
};

struct Usage {
  double cpu_us;
  double switches;
};

Usage ProcessUsage() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto us = [](const timeval& t) { return t.tv_sec * 1e6 + t.tv_usec; };
  return {us(u.ru_utime) + us(u.ru_stime), static_cast<double>(u.ru_nvcsw + u.ru_nivcsw)};
}

void RunPuts(benchmark::State& state, int port) {
  auto stub = pb::KV::NewStub(
      grpc::CreateChannel("127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials()));
  pb::PutRequest req;
  req.set_key("k");
  req.set_value(std::string(256, 'v'));
  const Usage before = ProcessUsage();
  for (auto _ : state) {
    grpc::ClientContext ctx;
    pb::PutResponse resp;
    if (grpc::Status s = stub->Put(&ctx, req, &resp); !s.ok()) {
      state.SkipWithError(s.error_message().c_str());
      break;
    }
  }
  const Usage after = ProcessUsage();
  const double calls = static_cast<double>(state.iterations());
  state.counters["cpu_us_per_call"] = (after.cpu_us - before.cpu_us) / calls;
  state.counters["switches_per_call"] = (after.switches - before.switches) / calls;
  state.SetItemsProcessed(state.iterations());
}

void BM_Callback(benchmark::State& state) {
  Worker worker;
  CallbackPut service(worker);
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  RunPuts(state, port);
  server->Shutdown(std::chrono::system_clock::now());
  server->Wait();
}
BENCHMARK(BM_Callback)->UseRealTime();

void BM_CompletionLoop(benchmark::State& state) {
  Worker worker;
  pb::KV::AsyncService service;
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service);
  CompletionLoop loop(builder);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  UnaryMethod<pb::PutRequest, pb::PutResponse> put;
  Bind(put, service, &pb::KV::AsyncService::RequestPut,
       [&worker](grpc::ServerContext*, const pb::PutRequest*, pb::PutResponse*, UnaryReply* reply) {
         worker.Post([reply] { reply->Finish(grpc::Status::OK); });
       });
  put.Listen(loop);
  loop.Start("rpc");
  RunPuts(state, port);
  server->Shutdown(std::chrono::system_clock::now());
  server->Wait();
  loop.Stop();
}
BENCHMARK(BM_CompletionLoop)->UseRealTime();

}  // namespace
}  // namespace raftlab::rpc
