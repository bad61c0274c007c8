// The core commands of the scenario environment (documented in scenario_env.h).

#include <cstdint>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "server/raft/scenario_env.h"
#include "server/raft/scenario_format.h"

namespace raftlab::raft::scenario {
namespace {

std::string Join(const Lines& lines) { return absl::StrJoin(lines, "\n"); }

// The node id of a command taking exactly one positional id (and maybe more words).
absl::StatusOr<uint64_t> FirstId(const Command& c, size_t args) {
  if (c.args.size() != args) {
    return absl::InvalidArgumentError(c.Where() + c.name + " takes " + std::to_string(args) +
                                      " argument(s)");
  }
  Command one = c;
  one.args = {c.args[0]};
  auto ids = one.ArgIds();
  if (!ids.ok()) return ids.status();
  return (*ids)[0];
}

}  // namespace

void Env::RegisterCoreCommands() {
  // Wraps a handler that prints into Lines.
  auto add = [this](const std::string& name,
                    std::function<absl::Status(const Command&, Lines&)> f) {
    AddCommand(name, [f = std::move(f)](const Command& c) -> absl::StatusOr<std::string> {
      Lines out;
      if (auto s = f(c, out); !s.ok()) return s;
      return Join(out);
    });
  };
  // Runs f on one running node, then reports a role or term change.
  auto on_node = [this, add](const std::string& name, size_t args,
                             std::function<absl::Status(const Command&, RawNode&, Lines&)> f) {
    add(name, [this, args, f = std::move(f)](const Command& c, Lines& out) -> absl::Status {
      auto id = FirstId(c, args);
      if (!id.ok()) return id.status();
      auto n = Get(c, *id);
      if (!n.ok()) return n.status();
      if (!Running(*id, out)) return absl::OkStatus();
      if (auto s = f(c, *(*n)->raw, out); !s.ok()) return s;
      NoteState(*id, out);
      return absl::OkStatus();
    });
  };
  auto ticks = [on_node](const std::string& name, std::function<int(const Config&)> count) {
    on_node(name, 1, [count = std::move(count)](const Command&, RawNode& n, Lines&) {
      for (int i = count(n.raft().config()); i > 0; --i) n.Tick();
      return absl::OkStatus();
    });
  };
  auto print_error = [](const absl::Status& s, Lines& out) {
    if (!s.ok()) out.push_back(absl::StrCat("error: ", s.message()));
  };

  add("add-nodes", [this](const Command& c, Lines&) { return AddNodes(c); });
  on_node("campaign", 1, [print_error](const Command&, RawNode& n, Lines& out) {
    print_error(n.Campaign(), out);
    return absl::OkStatus();
  });
  on_node("tick", 1, [](const Command& c, RawNode& n, Lines&) -> absl::Status {
    auto count = c.Uint("count", 1);
    if (!count.ok()) return count.status();
    for (uint64_t i = 0; i < *count; ++i) n.Tick();
    return absl::OkStatus();
  });
  ticks("tick-heartbeat", [](const Config& cfg) { return cfg.heartbeat_tick; });
  ticks("tick-election", [](const Config& cfg) { return cfg.election_tick; });
  on_node("propose", 2, [print_error](const Command& c, RawNode& n, Lines& out) {
    print_error(n.Propose(c.args[1]), out);
    return absl::OkStatus();
  });
  on_node("read-index", 2, [print_error](const Command& c, RawNode& n, Lines& out) {
    print_error(n.ReadIndex(c.args[1]), out);
    return absl::OkStatus();
  });
  add("transfer-leadership", [this](const Command& c, Lines& out) -> absl::Status {
    auto from = c.Uint("from", 0);
    auto to = c.Uint("to", 0);
    if (!from.ok()) return from.status();
    if (!to.ok()) return to.status();
    auto n = Get(c, *from);
    if (!n.ok()) return n.status();
    if (auto s = CheckNode(c, *to); !s.ok()) return s;
    if (!Running(*from, out)) return absl::OkStatus();
    (*n)->raw->TransferLeader(*to);
    NoteState(*from, out);
    return absl::OkStatus();
  });
  add("process-ready", [this](const Command& c, Lines& out) -> absl::Status {
    auto ids = NodeArgs(c);
    if (!ids.ok()) return ids.status();
    for (uint64_t id : *ids) {
      Lines inner;
      if (Running(id, inner)) {
        if (nodes_.at(id).raw->HasReady()) {
          ProcessReady(id, inner);
        } else {
          inner.push_back("no Ready");
        }
      }
      if (ids->size() == 1) {
        out = std::move(inner);
      } else {
        out.push_back(absl::StrCat("> ", id, " handling Ready"));
        for (const std::string& l : inner) out.push_back("  " + l);
      }
    }
    return absl::OkStatus();
  });
  add("deliver-msgs", [this](const Command& c, Lines& out) -> absl::Status {
    auto ids = NodeArgs(c);
    if (!ids.ok()) return ids.status();
    auto type = c.String("type", "");
    auto drop = c.Bool("drop", false);
    if (!type.ok()) return type.status();
    if (!drop.ok()) return drop.status();
    raftpb::MessageType parsed;
    if (!type->empty() && !raftpb::MessageType_Parse(*type, &parsed)) {
      return absl::InvalidArgumentError(c.Where() + "type: unknown message type '" + *type + "'");
    }
    bool any = false;
    for (uint64_t id : *ids) any |= DeliverTo(id, *type, *drop, out);
    if (!any) out.push_back("no messages");
    return absl::OkStatus();
  });
  add("stabilize", [this](const Command& c, Lines& out) { return Stabilize(c, out); });
  add("partition", [this](const Command& c, Lines& out) { return Partition(c, out); });
  add("heal", [this](const Command&, Lines& out) {
    cut_.clear();
    out.push_back("healed");
    return absl::OkStatus();
  });
  add("snapshot", [this](const Command& c, Lines& out) -> absl::Status {
    auto id = FirstId(c, 1);
    if (!id.ok()) return id.status();
    auto n = Get(c, *id);
    if (!n.ok()) return n.status();
    if (!Running(*id, out)) return absl::OkStatus();
    Node& node = **n;
    const raftpb::ConfState cs = node.raw->raft().tracker().ConfState();
    if (auto s = node.store->SaveSnapshot(node.applied_index, cs, absl::StrJoin(node.applied, ","));
        !s.ok()) {
      out.push_back(absl::StrCat("error: ", s.message()));
      return absl::OkStatus();
    }
    auto snap = node.store->storage().GetSnapshot();
    auto first = node.store->storage().FirstIndex();
    out.push_back(absl::StrCat("snapshot ", FormatSnapshotMeta(snap->metadata()),
                               "; log starts at ", *first));
    return absl::OkStatus();
  });
  add("crash", [this](const Command& c, Lines& out) -> absl::Status {
    auto ids = NodeArgs(c);
    if (!ids.ok()) return ids.status();
    for (uint64_t id : *ids) {
      nodes_.at(id).raw.reset();
      out.push_back(absl::StrCat(id, " crashed"));
    }
    return absl::OkStatus();
  });
  add("restart", [this](const Command& c, Lines& out) { return Restart(c, out); });
  add("status", [this](const Command& c, Lines& out) -> absl::Status {
    auto ids = NodeArgs(c);
    if (!ids.ok()) return ids.status();
    for (uint64_t id : *ids) Status(id, out);
    return absl::OkStatus();
  });
  add("raft-log", [this](const Command& c, Lines& out) -> absl::Status {
    auto id = FirstId(c, 1);
    if (!id.ok()) return id.status();
    if (auto s = CheckNode(c, *id); !s.ok()) return s;
    RaftLog(*id, out);
    return absl::OkStatus();
  });
  add("lease", [this](const Command& c, Lines& out) -> absl::Status {
    auto ids = NodeArgs(c);
    if (!ids.ok()) return ids.status();
    for (uint64_t id : *ids) {
      const Node& n = nodes_.at(id);
      out.push_back(absl::StrCat(id, ": ", n.raw == nullptr ? "crashed" : n.last_lease));
    }
    return absl::OkStatus();
  });
}

void Env::Status(uint64_t id, Lines& out) {
  const Node& n = nodes_.at(id);
  if (n.raw == nullptr) {
    out.push_back(absl::StrCat(id, ": crashed"));
    return;
  }
  const Raft& r = n.raw->raft();
  std::string line = absl::StrCat(id, ": ", ToString(r.state()), " term=", r.term(),
                                  " vote=", r.vote(), " lead=", r.lead(),
                                  " commit=", r.log().committed(), " applied=", n.applied_index,
                                  " log=[", r.log().FirstIndex(), ",", r.log().LastIndex(), "]");
  if (!n.applied.empty()) absl::StrAppend(&line, " data=", absl::StrJoin(n.applied, ","));
  if (r.lead_transferee() != 0) absl::StrAppend(&line, " transferring-to=", r.lead_transferee());
  out.push_back(line);
  if (r.state() != StateType::kLeader) return;
  for (const auto& [peer, pr] : r.tracker().progress()) {
    if (peer == id) continue;
    out.push_back(absl::StrCat("  ", peer, ": ", ToString(pr.state), " match=", pr.match,
                               " next=", pr.next, " acked-round=", pr.acked_round,
                               pr.recent_active ? " active" : ""));
  }
}

void Env::RaftLog(uint64_t id, Lines& out) {
  MemoryStorage& st = nodes_.at(id).store->storage();
  out.push_back("HardState " + FormatHardState(st.hard_state()));
  auto snap = st.GetSnapshot();
  if (snap.ok() && snap->metadata().index() > 0)
    out.push_back("Snapshot " + FormatSnapshotMeta(snap->metadata()));
  auto first = st.FirstIndex();
  auto last = st.LastIndex();
  if (!first.ok() || !last.ok() || *last < *first) {
    out.push_back("no entries");
    return;
  }
  auto ents = st.Entries(*first, *last + 1, UINT64_MAX);
  if (!ents.ok()) {
    out.push_back(absl::StrCat("error: ", ents.status().message()));
    return;
  }
  for (const Entry& e : *ents) out.push_back(FormatEntry(e));
}

}  // namespace raftlab::raft::scenario
