#include "server/api/client/kv_client.h"

#include "server/api/client/endpoint_check.h"
#include "server/api/client/leader_call.h"

namespace raftlab::client {

absl::StatusOr<std::unique_ptr<KvClient>> KvClient::Create(KvClientOptions options,
                                                           std::shared_ptr<ChannelPool> pool) {
  if (auto s = ValidateEndpoints(options.endpoints, "endpoints"); !s.ok()) return s;
  if (options.timeout.count() <= 0) return absl::InvalidArgumentError("timeout: must be positive");
  if (options.max_redirects < 0) return absl::InvalidArgumentError("max_redirects: must not be negative");
  if (!pool) pool = std::make_shared<ChannelPool>();
  return std::unique_ptr<KvClient>(new KvClient(std::move(options), std::move(pool)));
}

KvClient::KvClient(KvClientOptions options, std::shared_ptr<ChannelPool> pool)
    : options_(std::move(options)), pool_(std::move(pool)), endpoints_(options_.endpoints) {}

std::string KvClient::KnownLeader() const { return endpoints_.Leader(); }

template <typename Resp, typename Call>
absl::StatusOr<Resp> KvClient::Invoke(bool read, const CallOptions& call, Call&& fn) {
  Deadline deadline = std::chrono::system_clock::now() + call.timeout.value_or(options_.timeout);
  if (!call.endpoint.empty()) return CallAt<Resp>(*pool_, call.endpoint, deadline, fn);
  // Only a write proves leadership: followers serve ReadIndex and stale reads too.
  LeaderCallPolicy policy{options_.max_redirects, read, /*remember_leader=*/!read};
  return CallLeader<Resp>(*pool_, endpoints_, deadline, policy, fn);
}

absl::StatusOr<kv::GetResponse> KvClient::Get(const std::string& key, kv::ReadMode mode, const CallOptions& call) {
  kv::GetRequest req;
  req.set_key(key);
  req.set_read_mode(mode);
  return Invoke<kv::GetResponse>(true, call,
                                 [&](Connection& c, grpc::ClientContext* ctx, kv::GetResponse* resp) {
                                   return c.kv->Get(ctx, req, resp);
                                 });
}

absl::StatusOr<kv::PutResponse> KvClient::Put(const std::string& key, const std::string& value,
                                              const CallOptions& call) {
  kv::PutRequest req;
  req.set_key(key);
  req.set_value(value);
  return Invoke<kv::PutResponse>(false, call,
                                 [&](Connection& c, grpc::ClientContext* ctx, kv::PutResponse* resp) {
                                   return c.kv->Put(ctx, req, resp);
                                 });
}

absl::StatusOr<kv::DeleteResponse> KvClient::Delete(const std::string& key, const CallOptions& call) {
  kv::DeleteRequest req;
  req.set_key(key);
  return Invoke<kv::DeleteResponse>(false, call,
                                    [&](Connection& c, grpc::ClientContext* ctx, kv::DeleteResponse* resp) {
                                      return c.kv->Delete(ctx, req, resp);
                                    });
}

absl::StatusOr<kv::CompareAndSwapResponse> KvClient::CompareAndSwap(const std::string& key,
                                                                    const std::optional<std::string>& expected,
                                                                    const std::string& new_value,
                                                                    const CallOptions& call) {
  kv::CompareAndSwapRequest req;
  req.set_key(key);
  req.set_expect_absent(!expected.has_value());
  if (expected) req.set_expected_value(*expected);
  req.set_new_value(new_value);
  return Invoke<kv::CompareAndSwapResponse>(
      false, call, [&](Connection& c, grpc::ClientContext* ctx, kv::CompareAndSwapResponse* resp) {
        return c.kv->CompareAndSwap(ctx, req, resp);
      });
}

absl::StatusOr<kv::ScanResponse> KvClient::Scan(const std::string& start, const std::string& end, uint32_t limit,
                                                kv::ReadMode mode, const CallOptions& call) {
  kv::ScanRequest req;
  req.set_start_key(start);
  req.set_end_key(end);
  req.set_limit(limit);
  req.set_read_mode(mode);
  return Invoke<kv::ScanResponse>(true, call,
                                  [&](Connection& c, grpc::ClientContext* ctx, kv::ScanResponse* resp) {
                                    return c.kv->Scan(ctx, req, resp);
                                  });
}

absl::StatusOr<kv::TxnResponse> KvClient::Txn(const kv::TxnRequest& request, const CallOptions& call) {
  // A gets-only transaction is a read: any node may serve it and failing over is safe.
  bool gets_only = request.compares_size() == 0 && request.failure_size() == 0;
  for (const kv::RequestOp& op : request.success()) gets_only = gets_only && op.has_get();
  return Invoke<kv::TxnResponse>(gets_only, call,
                                 [&](Connection& c, grpc::ClientContext* ctx, kv::TxnResponse* resp) {
                                   return c.kv->Txn(ctx, request, resp);
                                 });
}

absl::StatusOr<kv::AppendResponse> KvClient::Append(const std::string& key, const std::string& element,
                                                    const CallOptions& call) {
  kv::AppendRequest req;
  req.set_key(key);
  req.set_element(element);
  return Invoke<kv::AppendResponse>(false, call,
                                    [&](Connection& c, grpc::ClientContext* ctx, kv::AppendResponse* resp) {
                                      return c.kv->Append(ctx, req, resp);
                                    });
}

}  // namespace raftlab::client
