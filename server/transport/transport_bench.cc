// Loopback throughput of the gRPC transport: Dispatcher -> GrpcBatchSender -> one stream ->
// RaftTransportService -> handler, two nodes in one process.
//
//   ninja -C build transport_bench && build/server/transport/transport_bench
//
// BM_MsgApp/<entry bytes>: MsgApps with one entry each, 512 per iteration (half a lane),
//   waiting until all arrived; items/s = messages/s.
// BM_Snapshot/<MiB>: one MsgSnap image per iteration, chunked and reassembled; bytes/s.

#include <benchmark/benchmark.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>

#include "server/rpc/completion_loop.h"
#include "server/transport/dispatcher.h"
#include "server/transport/grpc_batch_sender.h"
#include "server/transport/raft_transport_service.h"

namespace raftlab::transport {
namespace {

class CountingHandler : public InboundHandler {
 public:
  void Deliver(uint64_t, raftpb::Message&&) override {
    std::lock_guard lock(mu_);
    ++count_;
    cv_.notify_all();
  }
  // Until count + drops reaches sent; a drop is reported on the sender's thread.
  void WaitFor(uint64_t sent, const std::atomic<uint64_t>& drops) {
    std::unique_lock lock(mu_);
    while (count_ + drops.load() < sent) cv_.wait_for(lock, std::chrono::milliseconds(1));
  }
  uint64_t count() {
    std::lock_guard lock(mu_);
    return count_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  uint64_t count_ = 0;
};

// Node 2 serves, node 1 sends to it.
struct Link {
  Link() : metrics(registry) {
    service = std::make_unique<RaftTransportService>(RaftTransportServiceOptions{.self_id = 2},
                                                     handler, metrics);
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.SetMaxReceiveMessageSize(kMaxInboundMessageBytes);
    builder.RegisterService(service->service());
    loop = std::make_unique<rpc::CompletionLoop>(builder);
    server = builder.BuildAndStart();
    service->Listen(*loop);
    loop->Start("rpc");
    GrpcBatchSenderOptions o;
    o.self_id = 1;
    o.peer_addresses = {{2, "127.0.0.1:" + std::to_string(port)}};
    sender = std::make_unique<GrpcBatchSender>(o, metrics);
    dispatcher = std::make_unique<Dispatcher>(
        DispatcherOptions{}, *sender,
        [this](uint64_t, const raftpb::Message&, DropReason) { drops.fetch_add(1); }, registry);
    (void)dispatcher->AddPeer(2);
  }
  ~Link() {
    sender->Shutdown();
    dispatcher->Shutdown();
    dispatcher.reset();
    sender.reset();
    server->Shutdown(std::chrono::system_clock::now());
    server->Wait();
    loop->Stop();
  }

  metrics::Registry registry;
  TransportMetrics metrics;
  CountingHandler handler;
  std::unique_ptr<RaftTransportService> service;
  std::unique_ptr<rpc::CompletionLoop> loop;
  std::unique_ptr<grpc::Server> server;
  std::unique_ptr<GrpcBatchSender> sender;
  std::unique_ptr<Dispatcher> dispatcher;
  std::atomic<uint64_t> drops{0};
};

raftpb::Message Msg(raftpb::MessageType type, uint64_t index) {
  raftpb::Message m;
  m.set_type(type);
  m.set_from(1);
  m.set_to(2);
  m.set_index(index);
  return m;
}

void BM_MsgApp(benchmark::State& state) {
  Link link;
  const std::string payload(static_cast<std::size_t>(state.range(0)), 'x');
  constexpr uint64_t kPerIteration = 512;
  uint64_t sent = 0;
  for (auto _ : state) {
    for (uint64_t i = 0; i < kPerIteration; ++i) {
      raftpb::Message m = Msg(raftpb::MsgApp, ++sent);
      m.add_entries()->set_data(payload);
      link.dispatcher->Enqueue(1, std::move(m));
    }
    link.handler.WaitFor(sent, link.drops);
  }
  state.SetItemsProcessed(static_cast<int64_t>(link.handler.count()));
  state.SetBytesProcessed(static_cast<int64_t>(link.handler.count() * payload.size()));
  state.counters["drops"] = static_cast<double>(link.drops.load());
}
BENCHMARK(BM_MsgApp)->Arg(256)->Arg(4096)->UseRealTime()->Unit(benchmark::kMillisecond);

void BM_Snapshot(benchmark::State& state) {
  Link link;
  const std::string image(static_cast<std::size_t>(state.range(0)) << 20, 's');
  uint64_t sent = 0;
  for (auto _ : state) {
    raftpb::Message m = Msg(raftpb::MsgSnap, ++sent);
    m.mutable_snapshot()->set_data(image);
    link.dispatcher->Enqueue(1, std::move(m));
    link.handler.WaitFor(sent, link.drops);
  }
  state.SetBytesProcessed(static_cast<int64_t>(link.handler.count() * image.size()));
}
BENCHMARK(BM_Snapshot)->Arg(16)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace raftlab::transport
