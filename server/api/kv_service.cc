#include "server/api/kv_service.h"

#include <algorithm>

#include "server/api/grpc_status.h"

namespace raftlab::api {
namespace {

using engine::ProposeResult;
using engine::ReadPath;
using grpc::Status;
using grpc::StatusCode;
namespace pb = raftlab::kv;

constexpr auto kMaxWait = std::chrono::seconds(30);

engine::ReadMode ToMode(pb::ReadMode m) {
  switch (m) {
    case pb::READ_MODE_LEASE: return engine::ReadMode::kLease;
    case pb::READ_MODE_STALE: return engine::ReadMode::kStale;
    default: return engine::ReadMode::kLinearizable;
  }
}

pb::ReadPath ToPb(ReadPath p) {
  switch (p) {
    case ReadPath::kReadIndex: return pb::READ_PATH_READ_INDEX;
    case ReadPath::kLease: return pb::READ_PATH_LEASE;
    case ReadPath::kLeaseFallback: return pb::READ_PATH_LEASE_FALLBACK;
    case ReadPath::kStale: return pb::READ_PATH_STALE;
  }
  return pb::READ_PATH_NONE;
}

Status Internal(const absl::Status& s) { return Status(StatusCode::INTERNAL, std::string(s.message())); }

// A stored value as a GetResponse: absent, a plain value, or a list's elements.
Status FillValue(pb::GetResponse* resp, const std::optional<std::string>& value) {
  resp->set_found(value.has_value());
  if (!value) return Status::OK;
  if (!storage::IsList(*value)) {
    resp->set_value(*value);
    return Status::OK;
  }
  auto elements = storage::DecodeList(*value);
  if (!elements.ok()) return Internal(elements.status());
  resp->set_is_list(true);
  for (auto& e : *elements) resp->add_elements(std::move(e));
  return Status::OK;
}

}  // namespace

std::chrono::steady_clock::time_point SteadyDeadline(const grpc::ServerContext* ctx) {
  const auto now = std::chrono::steady_clock::now();
  const auto left = ctx->deadline() - std::chrono::system_clock::now();
  const auto capped = std::min<std::chrono::system_clock::duration>(left, kMaxWait);
  return now + std::chrono::duration_cast<std::chrono::steady_clock::duration>(capped);
}

KvService::KvService(uint64_t node_id, kv::Coordinator* coordinator, node::GroupHost* host,
                     std::map<uint64_t, std::string> peers, KvLimits limits,
                     kv::KeyVizSampler* keyviz)
    : node_id_(node_id),
      coordinator_(coordinator),
      host_(host),
      peers_(std::move(peers)),
      limits_(limits),
      keyviz_(keyviz) {
  using Svc = pb::KV::AsyncService;
  auto handler = [this](auto member) {
    return [this, member](grpc::ServerContext* ctx, const auto* req, auto* resp,
                          rpc::UnaryReply* reply) { (this->*member)(ctx, req, resp, reply); };
  };
  rpc::Bind(get_, async_, &Svc::RequestGet, handler(&KvService::Get));
  rpc::Bind(put_, async_, &Svc::RequestPut, handler(&KvService::Put));
  rpc::Bind(delete_, async_, &Svc::RequestDelete, handler(&KvService::Delete));
  rpc::Bind(cas_, async_, &Svc::RequestCompareAndSwap, handler(&KvService::CompareAndSwap));
  rpc::Bind(scan_, async_, &Svc::RequestScan, handler(&KvService::Scan));
  rpc::Bind(txn_, async_, &Svc::RequestTxn, handler(&KvService::Txn));
  rpc::Bind(append_, async_, &Svc::RequestAppend, handler(&KvService::Append));
}

void KvService::Listen(rpc::CompletionLoop& loop) {
  get_.Listen(loop);
  put_.Listen(loop);
  delete_.Listen(loop);
  cas_.Listen(loop);
  scan_.Listen(loop);
  txn_.Listen(loop);
  append_.Listen(loop);
}

Status KvService::CheckKey(const std::string& key, const char* field) const {
  if (key.empty()) return Status(StatusCode::INVALID_ARGUMENT, std::string(field) + ": key is empty");
  if (key.size() > limits_.max_key_bytes) {
    return Status(StatusCode::INVALID_ARGUMENT, std::string(field) + ": key of " + std::to_string(key.size()) +
                                                    " bytes exceeds --max-key-bytes=" +
                                                    std::to_string(limits_.max_key_bytes));
  }
  return Status::OK;
}

Status KvService::CheckValue(const std::string& value, const char* field) const {
  if (value.size() > limits_.max_value_bytes) {
    return Status(StatusCode::INVALID_ARGUMENT, std::string(field) + ": value of " +
                                                    std::to_string(value.size()) +
                                                    " bytes exceeds --max-value-bytes=" +
                                                    std::to_string(limits_.max_value_bytes));
  }
  return Status::OK;
}

Status KvService::CheckPutValue(const std::string& value, const char* field) const {
  if (storage::IsList(value)) {
    return Status(StatusCode::INVALID_ARGUMENT,
                  std::string(field) + ": values starting with the list marker bytes FF 00 4C are reserved for lists "
                                       "built by Append");
  }
  return CheckValue(value, field);
}

Status KvService::NotLeader(grpc::ServerContext* ctx, uint64_t group, uint64_t leader) const {
  pb::NotLeader detail;
  detail.set_group_id(group);
  detail.set_leader_id(leader);
  auto it = peers_.find(leader);
  if (it != peers_.end()) detail.set_leader_address(it->second);
  ctx->AddTrailingMetadata("raftlab-leader-id", std::to_string(leader));
  if (it != peers_.end()) ctx->AddTrailingMetadata("raftlab-leader-address", it->second);
  return Status(StatusCode::FAILED_PRECONDITION,
                "not leader of group " + std::to_string(group) +
                    (leader != 0 ? "; leader is node " + std::to_string(leader) : "; no leader known"),
                detail.SerializeAsString());
}

void KvService::FillHeader(pb::ResponseHeader* h, const node::GroupHeader& g, const ReadPath* path) const {
  h->set_group_id(g.group_id);
  h->set_term(g.term);
  h->set_applied_index(g.applied_index);
  h->set_node_id(node_id_);
  h->set_read_path(path != nullptr ? ToPb(*path) : pb::READ_PATH_NONE);
}

void KvService::Get(grpc::ServerContext* ctx, const pb::GetRequest* req, pb::GetResponse* resp,
                    rpc::UnaryReply* reply) {
  if (Status s = CheckKey(req->key(), "GetRequest.key"); !s.ok()) {
    reply->Finish(s);
    return;
  }
  const kv::Route route = coordinator_->ForKey(req->key());
  const uint64_t route_id = route.route_id;
  const size_t key_len = req->key().size();
  absl::Status hosted =
      host_->Read(route.group_id, {req->key()}, ToMode(req->read_mode()), SteadyDeadline(ctx),
                  [this, reply, resp, route_id, key_len](const node::ReadReply& r) {
                    if (!r.status.ok()) {
                      reply->Finish(FromAbsl(r.status));
                      return;
                    }
                    const std::optional<std::string>& v = r.values[0];
                    FillHeader(resp->mutable_header(), r.header, &r.path);
                    if (Status s = FillValue(resp, v); !s.ok()) {
                      reply->Finish(s);
                      return;
                    }
                    if (keyviz_ != nullptr)
                      keyviz_->Observe(route_id, kv::KeyVizOp::kRead, key_len, v ? v->size() : 0);
                    reply->Finish(Status::OK);
                  });
  if (!hosted.ok()) reply->Finish(FromAbsl(hosted));
}

void KvService::Write(grpc::ServerContext* ctx, rpc::UnaryReply* reply, const kv::Route& route,
                      storage::KvCommand command, size_t key_len, size_t value_len,
                      WriteFill fill) {
  const uint64_t group = route.group_id;
  const uint64_t route_id = route.route_id;
  absl::Status hosted = host_->Propose(
      group, std::move(command), SteadyDeadline(ctx),
      [this, ctx, reply, group, route_id, key_len, value_len, fill = std::move(fill)](
          const ProposeResult& r, const node::GroupHeader& header) {
        // Every outcome but a refusal means this node led the group and proposed it.
        if (keyviz_ != nullptr && r.code != ProposeResult::Code::kNotLeader &&
            r.code != ProposeResult::Code::kRefused) {
          keyviz_->Observe(route_id, kv::KeyVizOp::kWrite, key_len, value_len);
        }
        switch (r.code) {
          case ProposeResult::Code::kApplied:
            if (r.apply.outcome == storage::ApplyResult::Outcome::kRejected) {
              reply->Finish(Status(StatusCode::INTERNAL,
                                   "state machine rejected the command: " + r.apply.error));
              return;
            }
            if (r.apply.outcome == storage::ApplyResult::Outcome::kAborted) {
              reply->Finish(
                  Status(StatusCode::FAILED_PRECONDITION, r.apply.error + "; nothing applied"));
              return;
            }
            fill(r, header);
            reply->Finish(Status::OK);
            return;
          case ProposeResult::Code::kNotLeader:
          case ProposeResult::Code::kSuperseded:
            // Certainly not applied: the client may retry at the leader.
            reply->Finish(NotLeader(ctx, group, r.leader_hint));
            return;
          case ProposeResult::Code::kRefused:
            reply->Finish(Status(StatusCode::RESOURCE_EXHAUSTED, "proposal refused: " + r.error));
            return;
          case ProposeResult::Code::kTimeout:
            reply->Finish(Status(StatusCode::DEADLINE_EXCEEDED,
                                 "write not applied before the deadline; it may still apply"));
            return;
          case ProposeResult::Code::kAborted:
            reply->Finish(
                Status(StatusCode::UNAVAILABLE, "group stopped; the write may still apply"));
            return;
        }
      });
  if (!hosted.ok()) reply->Finish(FromAbsl(hosted));
}

void KvService::Put(grpc::ServerContext* ctx, const pb::PutRequest* req, pb::PutResponse* resp,
                    rpc::UnaryReply* reply) {
  Status s = CheckKey(req->key(), "PutRequest.key");
  if (s.ok()) s = CheckPutValue(req->value(), "PutRequest.value");
  if (!s.ok()) {
    reply->Finish(s);
    return;
  }
  const kv::Route route = coordinator_->ForKey(req->key());
  Write(ctx, reply, route, storage::KvCommand::Put(req->key(), req->value()), req->key().size(),
        req->value().size(), [this, resp](const ProposeResult&, const node::GroupHeader& h) {
          FillHeader(resp->mutable_header(), h, nullptr);
        });
}

void KvService::Delete(grpc::ServerContext* ctx, const pb::DeleteRequest* req,
                       pb::DeleteResponse* resp, rpc::UnaryReply* reply) {
  Status s = CheckKey(req->key(), "DeleteRequest.key");
  if (!s.ok()) {
    reply->Finish(s);
    return;
  }
  const kv::Route route = coordinator_->ForKey(req->key());
  // "Is it absent? then nothing, else delete it": the compare reports whether it existed.
  storage::KvCommand cmd;
  cmd.compares.push_back({req->key(), std::nullopt});
  cmd.failure.push_back({storage::KvMutation::Kind::kDelete, req->key(), ""});
  Write(ctx, reply, route, std::move(cmd), req->key().size(), 0,
        [this, resp](const ProposeResult& r, const node::GroupHeader& h) {
          FillHeader(resp->mutable_header(), h, nullptr);
          resp->set_deleted(!r.apply.succeeded);
        });
}

void KvService::CompareAndSwap(grpc::ServerContext* ctx, const pb::CompareAndSwapRequest* req,
                               pb::CompareAndSwapResponse* resp, rpc::UnaryReply* reply) {
  Status s = CheckKey(req->key(), "CompareAndSwapRequest.key");
  if (s.ok()) s = CheckPutValue(req->new_value(), "CompareAndSwapRequest.new_value");
  if (s.ok()) s = CheckValue(req->expected_value(), "CompareAndSwapRequest.expected_value");
  if (!s.ok()) {
    reply->Finish(s);
    return;
  }
  const kv::Route route = coordinator_->ForKey(req->key());
  std::optional<std::string> expected;
  if (!req->expect_absent()) expected = req->expected_value();
  Write(ctx, reply, route, storage::KvCommand::Cas(req->key(), expected, req->new_value()),
        req->key().size(), req->new_value().size(),
        [this, resp](const ProposeResult& r, const node::GroupHeader& h) {
          FillHeader(resp->mutable_header(), h, nullptr);
          resp->set_succeeded(r.apply.succeeded);
          if (!r.apply.compares.empty()) {
            resp->set_found(r.apply.compares[0].found);
            resp->set_current_value(r.apply.compares[0].value);
          }
        });
}

struct KvService::ScanState {
  rpc::UnaryReply* reply;
  pb::ScanResponse* resp;
  std::vector<kv::Route> routes;
  size_t next = 0;
  std::string start, end;
  uint32_t limit;
  engine::ReadMode mode;
  std::chrono::steady_clock::time_point deadline;
};

void KvService::ScanNext(std::shared_ptr<ScanState> st) {
  if (st->next >= st->routes.size()) {
    st->reply->Finish(Status::OK);
    return;
  }
  const kv::Route& t = st->routes[st->next++];
  std::string lo = std::max(st->start, t.start);
  std::string hi = st->end;
  if (!t.end.empty() && (hi.empty() || t.end < hi)) hi = t.end;
  const uint32_t remaining = st->limit - static_cast<uint32_t>(st->resp->kvs_size());
  // One extra pair tells whether the limit cut the scan short.
  absl::Status hosted = host_->Scan(
      t.group_id, std::move(lo), std::move(hi), remaining + 1, st->mode, st->deadline,
      [this, st, route_id = t.route_id](const node::ScanReply& r) {
        if (!r.status.ok()) {
          st->reply->Finish(FromAbsl(r.status));
          return;
        }
        FillHeader(st->resp->add_headers(), r.header, &r.path);
        // One read observation per route scanned, with the bytes it returned.
        size_t key_bytes = 0, value_bytes = 0;
        bool cut = false;
        for (const auto& [k, v] : r.kvs) {
          if (static_cast<uint32_t>(st->resp->kvs_size()) == st->limit) {
            cut = true;
            break;
          }
          auto* kv = st->resp->add_kvs();
          kv->set_key(k);
          kv->set_value(v);
          key_bytes += k.size();
          value_bytes += v.size();
        }
        if (keyviz_ != nullptr) keyviz_->Observe(route_id, kv::KeyVizOp::kRead, key_bytes, value_bytes);
        if (cut) {
          st->resp->set_more(true);
          st->reply->Finish(Status::OK);
          return;
        }
        ScanNext(st);
      });
  if (!hosted.ok()) st->reply->Finish(FromAbsl(hosted));
}

void KvService::Scan(grpc::ServerContext* ctx, const pb::ScanRequest* req, pb::ScanResponse* resp,
                     rpc::UnaryReply* reply) {
  if (!req->end_key().empty() && req->end_key() <= req->start_key()) {
    reply->Finish(
        Status(StatusCode::INVALID_ARGUMENT, "ScanRequest.end_key: must be after start_key"));
    return;
  }
  if (req->limit() > limits_.max_scan_limit) {
    reply->Finish(Status(StatusCode::INVALID_ARGUMENT,
                         "ScanRequest.limit: at most " + std::to_string(limits_.max_scan_limit)));
    return;
  }
  std::vector<kv::Route> routes = coordinator_->ForRange(req->start_key(), req->end_key());
  // Every group is checked before any is read, so a scan is refused whole or served whole.
  for (const kv::Route& r : routes) {
    if (absl::Status hosted = host_->CheckHosted(r.group_id); !hosted.ok()) {
      reply->Finish(FromAbsl(hosted));
      return;
    }
  }
  auto st = std::make_shared<ScanState>();
  st->reply = reply;
  st->resp = resp;
  st->routes = std::move(routes);
  st->start = req->start_key();
  st->end = req->end_key();
  st->limit = req->limit() == 0 ? limits_.max_scan_limit : req->limit();
  st->mode = ToMode(req->read_mode());
  st->deadline = SteadyDeadline(ctx);
  ScanNext(st);
}

void KvService::Txn(grpc::ServerContext* ctx, const pb::TxnRequest* req, pb::TxnResponse* resp,
                    rpc::UnaryReply* reply) {
  auto fail = [&](const std::string& msg) {
    reply->Finish(Status(StatusCode::INVALID_ARGUMENT, msg));
  };
  if (req->compares_size() + req->success_size() + req->failure_size() > static_cast<int>(limits_.max_txn_ops)) {
    return fail("TxnRequest: more than " + std::to_string(limits_.max_txn_ops) + " compares and ops");
  }
  storage::KvCommand cmd;
  std::vector<std::string> keys;
  for (int i = 0; i < req->compares_size(); ++i) {
    const pb::Compare& c = req->compares(i);
    const std::string field = "TxnRequest.compares[" + std::to_string(i) + "]";
    if (Status s = CheckKey(c.key(), field.c_str()); !s.ok()) return fail(s.error_message());
    keys.push_back(c.key());
    if (c.target() == pb::Compare::VALUE && c.result() == pb::Compare::EQUAL) {
      cmd.compares.push_back({c.key(), c.value()});
    } else if (c.target() == pb::Compare::EXISTS && c.result() == pb::Compare::NOT_EQUAL) {
      cmd.compares.push_back({c.key(), std::nullopt});
    } else {
      return fail(field + ": only VALUE EQUAL and EXISTS NOT_EQUAL (absent) compares are supported");
    }
  }
  auto ops = [&](const google::protobuf::RepeatedPtrField<pb::RequestOp>& in, const char* branch,
                 std::vector<storage::KvMutation>* out) -> std::string {
    for (int i = 0; i < in.size(); ++i) {
      const std::string field = std::string("TxnRequest.") + branch + "[" + std::to_string(i) + "]";
      const pb::RequestOp& op = in.Get(i);
      if (op.has_put()) {
        if (Status s = CheckKey(op.put().key(), field.c_str()); !s.ok()) return s.error_message();
        if (Status s = CheckPutValue(op.put().value(), field.c_str()); !s.ok()) return s.error_message();
        out->push_back({storage::KvMutation::Kind::kPut, op.put().key(), op.put().value()});
        keys.push_back(op.put().key());
      } else if (op.has_delete_()) {
        if (Status s = CheckKey(op.delete_().key(), field.c_str()); !s.ok()) return s.error_message();
        out->push_back({storage::KvMutation::Kind::kDelete, op.delete_().key(), ""});
        keys.push_back(op.delete_().key());
      } else if (op.has_append()) {
        if (Status s = CheckKey(op.append().key(), field.c_str()); !s.ok()) return s.error_message();
        if (Status s = CheckValue(op.append().element(), field.c_str()); !s.ok()) return s.error_message();
        out->push_back({storage::KvMutation::Kind::kAppend, op.append().key(), op.append().element()});
        keys.push_back(op.append().key());
      } else if (op.has_get()) {
        if (Status s = CheckKey(op.get().key(), field.c_str()); !s.ok()) return s.error_message();
        out->push_back({storage::KvMutation::Kind::kRead, op.get().key(), ""});
        keys.push_back(op.get().key());
      } else {
        return field + ": empty op (set one of get, put, delete, append)";
      }
    }
    return "";
  };
  if (auto err = ops(req->success(), "success", &cmd.success); !err.empty()) return fail(err);
  if (auto err = ops(req->failure(), "failure", &cmd.failure); !err.empty()) return fail(err);
  if (keys.empty()) return fail("TxnRequest: no compares and no ops");
  auto route = coordinator_->ForKeys(keys);
  if (!route.ok()) return fail("TxnRequest: " + std::string(route.status().message()));
  const bool read_only = cmd.compares.empty() && cmd.failure.empty() &&
                         std::all_of(cmd.success.begin(), cmd.success.end(),
                                     [](const auto& m) { return m.kind == storage::KvMutation::Kind::kRead; });
  if (read_only) {
    ReadTxn(ctx, reply, *route, std::move(keys), req->read_mode(), resp);
    return;
  }
  // Observed once, on the route of its first key, with the bytes of every key and value.
  size_t key_bytes = 0, value_bytes = 0;
  for (const std::string& k : keys) key_bytes += k.size();
  for (const auto& m : cmd.success) value_bytes += m.value.size();
  for (const auto& m : cmd.failure) value_bytes += m.value.size();
  std::vector<storage::KvMutation::Kind> success_kinds, failure_kinds;
  for (const auto& m : cmd.success) success_kinds.push_back(m.kind);
  for (const auto& m : cmd.failure) failure_kinds.push_back(m.kind);
  Write(ctx, reply, *route, std::move(cmd), key_bytes, value_bytes,
        [this, resp, success_kinds, failure_kinds](const ProposeResult& r,
                                                   const node::GroupHeader& h) {
          FillHeader(resp->mutable_header(), h, nullptr);
          resp->set_succeeded(r.apply.succeeded);
          size_t read = 0;
          for (auto kind : r.apply.succeeded ? success_kinds : failure_kinds) {
            pb::ResponseOp* op = resp->add_responses();
            switch (kind) {
              case storage::KvMutation::Kind::kPut:
                FillHeader(op->mutable_put()->mutable_header(), h, nullptr);
                break;
              case storage::KvMutation::Kind::kDelete:
                FillHeader(op->mutable_delete_()->mutable_header(), h, nullptr);
                break;
              case storage::KvMutation::Kind::kAppend:
                FillHeader(op->mutable_append()->mutable_header(), h, nullptr);
                break;
              case storage::KvMutation::Kind::kRead: {
                // Read at the transaction's log index: as linearizable as the write.
                FillHeader(op->mutable_get()->mutable_header(), h, nullptr);
                if (read >= r.apply.reads.size()) break;  // never for an applied command
                const storage::CompareResult& v = r.apply.reads[read++];
                FillValue(op->mutable_get(), v.found ? std::optional<std::string>(v.value) : std::nullopt);
                break;
              }
            }
          }
        });
}

void KvService::ReadTxn(grpc::ServerContext* ctx, rpc::UnaryReply* reply, const kv::Route& route,
                        std::vector<std::string> keys, pb::ReadMode mode, pb::TxnResponse* resp) {
  size_t key_bytes = 0;
  for (const std::string& k : keys) key_bytes += k.size();
  absl::Status hosted = host_->Read(
      route.group_id, std::move(keys), ToMode(mode), SteadyDeadline(ctx),
      [this, reply, resp, route_id = route.route_id, key_bytes](const node::ReadReply& r) {
        if (!r.status.ok()) {
          reply->Finish(FromAbsl(r.status));
          return;
        }
        FillHeader(resp->mutable_header(), r.header, &r.path);
        resp->set_succeeded(true);
        size_t value_bytes = 0;
        for (const std::optional<std::string>& v : r.values) {
          pb::GetResponse* get = resp->add_responses()->mutable_get();
          FillHeader(get->mutable_header(), r.header, &r.path);
          if (Status s = FillValue(get, v); !s.ok()) {
            reply->Finish(s);
            return;
          }
          value_bytes += v ? v->size() : 0;
        }
        if (keyviz_ != nullptr)
          keyviz_->Observe(route_id, kv::KeyVizOp::kRead, key_bytes, value_bytes);
        reply->Finish(Status::OK);
      });
  if (!hosted.ok()) reply->Finish(FromAbsl(hosted));
}

void KvService::Append(grpc::ServerContext* ctx, const pb::AppendRequest* req,
                       pb::AppendResponse* resp, rpc::UnaryReply* reply) {
  Status s = CheckKey(req->key(), "AppendRequest.key");
  if (s.ok()) s = CheckValue(req->element(), "AppendRequest.element");
  if (!s.ok()) {
    reply->Finish(s);
    return;
  }
  const kv::Route route = coordinator_->ForKey(req->key());
  storage::KvCommand cmd;
  cmd.success.push_back({storage::KvMutation::Kind::kAppend, req->key(), req->element()});
  Write(ctx, reply, route, std::move(cmd), req->key().size(), req->element().size(),
        [this, resp](const ProposeResult&, const node::GroupHeader& h) {
          FillHeader(resp->mutable_header(), h, nullptr);
        });
}

}  // namespace raftlab::api
