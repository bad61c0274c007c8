#pragma once
// KvService: the gRPC KV API (proto/kv.proto). The Coordinator says which group holds a key;
// the GroupHost serves the request in that group.
//
// Served on a CompletionLoop (server/rpc): every handler validates its request, routes it,
// and finishes the call when the group answers, so no thread waits on Raft. Errors
// follow kv.proto: NOT_LEADER = FAILED_PRECONDITION with a NotLeader detail and the
// raftlab-leader-id / raftlab-leader-address trailers; a write whose outcome is unknown is
// DEADLINE_EXCEEDED or UNAVAILABLE, never a definite error.

#include <cstdint>
#include <map>
#include <string>

#include "kv.grpc.pb.h"
#include "server/kv/coordinator.h"
#include "server/kv/keyviz.h"
#include "server/node/group_host.h"
#include "server/rpc/unary_call.h"

namespace raftlab::api {

struct KvLimits {
  uint32_t max_key_bytes = 4096;
  uint32_t max_value_bytes = 1 << 20;
  uint32_t max_scan_limit = 10000;
  uint32_t max_txn_ops = 128;
};

class KvService final {
 public:
  // peers: node id → client address, for leader hints. keyviz: the sampler, or null when
  // keyviz is off (then no observation costs more than that null test).
  KvService(uint64_t node_id, kv::Coordinator* coordinator, node::GroupHost* host,
            std::map<uint64_t, std::string> peers, KvLimits limits, kv::KeyVizSampler* keyviz = nullptr);

  // For grpc::ServerBuilder::RegisterService, before the server starts.
  grpc::Service* service() { return &async_; }
  // Serves every method's calls on loop (one or more loops) until the server shuts down.
  void Listen(rpc::CompletionLoop& loop);

 private:
  void Get(grpc::ServerContext* ctx, const raftlab::kv::GetRequest* req,
           raftlab::kv::GetResponse* resp, rpc::UnaryReply* reply);
  void Put(grpc::ServerContext* ctx, const raftlab::kv::PutRequest* req,
           raftlab::kv::PutResponse* resp, rpc::UnaryReply* reply);
  void Delete(grpc::ServerContext* ctx, const raftlab::kv::DeleteRequest* req,
              raftlab::kv::DeleteResponse* resp, rpc::UnaryReply* reply);
  void CompareAndSwap(grpc::ServerContext* ctx, const raftlab::kv::CompareAndSwapRequest* req,
                      raftlab::kv::CompareAndSwapResponse* resp, rpc::UnaryReply* reply);
  void Scan(grpc::ServerContext* ctx, const raftlab::kv::ScanRequest* req,
            raftlab::kv::ScanResponse* resp, rpc::UnaryReply* reply);
  void Txn(grpc::ServerContext* ctx, const raftlab::kv::TxnRequest* req,
           raftlab::kv::TxnResponse* resp, rpc::UnaryReply* reply);
  void Append(grpc::ServerContext* ctx, const raftlab::kv::AppendRequest* req,
              raftlab::kv::AppendResponse* resp, rpc::UnaryReply* reply);

  struct ScanState;
  grpc::Status CheckKey(const std::string& key, const char* field) const;
  grpc::Status CheckValue(const std::string& value, const char* field) const;
  // CheckValue, and refuses values that would read back as lists (only Append makes them).
  grpc::Status CheckPutValue(const std::string& value, const char* field) const;
  // A transaction of gets only, served in its read mode from one snapshot.
  void ReadTxn(grpc::ServerContext* ctx, rpc::UnaryReply* reply, const kv::Route& route,
               std::vector<std::string> keys, raftlab::kv::ReadMode mode,
               raftlab::kv::TxnResponse* resp);
  // Proposes command to route's group and finishes the call; fill writes the response.
  // The write is observed for keyviz (route, bytes) once the leader took the proposal.
  using WriteFill = std::function<void(const engine::ProposeResult&, const node::GroupHeader&)>;
  void Write(grpc::ServerContext* ctx, rpc::UnaryReply* reply, const kv::Route& route,
             storage::KvCommand command, size_t key_len, size_t value_len, WriteFill fill);
  grpc::Status NotLeader(grpc::ServerContext* ctx, uint64_t group, uint64_t leader) const;
  void FillHeader(raftlab::kv::ResponseHeader* h, const node::GroupHeader& g, const engine::ReadPath* path) const;
  void ScanNext(std::shared_ptr<ScanState> state);

  const uint64_t node_id_;
  kv::Coordinator* const coordinator_;
  node::GroupHost* const host_;
  const std::map<uint64_t, std::string> peers_;
  const KvLimits limits_;
  kv::KeyVizSampler* const keyviz_;
  raftlab::kv::KV::AsyncService async_;
  rpc::UnaryMethod<raftlab::kv::GetRequest, raftlab::kv::GetResponse> get_;
  rpc::UnaryMethod<raftlab::kv::PutRequest, raftlab::kv::PutResponse> put_;
  rpc::UnaryMethod<raftlab::kv::DeleteRequest, raftlab::kv::DeleteResponse> delete_;
  rpc::UnaryMethod<raftlab::kv::CompareAndSwapRequest, raftlab::kv::CompareAndSwapResponse> cas_;
  rpc::UnaryMethod<raftlab::kv::ScanRequest, raftlab::kv::ScanResponse> scan_;
  rpc::UnaryMethod<raftlab::kv::TxnRequest, raftlab::kv::TxnResponse> txn_;
  rpc::UnaryMethod<raftlab::kv::AppendRequest, raftlab::kv::AppendResponse> append_;
};

// The client deadline as a steady-clock time point, capped so a call without a deadline
// cannot hold resources forever.
std::chrono::steady_clock::time_point SteadyDeadline(const grpc::ServerContext* ctx);

}  // namespace raftlab::api
