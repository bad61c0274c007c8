#include "server/raft/scenario_env.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "server/raft/scenario_format.h"

namespace raftlab::raft::scenario {
namespace {

class MemoryStore final : public NodeStore {
 public:
  MemoryStorage& storage() override { return storage_; }
  absl::Status Persist(const Ready& rd) override {
    if (rd.snapshot) {
      if (auto s = storage_.ApplySnapshot(*rd.snapshot); !s.ok()) return s;
    }
    if (auto s = storage_.Append(rd.entries); !s.ok()) return s;
    if (rd.hard_state) storage_.SetHardState(*rd.hard_state);
    return absl::OkStatus();
  }
  absl::Status SaveSnapshot(uint64_t index, const raftpb::ConfState& cs,
                            std::string image) override {
    if (auto snap = storage_.CreateSnapshot(index, &cs, std::move(image)); !snap.ok())
      return snap.status();
    return storage_.Compact(index);
  }
  absl::Status Reopen() override { return absl::OkStatus(); }

 private:
  MemoryStorage storage_;
};

std::string Indent(const std::string& s) { return "  " + s; }

void AppendIndented(Lines& out, const Lines& inner) {
  for (const std::string& l : inner) out.push_back(Indent(l));
}

}  // namespace

std::unique_ptr<NodeStore> NewMemoryStore() { return std::make_unique<MemoryStore>(); }

Env::Env() {
  store_factory_ = [](uint64_t) -> absl::StatusOr<std::unique_ptr<NodeStore>> {
    return NewMemoryStore();
  };
  RegisterCoreCommands();
}

std::vector<uint64_t> Env::Ids() const {
  std::vector<uint64_t> ids;
  for (const auto& [id, n] : nodes_) ids.push_back(id);
  return ids;
}

const RawNode* Env::node(uint64_t id) const {
  auto it = nodes_.find(id);
  return it == nodes_.end() ? nullptr : it->second.raw.get();
}

absl::Status Env::CheckNode(const Command& c, uint64_t id) const {
  if (nodes_.count(id) == 0)
    return absl::InvalidArgumentError(c.Where() + "no node " + std::to_string(id));
  return absl::OkStatus();
}

absl::StatusOr<Env::Node*> Env::Get(const Command& c, uint64_t id) {
  if (auto s = CheckNode(c, id); !s.ok()) return s;
  return &nodes_.at(id);
}

absl::StatusOr<std::vector<uint64_t>> Env::NodeArgs(const Command& c) const {
  auto ids = c.ArgIds();
  if (!ids.ok()) return ids.status();
  if (ids->empty()) return absl::InvalidArgumentError(c.Where() + c.name + " needs node ids");
  for (uint64_t id : *ids) {
    if (auto s = CheckNode(c, id); !s.ok()) return s;
  }
  return ids;
}

bool Env::Running(uint64_t id, Lines& out) const {
  if (nodes_.at(id).raw != nullptr) return true;
  out.push_back(absl::StrCat(id, " is crashed"));
  return false;
}

absl::StatusOr<std::string> Env::Handle(const Command& c) {
  auto it = commands_.find(c.name);
  if (it == commands_.end())
    return absl::InvalidArgumentError(c.Where() + "unknown command '" + c.name + "'");
  return it->second(c);
}

void Env::NoteState(uint64_t id, Lines& out) {
  Node& n = nodes_.at(id);
  if (n.raw == nullptr) return;
  const Raft& r = n.raw->raft();
  if (r.state() == n.last_state && r.term() == n.last_term) return;
  n.last_state = r.state();
  n.last_term = r.term();
  out.push_back(absl::StrCat(id, " became ", ToString(r.state()), " at term ", r.term()));
}

absl::Status Env::AddNodes(const Command& c) {
  if (c.args.size() != 1)
    return absl::InvalidArgumentError(c.Where() + "usage: add-nodes N [key=value...]");
  auto count = c.ArgIds();
  if (!count.ok()) return count.status();
  const uint64_t first = nodes_.empty() ? 1 : nodes_.rbegin()->first + 1;
  auto voters = c.Uints("voters");
  auto check_quorum = c.Bool("check-quorum", true);
  auto pre_vote = c.Bool("pre-vote", true);
  auto election = c.Uint("election", 10);
  auto heartbeat = c.Uint("heartbeat", 1);
  for (const absl::Status& s : {voters.status(), check_quorum.status(), pre_vote.status(),
                                election.status(), heartbeat.status()}) {
    if (!s.ok()) return s;
  }
  if (voters->empty()) {
    for (uint64_t i = 0; i < (*count)[0]; ++i) voters->push_back(first + i);
  }
  for (uint64_t id = first; id < first + (*count)[0]; ++id) {
    auto store = store_factory_(id);
    if (!store.ok()) return store.status();
    Node& n = nodes_[id];
    n.store = std::move(*store);
    n.config.id = id;
    n.config.voters = *voters;
    n.config.check_quorum = *check_quorum;
    n.config.pre_vote = *pre_vote;
    n.config.election_tick = static_cast<int>(*election);
    n.config.heartbeat_tick = static_cast<int>(*heartbeat);
    // No jitter: the election timeout is exactly election_tick, so scripts are exact.
    n.config.random = [](uint64_t) -> uint64_t { return 0; };
    if (auto s = CreateRawNode(id); !s.ok())
      return absl::InternalError(c.Where() + std::string(s.message()));
    Lines founding;  // the membership entries of a new group: not news
    ProcessReady(id, founding);
  }
  return absl::OkStatus();
}

absl::Status Env::CreateRawNode(uint64_t id) {
  Node& n = nodes_.at(id);
  Config config = n.config;
  config.storage = &n.store->storage();
  auto snap = config.storage->GetSnapshot();
  const raftpb::Snapshot image = snap.ok() ? *snap : raftpb::Snapshot();
  config.applied = image.metadata().index();
  auto raw = RawNode::Create(std::move(config));
  if (!raw.ok()) return raw.status();
  n.raw = std::move(*raw);
  ApplySnapshotImage(n, image);
  n.last_lease = FormatLease(Ready{});  // a new process has no lease
  // A (re)started node is a follower of its persisted term: not news.
  n.last_state = n.raw->raft().state();
  n.last_term = n.raw->raft().term();
  return absl::OkStatus();
}

void Env::ApplySnapshotImage(Node& n, const raftpb::Snapshot& snap) {
  n.applied.clear();
  if (!snap.data().empty()) {
    std::vector<std::string> image = absl::StrSplit(snap.data(), ',');
    n.applied = std::move(image);
  }
  n.applied_index = snap.metadata().index();
}

void Env::ApplyEntries(uint64_t id, const std::vector<Entry>& entries) {
  Node& n = nodes_.at(id);
  for (const Entry& e : entries) {
    if (e.index() <= n.applied_index) continue;
    if (e.type() == raftpb::EntryConfChange) {
      raftpb::ConfChange cc;
      cc.ParseFromString(e.data());
      n.raw->ApplyConfChange(cc);
    } else if (!e.data().empty()) {
      n.applied.push_back(e.data());
    }
    n.applied_index = e.index();
  }
}

void Env::ProcessReady(uint64_t id, Lines& out) {
  Node& n = nodes_.at(id);
  Ready rd = n.raw->GetReady();
  const std::string lease = FormatLease(rd);
  auto note = [&](const raftpb::Message& m) -> std::string {
    return cut_.count({m.from(), m.to()}) ? " dropped (partition)" : "";
  };
  for (std::string& l : FormatReady(rd, n.last_lease, note)) out.push_back(std::move(l));
  n.last_lease = lease;
  if (auto s = n.store->Persist(rd); !s.ok()) {
    // A failed persist is fail-stop in the engine: nothing of this Ready leaves the node.
    out.push_back(absl::StrCat("persist failed, node ", id, " crashed: ", s.message()));
    n.raw.reset();
    return;
  }
  for (const ReadyObserver& o : ready_observers_) o(id, rd, n.raw->raft(), out);
  std::vector<uint64_t> snaps_dropped;
  for (auto& m : rd.messages) {
    if (note(m).empty()) {
      in_flight_.push_back(std::move(m));
    } else if (m.type() == raftpb::MsgSnap) {
      snaps_dropped.push_back(m.to());
    }
  }
  if (rd.snapshot && rd.snapshot->metadata().index() > n.applied_index)
    ApplySnapshotImage(n, *rd.snapshot);
  ApplyEntries(id, rd.committed_entries);
  n.raw->Advance();
  for (uint64_t to : snaps_dropped) n.raw->ReportSnapshot(to, false);
}

bool Env::DeliverTo(uint64_t id, const std::string& type, bool drop, Lines& out) {
  std::vector<raftpb::Message> picked;
  for (auto it = in_flight_.begin(); it != in_flight_.end();) {
    if (it->to() == id && (type.empty() || raftpb::MessageType_Name(it->type()) == type)) {
      picked.push_back(std::move(*it));
      it = in_flight_.erase(it);
    } else {
      ++it;
    }
  }
  for (raftpb::Message& m : picked) {
    const uint64_t from = m.from();
    const bool is_snap = m.type() == raftpb::MsgSnap;
    std::string line = FormatMessage(m);
    const char* why = drop                        ? "dropped"
                      : cut_.count({from, id})    ? "dropped (partition)"
                      : nodes_[id].raw == nullptr ? "dropped (node crashed)"
                                                  : nullptr;
    if (why != nullptr) {
      out.push_back(line + " " + why);
    } else {
      out.push_back(line);
      if (auto s = nodes_[id].raw->Step(std::move(m)); !s.ok())
        out.push_back(Indent(absl::StrCat("error: ", s.message())));
      NoteState(id, out);
    }
    auto sender = nodes_.find(from);
    if (is_snap && sender != nodes_.end() && sender->second.raw != nullptr) {
      sender->second.raw->ReportSnapshot(id, why == nullptr);
    }
  }
  return !picked.empty();
}

absl::Status Env::Stabilize(const Command& c, Lines& out) {
  auto ids = c.ArgIds();
  if (!ids.ok()) return ids.status();
  if (ids->empty()) *ids = Ids();
  for (uint64_t id : *ids) {
    if (auto s = CheckNode(c, id); !s.ok()) return s;
  }
  constexpr int kMaxRounds = 1000;
  for (int round = 0; round < kMaxRounds; ++round) {
    bool progress = false;
    for (uint64_t id : *ids) {
      Node& n = nodes_.at(id);
      if (n.raw == nullptr || !n.raw->HasReady()) continue;
      out.push_back(absl::StrCat("> ", id, " handling Ready"));
      Lines inner;
      ProcessReady(id, inner);
      AppendIndented(out, inner);
      progress = true;
    }
    for (uint64_t id : *ids) {
      const bool pending = std::any_of(in_flight_.begin(), in_flight_.end(),
                                       [&](const raftpb::Message& m) { return m.to() == id; });
      if (!pending) continue;
      out.push_back(absl::StrCat("> ", id, " receiving messages"));
      Lines inner;
      DeliverTo(id, "", false, inner);
      AppendIndented(out, inner);
      progress = true;
    }
    if (!progress) return absl::OkStatus();
  }
  return absl::InternalError(c.Where() + "stabilize did not settle in " +
                             std::to_string(kMaxRounds) + " rounds");
}

absl::Status Env::Partition(const Command& c, Lines& out) {
  std::vector<uint64_t> a, b;
  std::vector<uint64_t>* cur = &a;
  for (const std::string& arg : c.args) {
    if (arg == "/") {
      if (cur == &b)
        return absl::InvalidArgumentError(c.Where() + "partition takes at most two groups");
      cur = &b;
      continue;
    }
    Command one = c;
    one.args = {arg};
    auto id = one.ArgIds();
    if (!id.ok()) return id.status();
    if (auto s = CheckNode(c, (*id)[0]); !s.ok()) return s;
    cur->push_back((*id)[0]);
  }
  if (a.empty())
    return absl::InvalidArgumentError(c.Where() + "usage: partition ids... [/ ids...]");
  if (b.empty()) {
    for (uint64_t id : Ids()) {
      if (std::find(a.begin(), a.end(), id) == a.end()) b.push_back(id);
    }
  }
  for (uint64_t x : a) {
    for (uint64_t y : b) {
      cut_.insert({x, y});
      cut_.insert({y, x});
    }
  }
  out.push_back(
      absl::StrCat("cut (", absl::StrJoin(a, ","), ") from (", absl::StrJoin(b, ","), ")"));
  return absl::OkStatus();
}

absl::Status Env::Restart(const Command& c, Lines& out) {
  auto ids = NodeArgs(c);
  if (!ids.ok()) return ids.status();
  for (uint64_t id : *ids) {
    Node& n = nodes_.at(id);
    n.raw.reset();
    for (const RestartObserver& o : restart_observers_) o(id);
    absl::Status s = n.store->Reopen();
    if (s.ok()) s = CreateRawNode(id);
    if (!s.ok()) {
      out.push_back(absl::StrCat("restart of ", id, " failed: ", s.message()));
      continue;
    }
    const Raft& r = n.raw->raft();
    out.push_back(absl::StrCat(id, " restarted: term=", r.term(), " vote=", r.vote(),
                               " commit=", r.log().committed(), " applied=", n.applied_index));
  }
  return absl::OkStatus();
}

std::vector<std::string> ScenarioNames(const std::string& dir) {
  std::vector<std::string> files;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    if (e.path().extension() == ".txt") files.push_back(e.path().filename().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::vector<std::string> RunScenarioFile(const std::string& path, Env& env) {
  const char* rewrite = std::getenv("RAFTLAB_REWRITE");
  auto result = RunScript(
      path, [&](const Command& c) { return env.Handle(c); },
      rewrite != nullptr && std::string(rewrite) == "1");
  if (!result.ok()) return {std::string(result.status().message())};
  if (result->cases == 0) return {path + ": no cases"};
  return result->mismatches;
}

}  // namespace raftlab::raft::scenario
