#include "server/rpc/completion_loop.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/security/server_credentials.h>
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "kv.grpc.pb.h"
#include "server/rpc/unary_call.h"

namespace raftlab::rpc {
namespace {

namespace pb = raftlab::kv;
using PutCall = UnaryCall<pb::PutRequest, pb::PutResponse>;

// The replies a test's handler was given, answered when the test says so (from its thread).
class HeldReplies {
 public:
  void Add(const pb::PutRequest* request, pb::PutResponse* response, UnaryReply* reply) {
    std::lock_guard lock(mu_);
    held_.push_back({request->key(), response, reply});
    cv_.notify_all();
  }
  bool WaitFor(size_t n) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(30), [&] { return held_.size() >= n; });
  }
  // Answers every held call: OK with the key's length as the node id, or the given error.
  void FinishAll(const grpc::Status& status) {
    std::lock_guard lock(mu_);
    for (Held& h : held_) {
      h.response->mutable_header()->set_node_id(h.key.size());
      h.reply->Finish(status);
    }
    held_.clear();
  }

 private:
  struct Held {
    std::string key;
    pb::PutResponse* response;
    UnaryReply* reply;
  };
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Held> held_;
};

// A server whose Put calls are served by a CompletionLoop and held until the test answers.
class PutServer {
 public:
  explicit PutServer(bool start_loop = true) {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    builder.RegisterService(&service_);
    loop_ = std::make_unique<CompletionLoop>(builder);
    server_ = builder.BuildAndStart();
    put_.request = [this](grpc::ServerContext* ctx, pb::PutRequest* req,
                          grpc::ServerAsyncResponseWriter<pb::PutResponse>* writer,
                          grpc::ServerCompletionQueue* queue,
                          void* tag) { service_.RequestPut(ctx, req, writer, queue, queue, tag); };
    put_.handle = [this](grpc::ServerContext*, const pb::PutRequest* req, pb::PutResponse* resp,
                         UnaryReply* reply) { held.Add(req, resp, reply); };
    put_.Listen(*loop_);
    if (start_loop) loop_->Start("rpc-test");
  }
  ~PutServer() { Stop(); }

  void Stop() {
    if (server_ == nullptr) return;
    server_->Shutdown(std::chrono::system_clock::now());
    held.FinishAll(grpc::Status(grpc::StatusCode::UNAVAILABLE, "stopping"));
    loop_->Stop();
    server_.reset();
  }
  void ShutdownServer() { server_->Shutdown(std::chrono::system_clock::now()); }
  CompletionLoop& loop() { return *loop_; }

  std::unique_ptr<pb::KV::Stub> Stub() const {
    return pb::KV::NewStub(grpc::CreateChannel("127.0.0.1:" + std::to_string(port_),
                                               grpc::InsecureChannelCredentials()));
  }

  HeldReplies held;

 private:
  int port_ = 0;
  pb::KV::AsyncService service_;
  UnaryCall<pb::PutRequest, pb::PutResponse>::Method put_;
  std::unique_ptr<CompletionLoop> loop_;
  std::unique_ptr<grpc::Server> server_;
};

grpc::Status Put(pb::KV::Stub& stub, const std::string& key, pb::PutResponse* resp) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  pb::PutRequest req;
  req.set_key(key);
  return stub.Put(&ctx, req, resp);
}

// One client Put (key "abc") in flight on its own thread, held by the server until answered.
struct OnePut {
  explicit OnePut(const PutServer& server)
      : stub(server.Stub()), client([this] { status = Put(*stub, "abc", &resp); }) {}
  ~OnePut() { Join(); }
  void Join() {
    if (client.joinable()) client.join();
  }

  std::unique_ptr<pb::KV::Stub> stub;
  pb::PutResponse resp;
  grpc::Status status;
  std::thread client;  // last: it uses the members above
};

TEST(UnaryCall, AnAnswerFinishedOnAnotherThreadReachesTheClient) {
  PutServer server;
  OnePut put(server);
  ASSERT_TRUE(server.held.WaitFor(1));
  server.held.FinishAll(grpc::Status::OK);
  put.Join();
  ASSERT_TRUE(put.status.ok()) << put.status.error_message();
  EXPECT_EQ(put.resp.header().node_id(), 3u);
}

TEST(UnaryCall, AnErrorReachesTheClientWithItsCodeAndMessage) {
  PutServer server;
  OnePut put(server);
  ASSERT_TRUE(server.held.WaitFor(1));
  server.held.FinishAll(grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, "not leader"));
  put.Join();
  EXPECT_EQ(put.status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(put.status.error_message(), "not leader");
  EXPECT_EQ(put.resp.header().node_id(), 0u) << "an error carries no response";
}

TEST(UnaryCall, CallsArriveWhileEarlierOnesAreStillUnanswered) {
  PutServer server;
  auto stub = server.Stub();
  constexpr int kClients = 16;
  std::vector<grpc::Status> statuses(kClients);
  std::vector<pb::PutResponse> responses(kClients);
  std::vector<std::thread> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.emplace_back(
        [&, i] { statuses[i] = Put(*stub, std::string(i + 1, 'k'), &responses[i]); });
  }
  // Every call reaches its handler before any is answered.
  ASSERT_TRUE(server.held.WaitFor(kClients));
  server.held.FinishAll(grpc::Status::OK);
  for (auto& c : clients) c.join();
  for (int i = 0; i < kClients; ++i) {
    ASSERT_TRUE(statuses[i].ok()) << i << ": " << statuses[i].error_message();
    EXPECT_EQ(responses[i].header().node_id(), static_cast<uint64_t>(i + 1));
  }
}

TEST(CompletionLoop, ACallStillUnansweredAtShutdownIsCancelledAndMayBeFinishedLater) {
  PutServer server;
  OnePut put(server);
  ASSERT_TRUE(server.held.WaitFor(1));
  server.ShutdownServer();
  put.Join();
  EXPECT_FALSE(put.status.ok());
  // The holder answers after the shutdown, as a Ready loop stopping later does.
  server.held.FinishAll(grpc::Status::OK);
  server.Stop();
}

TEST(CompletionLoop, StopWaitsForACallFinishedAfterTheServerShutDown) {
  PutServer server;
  OnePut put(server);
  ASSERT_TRUE(server.held.WaitFor(1));
  server.ShutdownServer();
  put.Join();
  // Finishing on a queue already shut down would abort the process.
  std::thread late([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    server.held.FinishAll(grpc::Status::OK);
  });
  server.loop().Stop();
  EXPECT_EQ(server.loop().live_calls(), 0);
  late.join();
}

TEST(CompletionLoop, StopDrainsTheQueueOfALoopThatNeverStarted) {
  PutServer server(/*start_loop=*/false);
  server.ShutdownServer();
  server.loop().Stop();
  server.loop().Stop();  // a second Stop is a no-op
}

}  // namespace
}  // namespace raftlab::rpc
