#pragma once
// KvClient: the raftlab KV API for tools and the test harness. Owns (or shares) one channel
// per endpoint and remembers the last leader it saw. Thread-safe: any thread may call any
// method concurrently.
//
// Leader-seeking calls (the default) start at the remembered leader, follow NOT_LEADER
// hints up to max_redirects times, and try the next endpoint when one is UNAVAILABLE —
// reads always, writes only when no connection could be made so the request never left. A call with CallOptions::endpoint goes to that node alone, without
// redirects (the harness reads from every node this way).
//
// Every error says whether the request was certainly not applied: see call_status.h
// (IsDefiniteFailure / IsIndeterminate). A failed CompareAndSwap comparison is a normal
// response (succeeded = false), not an error.

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "kv.pb.h"
#include "server/api/client/channel_pool.h"
#include "server/api/client/endpoint_set.h"

namespace raftlab::client {

struct KvClientOptions {
  std::vector<std::string> endpoints;  // host:port, at least one
  // Per operation, all redirects and retries included.
  std::chrono::milliseconds timeout{5000};
  int max_redirects = 5;
};

struct CallOptions {
  std::string endpoint;  // non-empty: only this node, no redirects or failover
  std::optional<std::chrono::milliseconds> timeout;  // overrides KvClientOptions::timeout
};

// Methods are virtual so the harness can speak another system's API behind the same
// interface (harness/etcd/etcd_client.h).
class KvClient {
 public:
  virtual ~KvClient() = default;
  // Checks every endpoint is host:port (the error names it). `pool` may be shared with an
  // AdminClient; null creates a private one.
  static absl::StatusOr<std::unique_ptr<KvClient>> Create(KvClientOptions options,
                                                          std::shared_ptr<ChannelPool> pool = nullptr);

  virtual absl::StatusOr<kv::GetResponse> Get(const std::string& key, kv::ReadMode mode, const CallOptions& call = {});
  virtual absl::StatusOr<kv::PutResponse> Put(const std::string& key, const std::string& value, const CallOptions& call = {});
  virtual absl::StatusOr<kv::DeleteResponse> Delete(const std::string& key, const CallOptions& call = {});
  // `expected` nullopt: succeed only if the key is absent.
  virtual absl::StatusOr<kv::CompareAndSwapResponse> CompareAndSwap(const std::string& key,
                                                            const std::optional<std::string>& expected,
                                                            const std::string& new_value, const CallOptions& call = {});
  // [start, end); empty end = to the end of the key space; limit 0 = the server's limit.
  virtual absl::StatusOr<kv::ScanResponse> Scan(const std::string& start, const std::string& end, uint32_t limit,
                                        kv::ReadMode mode, const CallOptions& call = {});
  // A gets-only request (no compares, no failure branch) is treated as a read.
  virtual absl::StatusOr<kv::TxnResponse> Txn(const kv::TxnRequest& request, const CallOptions& call = {});
  virtual absl::StatusOr<kv::AppendResponse> Append(const std::string& key, const std::string& element,
                                            const CallOptions& call = {});

  // The endpoint that last answered a leader-seeking write; empty if none.
  virtual std::string KnownLeader() const;
  const std::vector<std::string>& endpoints() const { return endpoints_.all(); }

 protected:
  KvClient(KvClientOptions options, std::shared_ptr<ChannelPool> pool);
  const KvClientOptions& options() const { return options_; }
  ChannelPool& pool() { return *pool_; }

 private:
  template <typename Resp, typename Call>
  absl::StatusOr<Resp> Invoke(bool read, const CallOptions& call, Call&& fn);

  const KvClientOptions options_;
  const std::shared_ptr<ChannelPool> pool_;
  EndpointSet endpoints_;
};

}  // namespace raftlab::client
