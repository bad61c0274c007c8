#include "server/api/node.h"

#include <grpcpp/grpcpp.h>

#include <filesystem>
#include <set>
#include <sstream>

#include "faults/bugs.h"
#include "faults/control.h"
#include "server/api/keyviz_page.h"
#include "server/kv/cluster_file.h"
#include "server/storage/file_util.h"
#include "server/storage/sync_mode.h"
#include "server/transport/lanes.h"

namespace raftlab::api {

Node::Node(const ServerConfig& config) : config_(config) {}

Node::~Node() { Shutdown(); }

absl::StatusOr<std::unique_ptr<Node>> Node::Start(const ServerConfig& config) {
  std::unique_ptr<Node> node(new Node(config));
  if (absl::Status s = node->Open(); !s.ok()) {
    node->Shutdown();
    return s;
  }
  return node;
}

absl::Status Node::Open() {
  const ServerConfig& c = config_;
  // Before any component reads them (the lease tracker sizes its lease at construction).
  faults::SetPlantedBugs(c.unsafe_bugs);
  if (c.unsafe_bugs != 0) warnings_.push_back("planted bugs switched on: " + faults::PlantedBugNames());
  if (!c.fault_control.empty()) {
    if (absl::Status s = faults::OpenRemoteControl(c.fault_control); !s.ok()) return s;
  }
  if (absl::Status s = storage::CreateDirsDurably(c.data_dir); !s.ok()) {
    return absl::UnavailableError("--data-dir: " + std::string(s.message()));
  }

  const storage::SyncModeChoice sync = storage::ResolveSyncMode(c.fsm_sync_mode);
  if (!sync.warning.empty()) warnings_.push_back(sync.warning);
  const transport::LaneLayoutChoice lanes = transport::ResolveDispatcherLanes(c.dispatcher_lanes);
  if (!lanes.warning.empty()) warnings_.push_back(lanes.warning);

  engine_metrics_ = std::make_unique<engine::EngineMetrics>(registry_);
  transport_metrics_ = std::make_unique<transport::TransportMetrics>(registry_);
  auto& mode_gauge = registry_.AddGauge("raftlab_fsm_apply_sync_mode",
                                        "1 for the state machine's fsync mode in effect.", {"mode"});
  mode_gauge.WithLabels({"sync"})->Set(sync.mode == storage::SyncMode::kSync ? 1 : 0);
  mode_gauge.WithLabels({"nosync"})->Set(sync.mode == storage::SyncMode::kNoSync ? 1 : 0);
  registry_.AddGauge("raftlab_raft_dispatcher_lanes", "Outbound lanes per peer.")
      .Get()
      ->Set(static_cast<double>(lanes.layout));

  storage::StateMachineOptions so;
  so.path = c.data_dir + "/fsm";
  so.sync_mode = sync.mode;
  auto fsm = storage::StateMachine::Open(so);
  if (!fsm.ok()) return fsm.status();
  fsm_ = std::move(*fsm);
  memtable_bytes_ =
      registry_
          .AddGauge("raftlab_fsm_memtable_bytes",
                    "Bytes in the state machine's memtables, all groups together, at the scrape.")
          .Get();

  std::map<uint64_t, std::string> addresses;
  std::vector<uint64_t> voters;
  for (const auto& [id, hp] : c.peers) {
    addresses[id] = hp.ToString();
    voters.push_back(id);
  }
  absl::StatusOr<kv::RouteTable> bootstrap = kv::RouteTable::Even(c.groups);
  if (!c.cluster_file.empty()) bootstrap = kv::LoadClusterFile(c.cluster_file);
  if (!bootstrap.ok()) return bootstrap.status();
  if (!c.cluster_file.empty() && c.groups_given && bootstrap->Groups().size() != c.groups) {
    return absl::InvalidArgumentError("--groups: " + std::to_string(c.groups) + " does not match the " +
                                      std::to_string(bootstrap->Groups().size()) + " groups of --cluster-file " +
                                      c.cluster_file);
  }
  if (auto s = fsm_->AddGroup(kv::kSystemGroup); !s.ok()) return s;
  auto stored = kv::RouteStore::Load(*fsm_);
  if (!stored.ok()) return stored.status();
  coordinator_ = std::make_unique<kv::Coordinator>(stored->has_value() ? **stored : *bootstrap);
  route_store_ = std::make_unique<kv::RouteStore>(fsm_.get(), coordinator_.get(), *bootstrap);
  if (stored->has_value()) route_store_->OnApplied();

  transport::GrpcBatchSenderOptions so2;
  so2.self_id = c.id;
  for (const auto& [id, addr] : addresses) {
    if (id != c.id) so2.peer_addresses[id] = addr;
  }
  so2.seed = c.seed == 0 ? c.id : node::MixSeed(c.seed, c.id, 0);
  so2.partition = &partitions_;
  so2.links = &links_;
  grpc_sender_ = std::make_unique<transport::GrpcBatchSender>(so2, *transport_metrics_);

  node::GroupHostOptions ho;
  ho.node_id = c.id;
  ho.voters = voters;
  ho.data_dir = c.data_dir;
  ho.seed = c.seed;
  ho.engine.tick = std::chrono::milliseconds(c.tick_ms);
  ho.engine.election_ticks = c.election_ticks;
  ho.engine.heartbeat_ticks = c.heartbeat_ticks;
  ho.engine.lease_margin = std::chrono::milliseconds(c.lease_margin_ms);
  ho.engine.snapshot_every = c.snapshot_every;
  ho.engine.compaction_lag = c.compaction_lag;
  ho.dispatcher.layout = lanes.layout;
  auto host = node::GroupHost::Create(std::move(ho), fsm_.get(), &clock_, engine_metrics_.get(), *grpc_sender_,
                                      registry_);
  if (!host.ok()) return host.status();
  host_ = std::move(*host);
  if (absl::Status s = OpenGroups(*bootstrap); !s.ok()) return s;

  KvLimits limits;
  limits.max_key_bytes = c.max_key_bytes;
  limits.max_value_bytes = c.max_value_bytes;
  if (c.keyviz) {
    kv::KeyVizOptions ko;
    ko.column_width = std::chrono::milliseconds(c.keyviz_column_ms);
    ko.columns = c.keyviz_columns;
    keyviz_ = std::make_unique<kv::KeyVizSampler>(ko);
  }
  kv_service_ = std::make_unique<KvService>(c.id, coordinator_.get(), host_.get(), addresses, limits, keyviz_.get());
  AdminContext ac;
  ac.node_id = c.id;
  ac.coordinator = coordinator_.get();
  ac.host = host_.get();
  ac.routes = route_store_.get();
  if (keyviz_) {
    ac.keyviz = [this] { return KeyVizToProto(keyviz_->Snapshot(), coordinator_->table()); };
  }
  ac.clock = &clock_;
  ac.partitions = &partitions_;
  ac.links = &links_;
  ac.allow_faults = c.allow_faults;
  ac.dispatcher_lanes = static_cast<uint32_t>(lanes.layout);
  ac.fsm_sync_mode = std::string(storage::SyncModeName(sync.mode));
  ac.peers = addresses;
  admin_service_ = std::make_unique<AdminService>(ac);
  transport::RaftTransportServiceOptions to;
  to.self_id = c.id;
  to.partition = &partitions_;
  transport_service_ = std::make_unique<transport::RaftTransportService>(to, *host_, *transport_metrics_);

  grpc::ServerBuilder builder;
  int bound_port = 0;
  builder.AddListeningPort(c.listen.ToString(), grpc::InsecureServerCredentials(), &bound_port);
  builder.SetMaxReceiveMessageSize(transport::kMaxInboundMessageBytes);
  builder.RegisterService(kv_service_->service());
  builder.RegisterService(admin_service_.get());
  builder.RegisterService(transport_service_->service());
  for (int i = 0; i < c.rpc_threads; ++i)
    rpc_loops_.push_back(std::make_unique<rpc::CompletionLoop>(builder));
  server_ = builder.BuildAndStart();
  if (server_ == nullptr || bound_port == 0) {
    return absl::UnavailableError("--listen: cannot listen on " + c.listen.ToString());
  }
  for (size_t i = 0; i < rpc_loops_.size(); ++i) {
    kv_service_->Listen(*rpc_loops_[i]);
    transport_service_->Listen(*rpc_loops_[i]);
    rpc_loops_[i]->Start(rpc_loops_.size() == 1 ? "rpc" : "rpc" + std::to_string(i));
  }

  std::map<std::string, HttpHandler> routes;
  routes["/metrics"] = [this](const HttpRequest&) {
    memtable_bytes_->Set(static_cast<double>(fsm_->MemtableBytes()));
    return HttpResponse{200, std::string(metrics::kTextContentType), registry_.TextExposition()};
  };
  routes["/status"] = [this](const HttpRequest&) {
    return HttpResponse{200, "application/json", RenderStatusJson()};
  };
  auto keyviz_off = [] {
    return HttpResponse{404, "text/plain; charset=utf-8", "keyviz is off: start raftlab-server with --keyviz\n"};
  };
  routes["/keyviz"] = [this, keyviz_off](const HttpRequest&) {
    if (!keyviz_) return keyviz_off();
    return HttpResponse{200, "application/json", KeyVizJson(keyviz_->Snapshot(), coordinator_->table(), config_.id)};
  };
  routes["/keyviz.html"] = [this, keyviz_off](const HttpRequest&) {
    if (!keyviz_) return keyviz_off();
    return HttpResponse{200, "text/html; charset=utf-8",
                        KeyVizHtml(keyviz_->Snapshot(), coordinator_->table(), config_.id)};
  };
  auto http = HttpServer::Start(c.http.host, c.http.port, std::move(routes));
  if (!http.ok()) return http.status();
  http_ = std::move(*http);

  host_->Start();
  route_store_->Start();
  return absl::OkStatus();
}

absl::Status Node::OpenGroups(const kv::RouteTable& bootstrap) {
  std::set<uint64_t> groups = {kv::kSystemGroup};
  for (uint64_t g : bootstrap.Groups()) groups.insert(g);
  for (uint64_t g : coordinator_->table().Groups()) groups.insert(g);
  for (uint64_t g : groups) {
    std::function<void(uint64_t)> on_applied;
    if (g == kv::kSystemGroup) on_applied = [store = route_store_.get()](uint64_t) { store->OnApplied(); };
    if (absl::Status s = host_->OpenGroup(g, std::move(on_applied)); !s.ok()) return s;
  }
  route_store_->Attach(host_->Find(kv::kSystemGroup));
  return absl::OkStatus();
}

std::string Node::RenderStatusJson() const {
  raftlab::admin::StatusResponse st;
  admin_service_->FillStatus(&st);
  std::string json;
  google::protobuf::util::JsonPrintOptions o;
  o.add_whitespace = true;
  o.always_print_primitive_fields = true;
  o.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(st, &json, o);
  return json;
}

uint16_t Node::http_port() const { return http_ ? http_->port() : 0; }

void Node::Shutdown() {
  if (shut_down_) return;
  shut_down_ = true;
  if (server_) server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(1));
  http_.reset();
  // Order matters: the sender first (in-flight sends return), then the host (its dispatcher,
  // then the engines that post into it).
  if (route_store_) route_store_->Stop();
  if (grpc_sender_) grpc_sender_->Shutdown();
  if (host_) host_->Shutdown();
  if (server_) server_->Wait();
  // Last: the host finished every call it held.
  for (auto& loop : rpc_loops_) loop->Stop();
}

}  // namespace raftlab::api
