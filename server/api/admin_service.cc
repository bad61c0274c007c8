#include "server/api/admin_service.h"

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <optional>
#include <thread>

#include "faults/control.h"
#include "faults/points.h"
#include "kv.pb.h"
#include "server/api/grpc_status.h"
#include "server/log/log.h"
#include "server/transport/lanes.h"

namespace raftlab::api {
namespace {

using grpc::StatusCode;
namespace pb = raftlab::admin;

const char* RoleName(raft::StateType s) {
  switch (s) {
    case raft::StateType::kLeader: return "leader";
    case raft::StateType::kCandidate: return "candidate";
    case raft::StateType::kPreCandidate: return "pre-candidate";
    case raft::StateType::kFollower: return "follower";
  }
  return "unknown";
}

std::optional<faults::PartitionDirection> FromProto(pb::PartitionDirection d) {
  switch (d) {
    case pb::PARTITION_DIRECTION_BOTH: return faults::PartitionDirection::kBoth;
    case pb::PARTITION_DIRECTION_INBOUND: return faults::PartitionDirection::kInbound;
    case pb::PARTITION_DIRECTION_OUTBOUND: return faults::PartitionDirection::kOutbound;
    default: return std::nullopt;
  }
}

pb::PartitionDirection ToProto(faults::PartitionDirection d) {
  switch (d) {
    case faults::PartitionDirection::kInbound: return pb::PARTITION_DIRECTION_INBOUND;
    case faults::PartitionDirection::kOutbound: return pb::PARTITION_DIRECTION_OUTBOUND;
    case faults::PartitionDirection::kBoth: break;
  }
  return pb::PARTITION_DIRECTION_BOTH;
}

void FillPartition(const faults::PartitionFilter& filter, pb::PartitionResponse* out) {
  for (uint64_t p : filter.Isolated()) out->add_isolated_peers(p);
  out->set_direction(ToProto(filter.direction()));
}

// "2,3" for the log (empty: none).
std::string JoinIds(const std::vector<uint64_t>& ids) {
  std::string out;
  for (uint64_t id : ids) out.append(out.empty() ? "" : ",").append(std::to_string(id));
  return out;
}

}  // namespace

void ToProto(const kv::RouteTable& table, pb::RouteTable* out) {
  out->set_version(table.version());
  for (const kv::Route& r : table.routes()) {
    pb::Route* p = out->add_routes();
    p->set_route_id(r.route_id);
    p->set_start_key(r.start);
    p->set_end_key(r.end);
    p->set_group_id(r.group_id);
  }
}

grpc::Status AdminService::RequireFaults(const char* rpc) const {
  if (c_.allow_faults) return grpc::Status::OK;
  return {StatusCode::PERMISSION_DENIED,
          std::string(rpc) + " is refused: start raftlab-server with --allow-faults to inject faults"};
}

void AdminService::FillStatus(pb::StatusResponse* out) const {
  out->set_node_id(c_.node_id);
  out->set_dispatcher_lanes(c_.dispatcher_lanes);
  out->set_fsm_sync_mode(c_.fsm_sync_mode);
  for (const auto& [id, addr] : c_.peers) (*out->mutable_peers())[id] = addr;
  if (c_.partitions != nullptr) {
    for (uint64_t p : c_.partitions->Isolated()) out->add_partitioned_peers(p);
    out->set_partition_direction(ToProto(c_.partitions->direction()));
  }
  // User groups first, in id order, then the system group: tools that look at the first
  // group of a one-group cluster keep seeing group 1.
  std::vector<engine::GroupEngine*> engines = c_.host->Engines();
  std::stable_partition(engines.begin(), engines.end(),
                        [](engine::GroupEngine* e) { return e->group_id() != kv::kSystemGroup; });
  for (engine::GroupEngine* e : engines) {
    const engine::GroupStatusView v = e->Status();
    pb::GroupStatus* g = out->add_groups();
    g->set_group_id(v.group_id);
    g->set_term(v.term);
    g->set_leader_id(v.leader_id);
    g->set_role(RoleName(v.role));
    g->set_commit_index(v.commit_index);
    g->set_applied_index(v.applied_index);
    g->set_snapshot_index(v.snapshot_index);
    for (uint64_t id : v.voters) g->add_voters(id);
    for (uint64_t id : v.learners) g->add_learners(id);
    g->set_lease_valid(v.lease_valid);
  }
}

grpc::Status AdminService::Status(Ctx*, const pb::StatusRequest*, pb::StatusResponse* out) {
  FillStatus(out);
  return grpc::Status::OK;
}

void AdminService::FillFaults(pb::FaultsResponse* out) const {
  std::lock_guard lock(mu_);
  for (const faults::FaultPoint& p : faults::AllFaultPoints()) {
    pb::FaultPoint* f = out->add_points();
    f->set_name(p.name);
    f->set_description(std::string(p.description));
    auto it = enabled_.find(p.name);
    f->set_enabled(it != enabled_.end());
    if (it != enabled_.end()) f->set_probability(it->second);
  }
  // Points outside the catalogue (e.g. posix/io/... under fiu-run) that were enabled here.
  for (const auto& [name, probability] : enabled_) {
    if (name.rfind("raftlab/", 0) == 0) continue;
    pb::FaultPoint* f = out->add_points();
    f->set_name(name);
    f->set_description("libfiu point outside the raftlab catalogue");
    f->set_enabled(true);
    f->set_probability(probability);
  }
}

grpc::Status AdminService::EnableFault(Ctx*, const pb::EnableFaultRequest* req, pb::FaultsResponse* out) {
  if (auto s = RequireFaults("EnableFault"); !s.ok()) return s;
  faults::EnableOptions o;
  o.probability = req->probability() == 0 ? 1.0 : req->probability();
  o.failnum = req->failnum() == 0 ? 1 : static_cast<int>(req->failnum());
  o.failinfo = static_cast<long>(req->failnum());
  o.once = req->one_shot();
  if (absl::Status s = faults::EnableWith(req->name(), o); !s.ok()) return FromAbsl(s);
  RAFTLAB_LOG(kInfo, "fault_enabled")
      .Kv("point", req->name())
      .Kv("probability", o.probability)
      .Kv("failnum", o.failnum)
      .Kv("once", o.once);
  {
    std::lock_guard lock(mu_);
    enabled_[req->name()] = o.probability;
  }
  FillFaults(out);
  return grpc::Status::OK;
}

grpc::Status AdminService::DisableFault(Ctx*, const pb::DisableFaultRequest* req, pb::FaultsResponse* out) {
  if (auto s = RequireFaults("DisableFault"); !s.ok()) return s;
  absl::Status s = faults::Disable(req->name());
  RAFTLAB_LOG(kInfo, "fault_disabled").Kv("point", req->name()).Kv("was_enabled", s.ok());
  {
    std::lock_guard lock(mu_);
    enabled_.erase(req->name());
  }
  // Disabling a point that already fired its one shot is not an error for the caller.
  if (!s.ok() && s.code() != absl::StatusCode::kNotFound) return FromAbsl(s);
  FillFaults(out);
  return grpc::Status::OK;
}

grpc::Status AdminService::ListFaults(Ctx*, const pb::ListFaultsRequest*, pb::FaultsResponse* out) {
  FillFaults(out);
  return grpc::Status::OK;
}

grpc::Status AdminService::SetPartition(Ctx*, const pb::SetPartitionRequest* req, pb::PartitionResponse* out) {
  if (auto s = RequireFaults("SetPartition"); !s.ok()) return s;
  std::vector<uint64_t> peers(req->isolated_peers().begin(), req->isolated_peers().end());
  for (uint64_t p : peers) {
    if (p == c_.node_id) return {StatusCode::INVALID_ARGUMENT, "SetPartition: a node cannot isolate itself"};
    if (!c_.peers.count(p)) {
      return {StatusCode::INVALID_ARGUMENT, "SetPartition: node " + std::to_string(p) + " is not a peer"};
    }
  }
  const auto direction = FromProto(req->direction());
  if (!direction.has_value()) {
    return {StatusCode::INVALID_ARGUMENT,
            "SetPartition: direction " + std::to_string(req->direction()) + " is not inbound, outbound or both"};
  }
  c_.partitions->Set(peers, *direction);
  const std::vector<uint64_t> isolated = c_.partitions->Isolated();
  RAFTLAB_LOG(kInfo, isolated.empty() ? "partition_healed" : "partition_set")
      .Kv("isolated", JoinIds(isolated))
      .Kv("direction", faults::ToString(*direction));
  FillPartition(*c_.partitions, out);
  return grpc::Status::OK;
}

grpc::Status AdminService::Heal(Ctx*, const pb::HealRequest*, pb::PartitionResponse* out) {
  if (auto s = RequireFaults("Heal"); !s.ok()) return s;
  c_.partitions->Heal();
  RAFTLAB_LOG(kInfo, "partition_healed").Kv("isolated", "");
  FillPartition(*c_.partitions, out);
  return grpc::Status::OK;
}

grpc::Status AdminService::SetClock(Ctx*, const pb::SetClockRequest* req, pb::SetClockResponse* out) {
  if (auto s = RequireFaults("SetClock"); !s.ok()) return s;
  const double rate = req->rate() == 0 ? 1.0 : req->rate();
  if (!c_.clock->Set(std::chrono::nanoseconds(req->offset_ns()), rate)) {
    return {StatusCode::INVALID_ARGUMENT, "SetClock.rate: must be positive and finite"};
  }
  RAFTLAB_LOG(kInfo, "clock_changed")
      .Kv("offset_ns", static_cast<int64_t>(c_.clock->offset().count()))
      .Kv("rate", c_.clock->rate());
  out->set_offset_ns(c_.clock->offset().count());
  out->set_rate(c_.clock->rate());
  out->set_now_ns(c_.clock->Now().count());
  return grpc::Status::OK;
}

grpc::Status AdminService::TriggerSnapshot(Ctx*, const pb::TriggerSnapshotRequest* req,
                                           pb::TriggerSnapshotResponse* out) {
  engine::GroupEngine* e = c_.host->Find(req->group_id() == 0 ? 1 : req->group_id());
  if (e == nullptr) return {StatusCode::NOT_FOUND, "TriggerSnapshot: group not hosted here"};
  RAFTLAB_LOG(kInfo, "snapshot_requested").Kv("group", e->group_id());
  auto index = e->TriggerSnapshot(std::chrono::seconds(30));
  if (!index.ok()) return FromAbsl(index.status());
  out->set_snapshot_index(*index);
  return grpc::Status::OK;
}

grpc::Status AdminService::TransferLeader(Ctx* ctx, const pb::TransferLeaderRequest* req,
                                          pb::TransferLeaderResponse* out) {
  engine::GroupEngine* e = c_.host->Find(req->group_id() == 0 ? 1 : req->group_id());
  if (e == nullptr) return {StatusCode::NOT_FOUND, "TransferLeader: group not hosted here"};
  if (!c_.peers.count(req->target_node())) {
    return {StatusCode::INVALID_ARGUMENT,
            "TransferLeader.target_node: " + std::to_string(req->target_node()) + " is not a peer"};
  }
  if (!e->is_leader()) {
    const uint64_t leader = e->leader_id();
    if (leader == req->target_node()) {
      out->set_leader_id(leader);
      return grpc::Status::OK;
    }
    // The same NOT_LEADER shape as the KV API, so clients redirect to the leader.
    raftlab::kv::NotLeader detail;
    detail.set_group_id(e->group_id());
    detail.set_leader_id(leader);
    if (auto it = c_.peers.find(leader); it != c_.peers.end()) detail.set_leader_address(it->second);
    return {StatusCode::FAILED_PRECONDITION,
            "TransferLeader: this node does not lead group " + std::to_string(e->group_id()) + "; leader is " +
                std::to_string(leader),
            detail.SerializeAsString()};
  }
  RAFTLAB_LOG(kInfo, "transfer_requested").Kv("group", e->group_id()).Kv("target", req->target_node());
  e->TransferLeader(req->target_node());
  // Wait (bounded by the client deadline) until leadership has moved.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline && !ctx->IsCancelled()) {
    if (e->leader_id() == req->target_node()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  out->set_leader_id(e->leader_id());
  if (e->leader_id() != req->target_node()) {
    return {StatusCode::DEADLINE_EXCEEDED, "TransferLeader: leadership did not move in time; leader is " +
                                               std::to_string(e->leader_id())};
  }
  return grpc::Status::OK;
}

grpc::Status AdminService::GetKeyVizMatrix(Ctx*, const pb::GetKeyVizMatrixRequest*,
                                           pb::GetKeyVizMatrixResponse* out) {
  if (!c_.keyviz) return {StatusCode::FAILED_PRECONDITION, "keyviz is off: start raftlab-server with --keyviz"};
  *out = c_.keyviz();
  return grpc::Status::OK;
}

grpc::Status AdminService::GetRouteTable(Ctx*, const pb::GetRouteTableRequest*, pb::RouteTable* out) {
  ToProto(c_.coordinator->table(), out);
  return grpc::Status::OK;
}

grpc::Status AdminService::SplitRange(Ctx* ctx, const pb::SplitRangeRequest* req, pb::RouteTable* out) {
  if (req->split_key().empty()) return {StatusCode::INVALID_ARGUMENT, "SplitRange.split_key: empty"};
  if (c_.routes == nullptr) return {StatusCode::UNIMPLEMENTED, "SplitRange: no replicated route table here"};
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  uint64_t leader = 0;
  auto table = c_.routes->Split(req->split_key(), deadline, &leader);
  if (table.ok()) {
    ToProto(*table, out);
    return grpc::Status::OK;
  }
  // Only the system group's leader can propose the change: forward once to it.
  const bool forwarded = ctx->client_metadata().count("raftlab-forwarded") > 0;
  auto peer = c_.peers.find(leader);
  if (table.status().code() == absl::StatusCode::kFailedPrecondition && !forwarded && leader != c_.node_id &&
      peer != c_.peers.end()) {
    auto stub = pb::Admin::NewStub(grpc::CreateChannel(peer->second, grpc::InsecureChannelCredentials()));
    grpc::ClientContext fwd;
    fwd.AddMetadata("raftlab-forwarded", "1");
    fwd.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    return stub->SplitRange(&fwd, *req, out);
  }
  if (table.status().code() == absl::StatusCode::kFailedPrecondition && leader == 0) {
    return {StatusCode::UNAVAILABLE, "SplitRange: the system group has no leader yet"};
  }
  return FromAbsl(table.status());
}

grpc::Status AdminService::Stall(Ctx*, const pb::StallRequest* req, pb::StallResponse* out) {
  if (auto s = RequireFaults("Stall"); !s.ok()) return s;
  if (req->duration_ms() < 1 || req->duration_ms() > 600000) {
    return {StatusCode::INVALID_ARGUMENT, "Stall.duration_ms: must be in 1..600000"};
  }
  for (engine::GroupEngine* e : c_.host->Engines()) {
    if (req->group_id() != 0 && e->group_id() != req->group_id()) continue;
    e->Stall(std::chrono::milliseconds(req->duration_ms()));
    out->add_group_ids(e->group_id());
  }
  if (out->group_ids().empty()) return {StatusCode::NOT_FOUND, "Stall: group not hosted here"};
  return grpc::Status::OK;
}

grpc::Status AdminService::SetLinkFaults(Ctx*, const pb::SetLinkFaultsRequest* req, pb::SetLinkFaultsResponse* out) {
  if (auto s = RequireFaults("SetLinkFaults"); !s.ok()) return s;
  if (c_.links == nullptr) return {StatusCode::UNIMPLEMENTED, "SetLinkFaults: no link-fault table here"};
  std::vector<faults::LinkFault> links;
  for (const pb::LinkFault& l : req->links()) {
    const std::string where = "SetLinkFaults.links[peer " + std::to_string(l.peer()) + "]";
    if (l.peer() == c_.node_id || !c_.peers.count(l.peer())) {
      return {StatusCode::INVALID_ARGUMENT, where + ".peer: not another node of the cluster"};
    }
    for (double p : {l.drop_probability(), l.duplicate_probability()}) {
      if (!(p >= 0 && p <= 1)) return {StatusCode::INVALID_ARGUMENT, where + ": probabilities must be in [0, 1]"};
    }
    if (l.delay_ms() > 60000) return {StatusCode::INVALID_ARGUMENT, where + ".delay_ms: at most 60000"};
    faults::LinkFault f{l.peer(), std::chrono::milliseconds(l.delay_ms()), l.drop_probability(),
                        l.duplicate_probability(), {}};
    for (const std::string& lane : l.lanes()) {
      if (!transport::IsLaneName(lane)) {
        return {StatusCode::INVALID_ARGUMENT, where + ".lanes: unknown lane \"" + lane + "\" (expected " +
                                                  std::string(transport::kLaneNamesHelp) + ")"};
      }
      f.lanes.push_back(lane);
    }
    links.push_back(std::move(f));
  }
  c_.links->Set(links);
  for (const faults::LinkFault& l : c_.links->Get()) {
    pb::LinkFault* p = out->add_links();
    p->set_peer(l.peer);
    p->set_delay_ms(static_cast<uint32_t>(l.delay.count()));
    p->set_drop_probability(l.drop_probability);
    p->set_duplicate_probability(l.duplicate_probability);
    for (const std::string& lane : l.lanes) p->add_lanes(lane);
  }
  return grpc::Status::OK;
}

}  // namespace raftlab::api
