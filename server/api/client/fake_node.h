#pragma once
// FakeNode: an in-process KV + Admin gRPC server on 127.0.0.1:<ephemeral port>, for testing
// clients without a cluster. It serves an in-memory map or answers in a scripted way
// (NOT_LEADER with a hint, a fixed error, or no answer until the client gives up), counts
// KV calls, and logs each Admin request as one line of text. Thread-safe; gRPC threads
// serve calls while the test thread scripts and inspects.

#include <grpcpp/grpcpp.h>

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace raftlab::client::testing {

class FakeNode {
 public:
  explicit FakeNode(uint64_t node_id);
  ~FakeNode();
  FakeNode(const FakeNode&) = delete;
  FakeNode& operator=(const FakeNode&) = delete;

  uint64_t id() const { return id_; }
  const std::string& address() const { return address_; }

  // Serve every call (the default).
  void Serve();
  // Answer KV calls and TransferLeader with NOT_LEADER naming this leader; the hint goes in
  // the error details and trailing metadata, or (details = false) the metadata alone.
  void RedirectTo(uint64_t leader_id, const std::string& leader_address, bool details = true);
  // Report `leader_id` as group 1's leader in Status (role "leader" iff it is this node)
  // without changing how calls are answered; 0 returns to the default (self, unless
  // redirecting).
  void ReportLeader(uint64_t leader_id);
  // Answer every call with this error.
  void FailWith(grpc::StatusCode code, const std::string& message = "injected by FakeNode");
  // Answer nothing until the client cancels or its deadline passes.
  void Hang();

  int64_t kv_calls() const;
  std::optional<std::string> Value(const std::string& key) const;
  void SetValue(const std::string& key, const std::string& value);
  std::vector<std::string> AdminLog() const;

  struct State;  // shared with the service implementations

 private:
  const uint64_t id_;
  std::unique_ptr<State> state_;
  std::unique_ptr<grpc::Service> kv_service_;
  std::unique_ptr<grpc::Service> admin_service_;
  std::unique_ptr<grpc::Server> server_;
  std::string address_;
};

}  // namespace raftlab::client::testing
