#include "harness/etcd/etcd_client.h"

#include <algorithm>
#include <set>

#include "server/api/client/call_status.h"
#include "server/api/client/channel_pool.h"
#include "server/api/client/endpoint_check.h"

namespace raftlab::harness {
namespace {

using client::CallOptions;
using client::Certainty;

// A txn with appends re-reads and retries when a concurrent writer changed its keys.
constexpr int kMaxAppendAttempts = 16;

absl::Status Definite(const std::string& message) {
  return client::WithCertainty(absl::FailedPreconditionError(message), Certainty::kDefinite);
}

void FillGet(const etcdserverpb::RangeResponse& r, bool as_list, kv::GetResponse* out) {
  out->set_found(r.kvs_size() > 0);
  if (r.kvs_size() == 0) return;
  if (!as_list) {
    out->set_value(r.kvs(0).value());
    return;
  }
  out->set_is_list(true);
  for (auto& e : DecodeList(r.kvs(0).value())) out->add_elements(std::move(e));
}

}  // namespace

std::string EncodeList(const std::vector<std::string>& elements) {
  std::string out;
  for (const auto& e : elements) out += (out.empty() ? "" : ",") + e;
  return out;
}

std::vector<std::string> DecodeList(const std::string& stored) {
  std::vector<std::string> out;
  if (stored.empty()) return out;
  size_t start = 0;
  while (true) {
    const size_t comma = stored.find(',', start);
    out.push_back(stored.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (comma == std::string::npos) return out;
    start = comma + 1;
  }
}

absl::StatusOr<std::unique_ptr<EtcdKvClient>> EtcdKvClient::Create(client::KvClientOptions options) {
  if (auto s = client::ValidateEndpoints(options.endpoints, "etcd endpoints"); !s.ok()) return s;
  if (options.timeout.count() <= 0) return absl::InvalidArgumentError("etcd client: timeout must be positive");
  return std::unique_ptr<EtcdKvClient>(new EtcdKvClient(std::move(options)));
}

EtcdKvClient::EtcdKvClient(client::KvClientOptions options)
    : KvClient(std::move(options), std::make_shared<client::ChannelPool>()) {}

EtcdKvClient::Stubs& EtcdKvClient::StubsFor(const std::string& endpoint) {
  std::lock_guard<std::mutex> l(mu_);
  auto it = stubs_.find(endpoint);
  if (it != stubs_.end()) return it->second;
  auto channel = pool().Get(endpoint).channel;
  Stubs& s = stubs_[endpoint];
  s.kv = etcdserverpb::KV::NewStub(channel);
  s.maintenance = etcdserverpb::Maintenance::NewStub(channel);
  return s;
}

EtcdKvClient::Deadline EtcdKvClient::DeadlineOf(const CallOptions& call) const {
  return std::chrono::system_clock::now() + call.timeout.value_or(options().timeout);
}

template <typename Resp, typename Fn>
absl::StatusOr<EtcdKvClient::Answer<Resp>> EtcdKvClient::Call(const CallOptions& call, Deadline deadline, Fn&& fn) {
  const auto& all = endpoints();
  std::vector<std::string> order;
  if (!call.endpoint.empty()) {
    order.push_back(call.endpoint);
  } else {
    const uint64_t start = next_.fetch_add(1);
    for (size_t i = 0; i < all.size(); ++i) order.push_back(all[(start + i) % all.size()]);
  }
  absl::Status last;
  for (const std::string& ep : order) {
    grpc::ClientContext ctx;
    ctx.set_deadline(deadline);
    Answer<Resp> a;
    const grpc::Status st = fn(StubsFor(ep), &ctx, &a.resp);
    if (st.ok()) {
      a.header = Header(a.resp.header(), ep);
      return a;
    }
    last = client::FromGrpc(st, ep);
    // Only a request that never left may be tried at another member.
    if (!client::NeverSent(st) || std::chrono::system_clock::now() >= deadline) return last;
  }
  return last;
}

kv::ResponseHeader EtcdKvClient::Header(const etcdserverpb::ResponseHeader& h, const std::string& endpoint) const {
  kv::ResponseHeader out;
  const auto& all = endpoints();
  for (size_t i = 0; i < all.size(); ++i) {
    if (all[i] == endpoint) out.set_node_id(i + 1);
  }
  out.set_term(h.raft_term());
  out.set_applied_index(static_cast<uint64_t>(h.revision()));
  return out;
}

absl::StatusOr<kv::GetResponse> EtcdKvClient::Get(const std::string& key, kv::ReadMode mode, const CallOptions& call) {
  etcdserverpb::RangeRequest req;
  req.set_key(key);
  req.set_serializable(mode != kv::READ_MODE_LINEARIZABLE);
  auto a = Call<etcdserverpb::RangeResponse>(call, DeadlineOf(call), [&](Stubs& s, grpc::ClientContext* ctx, auto* resp) {
    return s.kv->Range(ctx, req, resp);
  });
  if (!a.ok()) return a.status();
  kv::GetResponse out;
  *out.mutable_header() = a->header;
  FillGet(a->resp, false, &out);
  return out;
}

absl::StatusOr<kv::PutResponse> EtcdKvClient::Put(const std::string& key, const std::string& value,
                                                  const CallOptions& call) {
  etcdserverpb::PutRequest req;
  req.set_key(key);
  req.set_value(value);
  auto a = Call<etcdserverpb::PutResponse>(call, DeadlineOf(call), [&](Stubs& s, grpc::ClientContext* ctx, auto* resp) {
    return s.kv->Put(ctx, req, resp);
  });
  if (!a.ok()) return a.status();
  kv::PutResponse out;
  *out.mutable_header() = a->header;
  return out;
}

absl::StatusOr<kv::CompareAndSwapResponse> EtcdKvClient::CompareAndSwap(const std::string& key,
                                                                        const std::optional<std::string>& expected,
                                                                        const std::string& new_value,
                                                                        const CallOptions& call) {
  etcdserverpb::TxnRequest req;
  etcdserverpb::Compare* c = req.add_compare();
  c->set_key(key);
  c->set_result(etcdserverpb::Compare::EQUAL);
  if (expected) {
    c->set_target(etcdserverpb::Compare::VALUE);
    c->set_value(*expected);
  } else {
    // An absent key has version 0.
    c->set_target(etcdserverpb::Compare::VERSION);
    c->set_version(0);
  }
  etcdserverpb::PutRequest* put = req.add_success()->mutable_request_put();
  put->set_key(key);
  put->set_value(new_value);
  req.add_failure()->mutable_request_range()->set_key(key);
  auto a = Call<etcdserverpb::TxnResponse>(call, DeadlineOf(call), [&](Stubs& s, grpc::ClientContext* ctx, auto* resp) {
    return s.kv->Txn(ctx, req, resp);
  });
  if (!a.ok()) return a.status();
  kv::CompareAndSwapResponse out;
  *out.mutable_header() = a->header;
  out.set_succeeded(a->resp.succeeded());
  if (!a->resp.succeeded() && a->resp.responses_size() == 1) {
    const auto& r = a->resp.responses(0).response_range();
    out.set_found(r.kvs_size() > 0);
    if (r.kvs_size() > 0) out.set_current_value(r.kvs(0).value());
  } else if (a->resp.succeeded()) {
    out.set_found(expected.has_value());
  }
  return out;
}

absl::StatusOr<kv::TxnResponse> EtcdKvClient::Txn(const kv::TxnRequest& request, const CallOptions& call) {
  if (request.compares_size() > 0 || request.failure_size() > 0) {
    return Definite("etcd client: txn compares and failure branches are not supported");
  }
  for (const auto& op : request.success()) {
    if (!op.has_get() && !op.has_append()) return Definite("etcd client: txn supports only get and append");
  }
  for (const auto& op : request.success()) {
    if (op.has_append()) return AppendTxn(request, call);
  }
  return ReadTxn(request, call);
}

absl::StatusOr<kv::TxnResponse> EtcdKvClient::ReadTxn(const kv::TxnRequest& request, const CallOptions& call) {
  etcdserverpb::TxnRequest req;
  // etcd serves a txn of serializable ranges from the member's local state.
  const bool serializable = request.read_mode() != kv::READ_MODE_LINEARIZABLE;
  for (const auto& op : request.success()) {
    etcdserverpb::RangeRequest* r = req.add_success()->mutable_request_range();
    r->set_key(op.get().key());
    r->set_serializable(serializable);
  }
  auto a = Call<etcdserverpb::TxnResponse>(call, DeadlineOf(call), [&](Stubs& s, grpc::ClientContext* ctx, auto* resp) {
    return s.kv->Txn(ctx, req, resp);
  });
  if (!a.ok()) return a.status();
  kv::TxnResponse out;
  *out.mutable_header() = a->header;
  out.set_succeeded(true);
  for (const auto& r : a->resp.responses()) {
    kv::GetResponse* g = out.add_responses()->mutable_get();
    *g->mutable_header() = a->header;
    FillGet(r.response_range(), true, g);
  }
  return out;
}

absl::StatusOr<kv::TxnResponse> EtcdKvClient::AppendTxn(const kv::TxnRequest& request, const CallOptions& call) {
  const Deadline deadline = DeadlineOf(call);
  std::vector<std::string> keys;  // each key once, in first-use order
  for (const auto& op : request.success()) {
    const std::string& k = op.has_get() ? op.get().key() : op.append().key();
    if (std::find(keys.begin(), keys.end(), k) == keys.end()) keys.push_back(k);
  }
  CallOptions write_call = call;
  write_call.endpoint.clear();  // a write may go to any member: etcd forwards it to its leader
  for (int attempt = 0; attempt < kMaxAppendAttempts; ++attempt) {
    etcdserverpb::TxnRequest read;
    for (const auto& k : keys) read.add_success()->mutable_request_range()->set_key(k);
    auto seen = Call<etcdserverpb::TxnResponse>(write_call, deadline, [&](Stubs& s, grpc::ClientContext* ctx, auto* resp) {
      return s.kv->Txn(ctx, read, resp);
    });
    // Nothing was written yet: a failed read fails the txn for certain.
    if (!seen.ok()) return client::WithCertainty(seen.status(), Certainty::kDefinite);
    if (seen->resp.responses_size() != static_cast<int>(keys.size())) {
      return Definite("etcd client: read of " + std::to_string(keys.size()) + " keys answered " +
                      std::to_string(seen->resp.responses_size()));
    }
    std::map<std::string, std::vector<std::string>> lists;
    etcdserverpb::TxnRequest write;
    for (size_t i = 0; i < keys.size(); ++i) {
      const auto& r = seen->resp.responses(static_cast<int>(i)).response_range();
      lists[keys[i]] = r.kvs_size() > 0 ? DecodeList(r.kvs(0).value()) : std::vector<std::string>{};
      etcdserverpb::Compare* c = write.add_compare();
      c->set_key(keys[i]);
      c->set_target(etcdserverpb::Compare::MOD);
      c->set_result(etcdserverpb::Compare::EQUAL);
      c->set_mod_revision(r.kvs_size() > 0 ? r.kvs(0).mod_revision() : 0);
    }
    // The txn's reads see its own earlier appends; its writes land together if no key moved.
    kv::TxnResponse out;
    out.set_succeeded(true);
    std::set<std::string> written;
    for (const auto& op : request.success()) {
      kv::ResponseOp* r = out.add_responses();
      if (op.has_get()) {
        kv::GetResponse* g = r->mutable_get();
        const auto& list = lists[op.get().key()];
        g->set_found(!list.empty());
        g->set_is_list(!list.empty());
        for (const auto& e : list) g->add_elements(e);
      } else {
        lists[op.append().key()].push_back(op.append().element());
        written.insert(op.append().key());
        r->mutable_append();
      }
    }
    for (const auto& k : written) {
      etcdserverpb::PutRequest* put = write.add_success()->mutable_request_put();
      put->set_key(k);
      put->set_value(EncodeList(lists[k]));
    }
    auto done = Call<etcdserverpb::TxnResponse>(write_call, deadline, [&](Stubs& s, grpc::ClientContext* ctx, auto* resp) {
      return s.kv->Txn(ctx, write, resp);
    });
    if (!done.ok()) return done.status();
    if (!done->resp.succeeded()) continue;
    *out.mutable_header() = done->header;
    for (auto& r : *out.mutable_responses()) {
      if (r.has_get()) *r.mutable_get()->mutable_header() = done->header;
    }
    return out;
  }
  return Definite("etcd client: txn lost to concurrent writers " + std::to_string(kMaxAppendAttempts) + " times");
}

absl::StatusOr<kv::DeleteResponse> EtcdKvClient::Delete(const std::string&, const CallOptions&) {
  return Definite("etcd client: Delete is not supported");
}

absl::StatusOr<kv::ScanResponse> EtcdKvClient::Scan(const std::string&, const std::string&, uint32_t, kv::ReadMode,
                                                    const CallOptions&) {
  return Definite("etcd client: Scan is not supported");
}

absl::StatusOr<kv::AppendResponse> EtcdKvClient::Append(const std::string&, const std::string&, const CallOptions&) {
  return Definite("etcd client: Append is not supported (list-append goes through Txn)");
}

absl::StatusOr<etcdserverpb::StatusResponse> EtcdKvClient::Status(const std::string& endpoint,
                                                                  std::chrono::milliseconds timeout) {
  CallOptions call;
  call.endpoint = endpoint;
  call.timeout = timeout;
  etcdserverpb::StatusRequest req;
  auto a = Call<etcdserverpb::StatusResponse>(call, DeadlineOf(call), [&](Stubs& s, grpc::ClientContext* ctx, auto* resp) {
    return s.maintenance->Status(ctx, req, resp);
  });
  if (!a.ok()) return a.status();
  return a->resp;
}

}  // namespace raftlab::harness
