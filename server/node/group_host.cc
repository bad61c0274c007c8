#include "server/node/group_host.h"

#include <mutex>

#include "server/storage/file_util.h"

namespace raftlab::node {
namespace {

absl::Status ReadFailure(const engine::ReadResult& r) {
  if (r.code == engine::ReadResult::Code::kTimeout) {
    return absl::DeadlineExceededError("read not confirmed before the deadline");
  }
  return absl::UnavailableError("group stopped while the read waited");
}

absl::Status Internal(const absl::Status& s) { return absl::InternalError(s.message()); }

// One key through Get, several through MultiGet (one snapshot for all of them).
absl::StatusOr<std::vector<std::optional<std::string>>> ReadValues(
    const storage::StateMachine& fsm, uint64_t group, const std::vector<std::string>& keys) {
  if (keys.size() != 1) return fsm.MultiGet(group, keys);
  auto v = fsm.Get(group, keys[0]);
  if (!v.ok()) return v.status();
  std::vector<std::optional<std::string>> out;
  out.push_back(std::move(*v));
  return out;
}

}  // namespace

uint64_t MixSeed(uint64_t seed, uint64_t node, uint64_t group) {
  uint64_t z =
      seed * 0x9e3779b97f4a7c15ULL + node * 0xbf58476d1ce4e5b9ULL + group * 0x94d049bb133111ebULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return (z ^ (z >> 31)) | 1;
}

GroupHost::GroupHost(GroupHostOptions options, storage::StateMachine* fsm, faults::Clock* clock,
                     engine::EngineMetrics* metrics, transport::BatchSender& sender,
                     metrics::Registry& registry)
    : options_(std::move(options)),
      fsm_(fsm),
      clock_(clock),
      metrics_(metrics),
      sender_(sender, [this](uint64_t group, uint64_t peer) {
        if (engine::GroupEngine* e = Find(group)) e->ReportSnapshot(peer, true);
      }) {
  dispatcher_ = std::make_unique<transport::Dispatcher>(
      options_.dispatcher, sender_,
      [this](uint64_t group, const raftpb::Message& m, transport::DropReason) {
        OnDropped(group, m);
      },
      registry);
  ready_loop_ = std::make_unique<engine::ReadyLoop>();
  ready_loop_->Start();
}

absl::StatusOr<std::unique_ptr<GroupHost>> GroupHost::Create(
    GroupHostOptions options, storage::StateMachine* fsm, faults::Clock* clock,
    engine::EngineMetrics* metrics, transport::BatchSender& sender, metrics::Registry& registry) {
  std::unique_ptr<GroupHost> host(
      new GroupHost(std::move(options), fsm, clock, metrics, sender, registry));
  storage::NodeWalOptions wo;
  wo.dir = host->options_.data_dir + "/wal";
  if (auto s = storage::CreateDirsDurably(wo.dir); !s.ok()) return s;
  storage::NodeWalRecovery recovered;  // handed to each group by OpenGroup
  auto wal = storage::NodeWal::Open(wo, &recovered);
  if (!wal.ok()) return wal.status();
  host->wal_ = std::move(*wal);
  for (uint64_t id : host->options_.voters) {
    if (id == host->options_.node_id) continue;
    if (absl::Status s = host->dispatcher_->AddPeer(id); !s.ok()) return s;
  }
  return host;
}

GroupHost::~GroupHost() { Shutdown(); }

absl::Status GroupHost::OpenGroup(uint64_t group_id, std::function<void(uint64_t)> on_applied) {
  if (Find(group_id) != nullptr) {
    return absl::AlreadyExistsError("group " + std::to_string(group_id) +
                                    " is already hosted here");
  }
  engine::GroupEngineOptions o = options_.engine;
  o.group_id = group_id;
  o.node_id = options_.node_id;
  o.voters = options_.voters;
  o.dir = options_.data_dir + "/groups/" + std::to_string(group_id);
  o.node_wal = wal_.get();
  o.ready_loop = ready_loop_.get();
  if (options_.seed != 0) o.rng_seed = MixSeed(options_.seed, options_.node_id, group_id);
  o.on_applied = std::move(on_applied);
  auto e = engine::GroupEngine::Open(std::move(o), fsm_, this, clock_, metrics_);
  if (!e.ok()) return e.status();
  engine::GroupEngine* opened = e->get();
  bool start = false;
  {
    std::unique_lock lock(mu_);
    engines_[group_id] = std::move(*e);
    start = started_ && !shut_down_;
  }
  if (start) opened->Start();
  return absl::OkStatus();
}

void GroupHost::Start() {
  for (engine::GroupEngine* e : Engines()) e->Start();
  std::unique_lock lock(mu_);
  started_ = true;
}

void GroupHost::Shutdown() {
  {
    std::unique_lock lock(mu_);
    if (shut_down_) return;
    shut_down_ = true;
  }
  dispatcher_->Shutdown();
  // Without the lock: a stopping engine's last sends may still look groups up.
  for (engine::GroupEngine* e : Engines()) e->Stop();
  ready_loop_->Stop();
}

void GroupHost::Deliver(uint64_t group_id, raftpb::Message&& msg) {
  (void)TryDeliver(group_id, std::move(msg));
}

void GroupHost::BeginBatch() { ready_loop_->HoldWakes(); }
void GroupHost::EndBatch() { ready_loop_->ReleaseWakes(); }

absl::Status GroupHost::TryDeliver(uint64_t group_id, raftpb::Message&& msg) {
  auto e = Hosted(group_id);
  if (!e.ok()) return e.status();
  (*e)->Deliver(std::move(msg));
  return absl::OkStatus();
}

void GroupHost::Send(uint64_t group_id, raftpb::Message message) {
  dispatcher_->Enqueue(group_id, std::move(message));
}

void GroupHost::BeginSends() { dispatcher_->HoldWakes(); }
void GroupHost::EndSends() { dispatcher_->ReleaseWakes(); }

void GroupHost::OnDropped(uint64_t group_id, const raftpb::Message& m) {
  engine::GroupEngine* e = Find(group_id);
  if (e == nullptr) return;
  if (m.type() == raftpb::MsgSnap) {
    e->ReportSnapshot(m.to(), false);
  } else {
    e->ReportUnreachable(m.to());
  }
}

absl::Status GroupHost::CheckHosted(uint64_t group_id) const { return Hosted(group_id).status(); }

absl::StatusOr<engine::GroupEngine*> GroupHost::Hosted(uint64_t group_id) const {
  if (engine::GroupEngine* e = Find(group_id)) return e;
  return absl::UnavailableError("group " + std::to_string(group_id) + " is not hosted here");
}

GroupHeader GroupHost::HeaderOf(const engine::GroupEngine& e) {
  return GroupHeader{e.group_id(), e.term(), e.applied_index()};
}

template <typename Reply, typename Fill>
void GroupHost::ServeRead(engine::GroupEngine* e, engine::ReadMode mode, Deadline deadline,
                          std::function<void(const Reply&)> done, Fill fill) {
  e->Read(mode, deadline,
          [e, done = std::move(done), fill = std::move(fill)](const engine::ReadResult& r) {
            Reply reply;
            reply.path = r.path;
            if (r.code != engine::ReadResult::Code::kOk) {
              reply.status = ReadFailure(r);
            } else if (absl::Status s = fill(*e->state_machine(), e->group_id(), reply); !s.ok()) {
              reply.status = Internal(s);
            } else {
              reply.header = HeaderOf(*e);
            }
            done(reply);
          });
}

absl::Status GroupHost::Read(uint64_t group_id, std::vector<std::string> keys,
                             engine::ReadMode mode, Deadline deadline, ReadCallback done) {
  auto hosted = Hosted(group_id);
  if (!hosted.ok()) return hosted.status();
  ServeRead(*hosted, mode, deadline, std::move(done),
            [keys = std::move(keys)](const storage::StateMachine& fsm, uint64_t group, ReadReply& reply) {
              auto values = ReadValues(fsm, group, keys);
              if (!values.ok()) return values.status();
              reply.values = std::move(*values);
              return absl::OkStatus();
            });
  return absl::OkStatus();
}

absl::Status GroupHost::Scan(uint64_t group_id, std::string start, std::string end, size_t limit,
                             engine::ReadMode mode, Deadline deadline, ScanCallback done) {
  auto hosted = Hosted(group_id);
  if (!hosted.ok()) return hosted.status();
  ServeRead(*hosted, mode, deadline, std::move(done),
            [start = std::move(start), end = std::move(end), limit](
                const storage::StateMachine& fsm, uint64_t group, ScanReply& reply) {
              auto kvs = fsm.Scan(group, start, end, limit);
              if (!kvs.ok()) return kvs.status();
              reply.kvs = std::move(*kvs);
              return absl::OkStatus();
            });
  return absl::OkStatus();
}

absl::Status GroupHost::Propose(uint64_t group_id, storage::KvCommand command, Deadline deadline,
                                WriteCallback done) {
  auto hosted = Hosted(group_id);
  if (!hosted.ok()) return hosted.status();
  engine::GroupEngine* e = *hosted;
  e->Propose(
      std::move(command), deadline,
      [e, done = std::move(done)](const engine::ProposeResult& r) { done(r, HeaderOf(*e)); });
  return absl::OkStatus();
}

engine::GroupEngine* GroupHost::Find(uint64_t group_id) const {
  std::shared_lock lock(mu_);
  auto it = engines_.find(group_id);
  return it == engines_.end() ? nullptr : it->second.get();
}

std::vector<engine::GroupEngine*> GroupHost::Engines() const {
  std::shared_lock lock(mu_);
  std::vector<engine::GroupEngine*> out;
  out.reserve(engines_.size());
  for (const auto& [id, e] : engines_) out.push_back(e.get());
  return out;
}

}  // namespace raftlab::node
