#include "server/api/client/fake_node.h"

#include <chrono>
#include <thread>

#include "admin.grpc.pb.h"
#include "kv.grpc.pb.h"

namespace raftlab::client::testing {

using grpc::ServerContext;
using grpc::Status;

struct FakeNode::State {
  enum class Mode { kServe, kNotLeader, kFail, kHang };

  uint64_t id = 0;
  mutable std::mutex mu;
  Mode mode = Mode::kServe;                 // guarded by mu, like every field below
  uint64_t leader_id = 0;
  std::string leader_address;
  uint64_t reported_leader = 0;  // Status override; 0 = derived from the mode
  bool hint_in_details = true;
  grpc::StatusCode fail_code = grpc::StatusCode::OK;
  std::string fail_message;
  std::map<std::string, std::string> data;
  std::vector<std::string> admin_log;
  int64_t kv_calls = 0;

  // The scripted answer, or nullopt to serve. `redirects`: whether NOT_LEADER applies.
  std::optional<Status> Gate(ServerContext* ctx, bool redirects) {
    std::unique_lock lock(mu);
    switch (mode) {
      case Mode::kServe:
        return std::nullopt;
      case Mode::kFail:
        return Status(fail_code, fail_message);
      case Mode::kNotLeader: {
        if (!redirects) return std::nullopt;
        ctx->AddTrailingMetadata("raftlab-leader-id", std::to_string(leader_id));
        ctx->AddTrailingMetadata("raftlab-leader-address", leader_address);
        if (!hint_in_details) return Status(grpc::StatusCode::FAILED_PRECONDITION, "not leader");
        kv::NotLeader detail;
        detail.set_group_id(1);
        detail.set_leader_id(leader_id);
        detail.set_leader_address(leader_address);
        return Status(grpc::StatusCode::FAILED_PRECONDITION, "not leader", detail.SerializeAsString());
      }
      case Mode::kHang:
        lock.unlock();
        while (!ctx->IsCancelled()) std::this_thread::sleep_for(std::chrono::milliseconds(2));
        return Status(grpc::StatusCode::CANCELLED, "hung until cancelled");
    }
    return std::nullopt;
  }

  std::optional<Status> KvGate(ServerContext* ctx) {
    {
      std::lock_guard lock(mu);
      ++kv_calls;
    }
    return Gate(ctx, true);
  }

  void Header(kv::ResponseHeader* h) {
    h->set_group_id(1);
    h->set_term(3);
    h->set_node_id(id);
  }

  void Log(std::string line) {
    std::lock_guard lock(mu);
    admin_log.push_back(std::move(line));
  }
};

namespace {

class KvService final : public kv::KV::Service {
 public:
  explicit KvService(FakeNode::State& s) : s_(s) {}

  Status Get(ServerContext* ctx, const kv::GetRequest* req, kv::GetResponse* resp) override {
    if (auto g = s_.KvGate(ctx)) return *g;
    s_.Header(resp->mutable_header());
    static constexpr kv::ReadPath kPaths[] = {kv::READ_PATH_READ_INDEX, kv::READ_PATH_LEASE, kv::READ_PATH_STALE};
    resp->mutable_header()->set_read_path(kPaths[req->read_mode() % 3]);
    std::lock_guard lock(s_.mu);
    auto it = s_.data.find(req->key());
    resp->set_found(it != s_.data.end());
    if (it != s_.data.end()) resp->set_value(it->second);
    return Status::OK;
  }

  Status Put(ServerContext* ctx, const kv::PutRequest* req, kv::PutResponse* resp) override {
    if (auto g = s_.KvGate(ctx)) return *g;
    if (req->key().empty()) return Status(grpc::StatusCode::INVALID_ARGUMENT, "empty key");
    s_.Header(resp->mutable_header());
    std::lock_guard lock(s_.mu);
    s_.data[req->key()] = req->value();
    return Status::OK;
  }

  Status Delete(ServerContext* ctx, const kv::DeleteRequest* req, kv::DeleteResponse* resp) override {
    if (auto g = s_.KvGate(ctx)) return *g;
    s_.Header(resp->mutable_header());
    std::lock_guard lock(s_.mu);
    resp->set_deleted(s_.data.erase(req->key()) > 0);
    return Status::OK;
  }

  Status CompareAndSwap(ServerContext* ctx, const kv::CompareAndSwapRequest* req,
                        kv::CompareAndSwapResponse* resp) override {
    if (auto g = s_.KvGate(ctx)) return *g;
    s_.Header(resp->mutable_header());
    std::lock_guard lock(s_.mu);
    auto it = s_.data.find(req->key());
    bool found = it != s_.data.end();
    bool match = req->expect_absent() ? !found : found && it->second == req->expected_value();
    resp->set_found(found);
    if (found) resp->set_current_value(it->second);
    resp->set_succeeded(match);
    if (match) s_.data[req->key()] = req->new_value();
    return Status::OK;
  }

  Status Scan(ServerContext* ctx, const kv::ScanRequest* req, kv::ScanResponse* resp) override {
    if (auto g = s_.KvGate(ctx)) return *g;
    s_.Header(resp->add_headers());
    std::lock_guard lock(s_.mu);
    for (auto it = s_.data.lower_bound(req->start_key()); it != s_.data.end(); ++it) {
      if (!req->end_key().empty() && it->first >= req->end_key()) break;
      if (req->limit() != 0 && resp->kvs_size() == static_cast<int>(req->limit())) {
        resp->set_more(true);
        break;
      }
      auto* kv = resp->add_kvs();
      kv->set_key(it->first);
      kv->set_value(it->second);
    }
    return Status::OK;
  }

  Status Txn(ServerContext* ctx, const kv::TxnRequest* req, kv::TxnResponse* resp) override {
    if (auto g = s_.KvGate(ctx)) return *g;
    s_.Header(resp->mutable_header());
    std::lock_guard lock(s_.mu);
    bool hold = true;
    for (const kv::Compare& c : req->compares()) {
      auto it = s_.data.find(c.key());
      bool eq = c.target() == kv::Compare::EXISTS ? it != s_.data.end()
                                                   : it != s_.data.end() && it->second == c.value();
      hold = hold && (c.result() == kv::Compare::EQUAL ? eq : !eq);
    }
    resp->set_succeeded(hold);
    for (const kv::RequestOp& op : hold ? req->success() : req->failure()) {
      if (op.has_put()) {
        s_.data[op.put().key()] = op.put().value();
        resp->add_responses()->mutable_put();
      }
    }
    return Status::OK;
  }

 private:
  FakeNode::State& s_;
};

class AdminService final : public admin::Admin::Service {
 public:
  explicit AdminService(FakeNode::State& s) : s_(s) {}

  grpc::Status Status(ServerContext* ctx, const admin::StatusRequest*, admin::StatusResponse* resp) override {
    if (auto g = s_.Gate(ctx, false)) return *g;
    std::lock_guard lock(s_.mu);
    resp->set_node_id(s_.id);
    resp->set_dispatcher_lanes(2);
    resp->set_fsm_sync_mode("sync");
    auto* g = resp->add_groups();
    uint64_t leader = s_.mode == FakeNode::State::Mode::kNotLeader ? s_.leader_id : s_.id;
    if (s_.reported_leader != 0) leader = s_.reported_leader;
    bool leads = leader == s_.id;
    g->set_group_id(1);
    g->set_term(3);
    g->set_leader_id(leader);
    g->set_role(leads ? "leader" : "follower");
    g->set_commit_index(10);
    g->set_applied_index(9);
    return grpc::Status::OK;
  }

  grpc::Status EnableFault(ServerContext* ctx, const admin::EnableFaultRequest* req, admin::FaultsResponse* resp) override {
    if (auto g = s_.Gate(ctx, false)) return *g;
    s_.Log("EnableFault " + req->name() + " p=" + std::to_string(req->probability()));
    // Like the server, answer with the catalogue, not just the point.
    if (req->name() != "raftlab/wal/fsync") resp->add_points()->set_name("raftlab/wal/fsync");
    auto* p = resp->add_points();
    p->set_name(req->name());
    p->set_enabled(true);
    p->set_probability(req->probability());
    return grpc::Status::OK;
  }

  grpc::Status DisableFault(ServerContext* ctx, const admin::DisableFaultRequest* req, admin::FaultsResponse* resp) override {
    if (auto g = s_.Gate(ctx, false)) return *g;
    s_.Log("DisableFault " + req->name());
    resp->add_points()->set_name(req->name());
    return grpc::Status::OK;
  }

  grpc::Status ListFaults(ServerContext* ctx, const admin::ListFaultsRequest*, admin::FaultsResponse* resp) override {
    if (auto g = s_.Gate(ctx, false)) return *g;
    auto* p = resp->add_points();
    p->set_name("raftlab/wal/fsync");
    p->set_description("fail the WAL fsync");
    return grpc::Status::OK;
  }

  grpc::Status SetPartition(ServerContext* ctx, const admin::SetPartitionRequest* req,
                      admin::PartitionResponse* resp) override {
    if (auto g = s_.Gate(ctx, false)) return *g;
    std::string line = "SetPartition";
    for (uint64_t id : req->isolated_peers()) line += " " + std::to_string(id);
    if (req->direction() != admin::PARTITION_DIRECTION_BOTH) line += " " + admin::PartitionDirection_Name(req->direction());
    s_.Log(line);
    *resp->mutable_isolated_peers() = req->isolated_peers();
    resp->set_direction(req->direction());
    return grpc::Status::OK;
  }

  grpc::Status Heal(ServerContext* ctx, const admin::HealRequest*, admin::PartitionResponse*) override {
    if (auto g = s_.Gate(ctx, false)) return *g;
    s_.Log("Heal");
    return grpc::Status::OK;
  }

  grpc::Status SetClock(ServerContext* ctx, const admin::SetClockRequest* req, admin::SetClockResponse* resp) override {
    if (auto g = s_.Gate(ctx, false)) return *g;
    s_.Log("SetClock " + std::to_string(req->offset_ns()) + " " + std::to_string(req->rate()));
    resp->set_offset_ns(req->offset_ns());
    resp->set_rate(req->rate());
    return grpc::Status::OK;
  }

  grpc::Status TriggerSnapshot(ServerContext* ctx, const admin::TriggerSnapshotRequest* req,
                         admin::TriggerSnapshotResponse* resp) override {
    if (auto g = s_.Gate(ctx, false)) return *g;
    s_.Log("TriggerSnapshot " + std::to_string(req->group_id()));
    resp->set_snapshot_index(9);
    return grpc::Status::OK;
  }

  grpc::Status TransferLeader(ServerContext* ctx, const admin::TransferLeaderRequest* req,
                        admin::TransferLeaderResponse* resp) override {
    if (auto g = s_.Gate(ctx, true)) return *g;
    s_.Log("TransferLeader " + std::to_string(req->group_id()) + " " + std::to_string(req->target_node()));
    resp->set_leader_id(req->target_node());
    return grpc::Status::OK;
  }

  grpc::Status GetKeyVizMatrix(ServerContext* ctx, const admin::GetKeyVizMatrixRequest*,
                         admin::GetKeyVizMatrixResponse* resp) override {
    if (auto g = s_.Gate(ctx, false)) return *g;
    resp->set_column_width_ms(1000);
    return grpc::Status::OK;
  }

  grpc::Status GetRouteTable(ServerContext* ctx, const admin::GetRouteTableRequest*, admin::RouteTable* resp) override {
    if (auto g = s_.Gate(ctx, false)) return *g;
    resp->set_version(1);
    resp->add_routes()->set_group_id(1);
    return grpc::Status::OK;
  }

  grpc::Status SplitRange(ServerContext* ctx, const admin::SplitRangeRequest* req, admin::RouteTable* resp) override {
    if (auto g = s_.Gate(ctx, false)) return *g;
    s_.Log("SplitRange " + req->split_key());
    resp->set_version(2);
    return grpc::Status::OK;
  }

 private:
  FakeNode::State& s_;
};

}  // namespace

FakeNode::FakeNode(uint64_t node_id) : id_(node_id), state_(std::make_unique<State>()) {
  state_->id = node_id;
  kv_service_ = std::make_unique<KvService>(*state_);
  admin_service_ = std::make_unique<AdminService>(*state_);
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(kv_service_.get());
  builder.RegisterService(admin_service_.get());
  server_ = builder.BuildAndStart();
  address_ = "127.0.0.1:" + std::to_string(port);
}

FakeNode::~FakeNode() {
  // Hung handlers end once Shutdown cancels their calls at this deadline.
  server_->Shutdown(std::chrono::system_clock::now() + std::chrono::milliseconds(100));
}

void FakeNode::Serve() {
  std::lock_guard lock(state_->mu);
  state_->mode = State::Mode::kServe;
}

void FakeNode::RedirectTo(uint64_t leader_id, const std::string& leader_address, bool details) {
  std::lock_guard lock(state_->mu);
  state_->mode = State::Mode::kNotLeader;
  state_->leader_id = leader_id;
  state_->leader_address = leader_address;
  state_->hint_in_details = details;
}

void FakeNode::ReportLeader(uint64_t leader_id) {
  std::lock_guard lock(state_->mu);
  state_->reported_leader = leader_id;
}

void FakeNode::FailWith(grpc::StatusCode code, const std::string& message) {
  std::lock_guard lock(state_->mu);
  state_->mode = State::Mode::kFail;
  state_->fail_code = code;
  state_->fail_message = message;
}

void FakeNode::Hang() {
  std::lock_guard lock(state_->mu);
  state_->mode = State::Mode::kHang;
}

int64_t FakeNode::kv_calls() const {
  std::lock_guard lock(state_->mu);
  return state_->kv_calls;
}

std::optional<std::string> FakeNode::Value(const std::string& key) const {
  std::lock_guard lock(state_->mu);
  auto it = state_->data.find(key);
  if (it == state_->data.end()) return std::nullopt;
  return it->second;
}

void FakeNode::SetValue(const std::string& key, const std::string& value) {
  std::lock_guard lock(state_->mu);
  state_->data[key] = value;
}

std::vector<std::string> FakeNode::AdminLog() const {
  std::lock_guard lock(state_->mu);
  return state_->admin_log;
}

}  // namespace raftlab::client::testing
