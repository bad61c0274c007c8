#pragma once
// In-process transport nodes for tests: each has a RaftTransportService on 127.0.0.1 and a
// Dispatcher feeding a GrpcBatchSender, plus recorders for what arrived and what was
// dropped. Tests wait on conditions (with generous limits that only stop a hung build),
// never on sleeps.

#include <grpcpp/server.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "faults/partition_filter.h"
#include "server/metrics/registry.h"
#include "server/rpc/completion_loop.h"
#include "server/transport/dispatcher.h"
#include "server/transport/grpc_batch_sender.h"
#include "server/transport/inbound_handler.h"
#include "server/transport/raft_transport_service.h"
#include "server/transport/transport_metrics.h"

namespace raftlab::transport::testing {

inline constexpr std::chrono::seconds kPatience{60};

// Polls pred until it holds or kPatience passes; for state without a condition variable
// (metrics counters).
[[nodiscard]] bool Eventually(const std::function<bool()>& pred);

// Repeats action, giving done a short while to hold after each, until done holds (true) or
// kPatience passes (false). For "keep sending until it gets through", as Raft would.
[[nodiscard]] bool RetryUntil(const std::function<void()>& action,
                              const std::function<bool()>& done);

class RecordingHandler : public InboundHandler {
 public:
  struct Received {
    uint64_t group_id;
    raftpb::Message message;
    bool in_batch;  // delivered between BeginBatch and EndBatch on its thread
  };

  void Deliver(uint64_t group_id, raftpb::Message&& msg) override;
  void BeginBatch() override;
  void EndBatch() override;
  [[nodiscard]] bool WaitUntil(const std::function<bool(const std::vector<Received>&)>& pred);
  std::vector<Received> received();
  // Whether a message of this type and index from node `from` arrived.
  bool Has(uint64_t from, raftpb::MessageType type, uint64_t index);

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Received> received_;
};

class DropLog {
 public:
  struct Drop {
    uint64_t group_id;
    raftpb::MessageType type;
    uint64_t to;
    uint64_t index;
    DropReason reason;
  };
  DropCallback Callback();
  [[nodiscard]] bool WaitUntil(const std::function<bool(const std::vector<Drop>&)>& pred);
  bool Has(uint64_t to, uint64_t index);
  std::vector<Drop> drops();

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Drop> drops_;
};

struct NodeOptions {
  LaneLayout layout = LaneLayout::kTwoLanes;
  uint64_t max_snapshot_bytes = 64 << 20;
  std::chrono::milliseconds write_timeout{5000};
};

class TestNode {
 public:
  TestNode(uint64_t id, NodeOptions options = {});
  ~TestNode();  // Stop()

  // Serves on 127.0.0.1:port (0 picks a free port, kept for restarts). False on failure.
  [[nodiscard]] bool StartServer(int port = 0);
  void StopServer();
  // Starts the sender and dispatcher with lanes to every peer in the address book.
  void StartSender(const std::map<uint64_t, std::string>& addresses);
  // Sender first, so in-flight sends return; then dispatcher; then server.
  void Stop();

  // Enqueues a message from this node to `to` for group 7.
  EnqueueResult SendTo(uint64_t to, raftpb::MessageType type, uint64_t index,
                       std::string payload = "");

  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  int port() const { return port_; }

  const uint64_t id;
  const NodeOptions options;
  metrics::Registry registry;
  TransportMetrics metrics{registry};
  faults::PartitionFilter partition;
  RecordingHandler handler;
  DropLog drops;
  std::unique_ptr<GrpcBatchSender> sender;
  std::unique_ptr<Dispatcher> dispatcher;

 private:
  std::unique_ptr<RaftTransportService> service_;
  std::unique_ptr<rpc::CompletionLoop> loop_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

inline constexpr uint64_t kGroup = 7;

// n nodes (ids 1..n), every server started, then every sender with the full address book.
std::vector<std::unique_ptr<TestNode>> StartCluster(int n, NodeOptions options = {});

raftpb::Message MakeMessage(raftpb::MessageType type, uint64_t from, uint64_t to, uint64_t index,
                            std::string payload = "");

}  // namespace raftlab::transport::testing
