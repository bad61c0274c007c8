#include "server/transport/transport_test_util.h"

#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server_builder.h>

#include <thread>

namespace raftlab::transport::testing {

bool Eventually(const std::function<bool()>& pred) {
  const auto deadline = std::chrono::steady_clock::now() + kPatience;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

bool RetryUntil(const std::function<void()>& action, const std::function<bool()>& done) {
  const auto deadline = std::chrono::steady_clock::now() + kPatience;
  while (std::chrono::steady_clock::now() < deadline) {
    action();
    const auto pace = std::chrono::steady_clock::now() + std::chrono::milliseconds(100);
    while (std::chrono::steady_clock::now() < pace) {
      if (done()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  }
  return done();
}

namespace {
thread_local int open_batches = 0;  // RecordingHandler brackets open on this thread
}  // namespace

void RecordingHandler::Deliver(uint64_t group_id, raftpb::Message&& msg) {
  std::lock_guard lock(mu_);
  received_.push_back({group_id, std::move(msg), open_batches > 0});
  cv_.notify_all();
}

void RecordingHandler::BeginBatch() { ++open_batches; }
void RecordingHandler::EndBatch() { --open_batches; }

bool RecordingHandler::WaitUntil(const std::function<bool(const std::vector<Received>&)>& pred) {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, kPatience, [&] { return pred(received_); });
}

std::vector<RecordingHandler::Received> RecordingHandler::received() {
  std::lock_guard lock(mu_);
  return received_;
}

bool RecordingHandler::Has(uint64_t from, raftpb::MessageType type, uint64_t index) {
  std::lock_guard lock(mu_);
  for (const Received& r : received_) {
    if (r.message.from() == from && r.message.type() == type && r.message.index() == index) {
      return true;
    }
  }
  return false;
}

DropCallback DropLog::Callback() {
  return [this](uint64_t group, const raftpb::Message& m, DropReason reason) {
    std::lock_guard lock(mu_);
    drops_.push_back({group, m.type(), m.to(), m.index(), reason});
    cv_.notify_all();
  };
}

bool DropLog::WaitUntil(const std::function<bool(const std::vector<Drop>&)>& pred) {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, kPatience, [&] { return pred(drops_); });
}

bool DropLog::Has(uint64_t to, uint64_t index) {
  std::lock_guard lock(mu_);
  for (const Drop& d : drops_) {
    if (d.to == to && d.index == index) return true;
  }
  return false;
}

std::vector<DropLog::Drop> DropLog::drops() {
  std::lock_guard lock(mu_);
  return drops_;
}

TestNode::TestNode(uint64_t id, NodeOptions options) : id(id), options(options) {}

TestNode::~TestNode() { Stop(); }

bool TestNode::StartServer(int port) {
  service_ = std::make_unique<RaftTransportService>(
      RaftTransportServiceOptions{
          .self_id = id, .max_snapshot_bytes = options.max_snapshot_bytes, .partition = &partition},
      handler, metrics);
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:" + std::to_string(port), grpc::InsecureServerCredentials(),
                           &port_);
  builder.SetMaxReceiveMessageSize(kMaxInboundMessageBytes);
  builder.RegisterService(service_->service());
  loop_ = std::make_unique<rpc::CompletionLoop>(builder);
  server_ = builder.BuildAndStart();
  if (server_ == nullptr || port_ == 0) return false;
  service_->Listen(*loop_);
  loop_->Start("rpc" + std::to_string(id));
  return true;
}

void TestNode::StopServer() {
  if (loop_ == nullptr) return;
  // Send streams never end on their own: cancel them now.
  if (server_ != nullptr) {
    server_->Shutdown(std::chrono::system_clock::now());
    server_->Wait();
  }
  loop_->Stop();
  loop_.reset();
  server_.reset();
  service_.reset();
}

void TestNode::StartSender(const std::map<uint64_t, std::string>& addresses) {
  GrpcBatchSenderOptions o;
  o.self_id = id;
  o.peer_addresses = addresses;
  o.peer_addresses.erase(id);
  o.backoff = {.initial = std::chrono::milliseconds(10), .max = std::chrono::milliseconds(200)};
  o.seed = id;
  o.write_timeout = options.write_timeout;
  o.max_batch_bytes = 64 << 20;
  o.partition = &partition;
  sender = std::make_unique<GrpcBatchSender>(std::move(o), metrics);
  dispatcher = std::make_unique<Dispatcher>(DispatcherOptions{.layout = options.layout}, *sender,
                                            drops.Callback(), registry);
  for (const auto& [peer, address] : addresses) {
    if (peer != id) (void)dispatcher->AddPeer(peer);
  }
}

void TestNode::Stop() {
  if (sender != nullptr) sender->Shutdown();
  if (dispatcher != nullptr) dispatcher->Shutdown();
  dispatcher.reset();
  sender.reset();
  StopServer();
}

EnqueueResult TestNode::SendTo(uint64_t to, raftpb::MessageType type, uint64_t index,
                               std::string payload) {
  return dispatcher->Enqueue(kGroup, MakeMessage(type, id, to, index, std::move(payload)));
}

std::vector<std::unique_ptr<TestNode>> StartCluster(int n, NodeOptions options) {
  std::vector<std::unique_ptr<TestNode>> nodes;
  std::map<uint64_t, std::string> addresses;
  for (int i = 1; i <= n; ++i) {
    nodes.push_back(std::make_unique<TestNode>(i, options));
    if (!nodes.back()->StartServer()) return {};
    addresses[i] = nodes.back()->address();
  }
  for (auto& node : nodes) node->StartSender(addresses);
  return nodes;
}

raftpb::Message MakeMessage(raftpb::MessageType type, uint64_t from, uint64_t to, uint64_t index,
                            std::string payload) {
  raftpb::Message m;
  m.set_type(type);
  m.set_from(from);
  m.set_to(to);
  m.set_term(1);
  m.set_index(index);
  if (type == raftpb::MsgSnap) {
    m.mutable_snapshot()->mutable_metadata()->set_index(index);
    m.mutable_snapshot()->set_data(std::move(payload));
  } else if (!payload.empty()) {
    m.add_entries()->set_data(std::move(payload));
  }
  return m;
}

}  // namespace raftlab::transport::testing
