#pragma once
// EtcdKvClient: the workloads' KV interface (client::KvClient) spoken to etcd's v3 API over
// gRPC (proto/etcd_rpc.proto), so every workload runs against etcd unchanged:
//   Get             Range; READ_MODE_LINEARIZABLE is a quorum read, any other mode is
//                   serializable (the member's local state, possibly stale)
//   Put             Put
//   CompareAndSwap  Txn: compare value (or version 0 for "absent"), put on success, range on
//                   failure to report what was found
//   Txn             gets and appends: lists are stored as comma-separated elements; a txn
//                   with appends reads its keys, then commits the new lists in one Txn
//                   guarded by each key's mod_revision, retrying when another writer won
// Response headers map to raftlab's: node_id = the member's number (1-based position of
// the endpoint that answered), term = raft_term, applied_index = the store's revision.
// Errors keep call_status.h's certainty: a request that may have reached etcd and timed out
// is indeterminate (`info`), one refused before sending or rejected is definite (`fail`).
// Delete, Scan and Append are not used by the workloads on etcd and fail definitely.
//
// Thread-safe, like KvClient.

#include <atomic>
#include <map>
#include <memory>
#include <mutex>

#include "etcd_rpc.grpc.pb.h"
#include "server/api/client/kv_client.h"

namespace raftlab::harness {

class EtcdKvClient : public client::KvClient {
 public:
  // Endpoints are etcd client URLs' host:port, member i at position i-1.
  static absl::StatusOr<std::unique_ptr<EtcdKvClient>> Create(client::KvClientOptions options);

  absl::StatusOr<kv::GetResponse> Get(const std::string& key, kv::ReadMode mode,
                                      const client::CallOptions& call = {}) override;
  absl::StatusOr<kv::PutResponse> Put(const std::string& key, const std::string& value,
                                      const client::CallOptions& call = {}) override;
  absl::StatusOr<kv::DeleteResponse> Delete(const std::string& key, const client::CallOptions& call = {}) override;
  absl::StatusOr<kv::CompareAndSwapResponse> CompareAndSwap(const std::string& key,
                                                            const std::optional<std::string>& expected,
                                                            const std::string& new_value,
                                                            const client::CallOptions& call = {}) override;
  absl::StatusOr<kv::ScanResponse> Scan(const std::string& start, const std::string& end, uint32_t limit,
                                        kv::ReadMode mode, const client::CallOptions& call = {}) override;
  absl::StatusOr<kv::TxnResponse> Txn(const kv::TxnRequest& request, const client::CallOptions& call = {}) override;
  absl::StatusOr<kv::AppendResponse> Append(const std::string& key, const std::string& element,
                                            const client::CallOptions& call = {}) override;
  std::string KnownLeader() const override { return ""; }

  // Maintenance.Status of one member (its leader and its own member id), for the cluster.
  absl::StatusOr<etcdserverpb::StatusResponse> Status(const std::string& endpoint, std::chrono::milliseconds timeout);

 private:
  struct Stubs {
    std::unique_ptr<etcdserverpb::KV::Stub> kv;
    std::unique_ptr<etcdserverpb::Maintenance::Stub> maintenance;
  };
  using Deadline = std::chrono::system_clock::time_point;
  template <typename Resp>
  struct Answer {
    Resp resp;
    kv::ResponseHeader header;  // raftlab's view of resp's header
  };

  explicit EtcdKvClient(client::KvClientOptions options);
  Stubs& StubsFor(const std::string& endpoint);
  Deadline DeadlineOf(const client::CallOptions& call) const;
  // Runs fn at call.endpoint, or at the members in turn from a rotating start while the
  // request could not be sent; the error names the member.
  template <typename Resp, typename Fn>
  absl::StatusOr<Answer<Resp>> Call(const client::CallOptions& call, Deadline deadline, Fn&& fn);
  kv::ResponseHeader Header(const etcdserverpb::ResponseHeader& h, const std::string& endpoint) const;
  absl::StatusOr<kv::TxnResponse> ReadTxn(const kv::TxnRequest& request, const client::CallOptions& call);
  absl::StatusOr<kv::TxnResponse> AppendTxn(const kv::TxnRequest& request, const client::CallOptions& call);

  std::mutex mu_;
  std::map<std::string, Stubs> stubs_;  // guarded by mu_; never shrinks
  std::atomic<uint64_t> next_{0};
};

// A list as etcd stores it for list-append (comma-separated elements), and back.
std::string EncodeList(const std::vector<std::string>& elements);
std::vector<std::string> DecodeList(const std::string& stored);

}  // namespace raftlab::harness
