#include "server/raft/sim.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <utility>
#include <vector>

#include "server/raft/raw_node.h"
#include "server/raft/storage.h"

namespace raftlab::raft::sim {
namespace {

constexpr int kElectionTick = 10;
constexpr int kHeartbeatTick = 2;
// What an engine would use: the election timeout minus a safety margin of one tick.
constexpr uint64_t kLeaseTicks = kElectionTick - 1;

struct InFlight {
  raftpb::Message m;
  uint64_t deliver_at = 0;
};

struct Node {
  uint64_t id = 0;
  std::unique_ptr<MemoryStorage> storage;
  std::unique_ptr<RawNode> raw;  // null while crashed
  std::vector<uint64_t> boot_voters;
  bool decommissioned = false;
  uint64_t restarts = 0;
  uint64_t sm_applied = 0;        // the state machine's applied index (volatile)
  uint64_t persisted_commit = 0;  // highest commit persisted in a HardState
  uint64_t commit_seen = 0;       // the commit index when last checked for durability
  // async_persist: the Ready handed out and not yet written (lost by a crash).
  std::optional<Ready> unpersisted;
  // Heartbeat rounds of the current leadership term -> tick they were sent.
  uint64_t rounds_term = 0;
  uint64_t last_round = 0;
  std::map<uint64_t, uint64_t> round_sent;
  // The lease state last reported in a Ready.
  uint64_t lease_round = 0;
  uint64_t lease_term = 0;
  uint64_t lease_sent = 0;
};

class World {
 public:
  explicit World(const Options& o) : opt_(o), rng_(o.seed) {
    mix_ = DrawMix();
    std::vector<uint64_t> voters;
    for (int i = 1; i <= o.nodes; ++i) voters.push_back(static_cast<uint64_t>(i));
    next_new_id_ = static_cast<uint64_t>(o.nodes) + 1;
    for (uint64_t id : voters) Start(id, voters);
  }

  Result Run() {
    for (int step = 0; step < opt_.steps && res_.ok; ++step) {
      Act();
      ProcessAll();
      if (res_.ok) CheckGlobal();
    }
    res_.commits = applied_.size();
    return res_;
  }

 private:
  // ---- helpers ----
  uint64_t Rand(uint64_t n) { return n == 0 ? 0 : rng_() % n; }
  bool Chance(double p) { return std::uniform_real_distribution<double>(0, 1)(rng_) < p; }

  void Log(const std::string& s) {
    if (opt_.verbose) std::fprintf(stderr, "[t=%llu] %s\n", (unsigned long long)tick_, s.c_str());
  }

  void Fail(const std::string& what) {
    if (!res_.ok) return;
    res_.ok = false;
    std::ostringstream os;
    os << "seed " << opt_.seed << " tick " << tick_ << ": " << what;
    res_.failure = os.str();
    Log("FAIL " + res_.failure);
    if (opt_.verbose) {
      for (auto& [id, n] : nodes_) {
        if (!n.raw) {
          Log("  node " + std::to_string(id) + " down");
          continue;
        }
        const Raft& r = n.raw->raft();
        std::string v;
        for (uint64_t x : r.tracker().voters()) v += std::to_string(x) + " ";
        Log("  node " + std::to_string(id) + " " + ToString(r.state()) + " term " +
            std::to_string(r.term()) + " vote " + std::to_string(r.vote()) + " last " +
            std::to_string(r.log().LastIndex()) + "/" + std::to_string(r.log().LastTerm()) +
            " commit " + std::to_string(r.log().committed()) + " applied " +
            std::to_string(r.log().applied()) + " voters {" + v + "}");
      }
    }
  }

  std::vector<uint64_t> Alive() const {
    std::vector<uint64_t> out;
    for (const auto& [id, n] : nodes_) {
      if (n.raw) out.push_back(id);
    }
    return out;
  }

  Node* LeaderNode() {
    Node* best = nullptr;
    for (auto& [id, n] : nodes_) {
      if (n.raw && n.raw->raft().state() == StateType::kLeader &&
          (!best || n.raw->raft().term() > best->raw->raft().term())) {
        best = &n;
      }
    }
    return best;
  }

  void Start(uint64_t id, std::vector<uint64_t> boot_voters) {
    Node& n = nodes_[id];
    n.id = id;
    if (!n.storage) {
      n.storage = std::make_unique<MemoryStorage>();
      n.boot_voters = std::move(boot_voters);
    }
    Config c;
    c.id = id;
    c.election_tick = kElectionTick;
    c.heartbeat_tick = kHeartbeatTick;
    c.storage = n.storage.get();
    c.voters = n.boot_voters;
    c.max_size_per_msg = 4 * 1024;
    c.max_inflight_msgs = 8;
    c.max_uncommitted_entries_size = 64 * 1024;
    c.check_quorum = true;
    c.pre_vote = true;
    c.empty_append_on_commit = false;  // as the server runs
    c.rng_seed = opt_.seed * 1000003 + id * 101 + n.restarts + 1;
    c.unsafe_leader_self_ack_at_append = opt_.leader_self_ack_at_append;
    auto raw = RawNode::Create(c);
    if (!raw.ok()) {
      Fail("node " + std::to_string(id) + " failed to start: " + raw.status().ToString());
      return;
    }
    n.raw = std::move(*raw);
    // The state machine is rebuilt from the persisted snapshot; the rest is re-applied.
    n.sm_applied = n.raw->raft().log().applied();
    n.commit_seen = n.raw->raft().log().committed();
    n.unpersisted.reset();
    n.rounds_term = 0;
    n.last_round = 0;
    n.round_sent.clear();
    n.lease_round = 0;
  }

  // ---- actions ----
  // Per-run mix of actions, drawn from the seed so runs differ in character: busy or
  // quiet logs (a quiet log leaves a cut-off candidate up to date, so only the lease vote
  // refusal protects a leader's lease), short or long partitions, few or many crashes.
  struct Mix {
    int deliver, tick, propose, read, transfer, member, snapshot, crash, restart, partition,
        heal;
    int persist = 0;  // async_persist: complete one node's pending write
  };

  Mix DrawMix() {
    Mix m{};
    if (Chance(0.3)) {
      // Lease stress: a quiet log and long-lived single-link cuts around the leader, so a
      // cut-off candidate with an up-to-date log meets voters that still hear the leader.
      lease_stress_ = true;
      return Mix{450, 170, 2, 50, 0, 0, 10, 0, 20, 3, 3, opt_.async_persist ? 300 : 0};
    }
    m.deliver = 450;
    m.tick = 170;
    m.propose = Chance(0.5) ? 120 : 8;
    m.read = 50;
    m.transfer = Chance(0.5) ? 4 : 0;
    m.member = 8;
    m.snapshot = 10;
    m.crash = Chance(0.5) ? 8 : 1;
    m.restart = Chance(0.5) ? 20 : 3;
    m.partition = Chance(0.5) ? 3 : 12;
    m.heal = Chance(0.5) ? 20 : 3;
    if (opt_.async_persist) m.persist = Chance(0.5) ? 300 : 100;
    return m;
  }

  void Act() {
    const Mix& m = mix_;
    int r = static_cast<int>(Rand(static_cast<uint64_t>(
        m.deliver + m.tick + m.propose + m.read + m.transfer + m.member + m.snapshot +
        m.crash + m.restart + m.partition + m.heal + m.persist)));
    if ((r -= m.deliver) < 0) return Deliver();
    if ((r -= m.tick) < 0) return Tick();
    if ((r -= m.propose) < 0) return Propose();
    if ((r -= m.read) < 0) return ReadIndex();
    if ((r -= m.transfer) < 0) return Transfer();
    if ((r -= m.member) < 0) return ChangeMembership();
    if ((r -= m.snapshot) < 0) return SnapshotAndCompact();
    if ((r -= m.crash) < 0) return Crash();
    if ((r -= m.restart) < 0) return Restart();
    if ((r -= m.partition) < 0) return Partition();
    if ((r -= m.heal) < 0) return Heal();
    PersistOne();
  }

  void PersistOne() {
    std::vector<uint64_t> pending;
    for (auto& [id, n] : nodes_) {
      if (n.raw && n.unpersisted) pending.push_back(id);
    }
    if (pending.empty()) return;
    Node& n = nodes_[pending[Rand(pending.size())]];
    if (opt_.verbose) Log("persist node " + std::to_string(n.id));
    Finish(n);
  }

  void Tick() {
    ++tick_;
    for (uint64_t id : Alive()) nodes_[id].raw->Tick();
  }

  void Deliver() {
    std::vector<size_t> ready;
    for (size_t i = 0; i < net_.size(); ++i) {
      if (net_[i].deliver_at <= tick_) ready.push_back(i);
    }
    if (ready.empty()) return;
    const size_t pick = ready[Rand(ready.size())];
    raftpb::Message m = net_[pick].m;
    const bool duplicate = Chance(0.02);
    if (!duplicate) {
      net_[pick] = std::move(net_.back());
      net_.pop_back();
    }
    const uint64_t from = m.from(), to = m.to();
    const bool is_snap = m.type() == raftpb::MsgSnap;
    auto it = nodes_.find(to);
    const bool blocked = blocked_.count({from, to}) != 0;
    const bool lost = Chance(0.03);
    if (it == nodes_.end() || !it->second.raw || blocked || lost) {
      Node* sender = nodes_.count(from) ? &nodes_[from] : nullptr;
      if (sender && sender->raw) {
        if (is_snap) {
          sender->raw->ReportSnapshot(to, false);
        } else if (blocked && Chance(0.5)) {
          sender->raw->ReportUnreachable(to);
        }
      }
      return;
    }
    if (is_snap) ++res_.snapshots_sent;
    if (opt_.verbose) Log("deliver " + m.ShortDebugString().substr(0, 160));
    (void)it->second.raw->Step(std::move(m));
    CheckCommitDurable(it->second);
    if (is_snap && nodes_[from].raw) nodes_[from].raw->ReportSnapshot(to, true);
  }

  void Propose() {
    std::vector<uint64_t> alive = Alive();
    if (alive.empty()) return;
    Node* target = LeaderNode();
    if (!target || Chance(0.3)) target = &nodes_[alive[Rand(alive.size())]];
    const std::string data = "p" + std::to_string(++next_prop_);
    auto s = target->raw->Propose(data);
    CheckCommitDurable(*target);
    Log("propose " + data + " at " + std::to_string(target->id) + ": " + s.ToString());
  }

  uint64_t MaxTermAnywhere() const {
    uint64_t t = 0;
    for (const auto& [id, n] : nodes_) {
      t = std::max(t, n.storage->hard_state().term());
      if (n.raw) t = std::max(t, n.raw->raft().term());
    }
    return t;
  }

  uint64_t MaxCommitAnywhere() const {
    uint64_t c = 0;
    for (const auto& [id, n] : nodes_) {
      c = std::max(c, n.persisted_commit);
      if (n.raw) c = std::max(c, n.raw->raft().log().committed());
    }
    return c;
  }

  void ReadIndex() {
    std::vector<uint64_t> alive = Alive();
    if (alive.empty()) return;
    // Half the reads go to a node that believes it leads (possibly a deposed one).
    std::vector<uint64_t> leaders;
    for (uint64_t id : alive) {
      if (nodes_[id].raw->raft().state() == StateType::kLeader) leaders.push_back(id);
    }
    Node& n = !leaders.empty() && Chance(0.5) ? nodes_[leaders[Rand(leaders.size())]]
                                               : nodes_[alive[Rand(alive.size())]];
    const std::string ctx = "r" + std::to_string(++next_read_);
    read_floor_[ctx] = MaxCommitAnywhere();
    auto s = n.raw->ReadIndex(ctx);
    Log("read " + ctx + " at " + std::to_string(n.id) + " floor " +
        std::to_string(read_floor_[ctx]) + ": " + s.ToString());
  }

  void Transfer() {
    Node* l = LeaderNode();
    if (!l) return;
    const auto& voters = l->raw->raft().tracker().voters();
    std::vector<uint64_t> v(voters.begin(), voters.end());
    const uint64_t to = v[Rand(v.size())];
    Log("transfer " + std::to_string(l->id) + " -> " + std::to_string(to));
    l->raw->TransferLeader(to);
  }

  void ChangeMembership() {
    Node* l = LeaderNode();
    if (!l) return;
    const auto& trk = l->raw->raft().tracker();
    std::vector<uint64_t> voters(trk.voters().begin(), trk.voters().end());
    std::vector<uint64_t> learners(trk.learners().begin(), trk.learners().end());
    raftpb::ConfChange cc;
    const uint64_t choice = Rand(3);
    const size_t max_voters = static_cast<size_t>(opt_.nodes) + 1;
    if (choice == 0 && voters.size() > 3) {
      cc.set_type(raftpb::ConfChangeRemoveNode);
      cc.set_node_id(voters[Rand(voters.size())]);
    } else if (choice == 1 && !learners.empty() && voters.size() < max_voters) {
      cc.set_type(raftpb::ConfChangeAddNode);
      cc.set_node_id(learners[Rand(learners.size())]);
    } else if (voters.size() + learners.size() < max_voters + 1 && next_new_id_ < 20) {
      cc.set_type(Chance(0.5) ? raftpb::ConfChangeAddLearnerNode : raftpb::ConfChangeAddNode);
      cc.set_node_id(next_new_id_);
    } else {
      return;
    }
    auto s = l->raw->ProposeConfChange(cc);
    if (s.ok() && cc.node_id() == next_new_id_) ++next_new_id_;
    Log("conf change " + cc.ShortDebugString() + " at " + std::to_string(l->id) + ": " +
        s.ToString());
  }

  void SnapshotAndCompact() {
    std::vector<uint64_t> alive = Alive();
    if (alive.empty()) return;
    Node& n = nodes_[alive[Rand(alive.size())]];
    const uint64_t applied = n.raw->raft().log().applied();
    const uint64_t have = n.storage->GetSnapshot()->metadata().index();
    if (applied < have + 3) return;
    auto cs = n.raw->raft().tracker().ConfState();
    auto snap = n.storage->CreateSnapshot(applied, &cs, std::to_string(applied));
    if (!snap.ok()) return Fail("CreateSnapshot: " + snap.status().ToString());
    if (auto s = n.storage->Compact(applied); !s.ok()) return Fail("Compact: " + s.ToString());
    Log("snapshot+compact node " + std::to_string(n.id) + " at " + std::to_string(applied));
  }

  void Crash() {
    std::vector<uint64_t> alive = Alive();
    const size_t max_down = opt_.nodes == 3 ? 1 : 2;
    size_t down = 0;
    for (auto& [id, n] : nodes_) down += !n.raw && !n.decommissioned;
    if (alive.empty() || down >= max_down) return;
    Node& n = nodes_[alive[Rand(alive.size())]];
    Log("crash " + std::to_string(n.id) + (n.unpersisted ? " losing its unpersisted Ready" : ""));
    n.raw.reset();
    n.unpersisted.reset();
    n.lease_round = 0;
  }

  void Restart() {
    for (auto& [id, n] : nodes_) {
      if (!n.raw && !n.decommissioned) {
        ++n.restarts;
        ++res_.restarts;
        Log("restart " + std::to_string(id));
        Start(id, {});
        return;
      }
    }
  }

  void Partition() {
    blocked_.clear();
    std::vector<uint64_t> ids;
    for (auto& [id, n] : nodes_) {
      if (!n.decommissioned) ids.push_back(id);
    }
    const uint64_t kind = lease_stress_ ? 1 : Rand(3);
    std::string desc;
    if (kind == 0) {
      // A clean split into two sides.
      std::set<uint64_t> side;
      for (uint64_t id : ids) {
        if (Chance(0.5)) side.insert(id);
      }
      for (uint64_t a : ids) {
        for (uint64_t b : ids) {
          if (side.count(a) != side.count(b)) blocked_.insert({a, b});
        }
      }
      for (uint64_t id : side) desc += std::to_string(id) + " ";
      desc = "split {" + desc + "} from the rest";
    } else {
      // Non-transitive cuts: a few links (kind 1: both directions, kind 2: one direction),
      // so a node can hear the leader while a candidate cannot.
      const uint64_t links = 1 + Rand(2);
      Node* leader = LeaderNode();
      for (uint64_t k = 0; k < links; ++k) {
        // Half the time one end is the leader: that is what tests leases and CheckQuorum.
        const uint64_t a = leader && Chance(0.5) ? leader->id : ids[Rand(ids.size())];
        const uint64_t b = ids[Rand(ids.size())];
        if (a == b) continue;
        blocked_.insert({a, b});
        if (kind == 1) blocked_.insert({b, a});
        desc += std::to_string(a) + (kind == 1 ? "-" : ">") + std::to_string(b) + " ";
      }
      desc = "cut links " + desc;
    }
    Log("partition: " + desc);
  }

  void Heal() {
    if (!blocked_.empty()) Log("heal");
    blocked_.clear();
  }

  // ---- Ready processing and per-node checks ----
  void ProcessAll() {
    bool again = true;
    while (again && res_.ok) {
      again = false;
      for (auto& [id, n] : nodes_) {
        if (n.raw && n.unpersisted) {
          Send(n.raw->TakeMessagesBeforePersist());
        } else if (n.raw && n.raw->HasReady()) {
          Begin(n);
          if (!opt_.async_persist && res_.ok) Finish(n);
          again = true;
        }
        if (n.raw && n.decommissioned) {
          n.raw.reset();  // a leader that removed itself, shut down after stepping down
          n.unpersisted.reset();
          n.lease_round = 0;
        }
      }
    }
  }

  void Send(std::vector<raftpb::Message> msgs) {
    for (auto& m : msgs) {
      uint64_t delay = 0;
      const uint64_t d = Rand(100);
      if (d >= 60 && d < 95) {
        delay = 1 + Rand(3);
      } else if (d >= 95) {
        delay = 5 + Rand(11);
      }
      net_.push_back(InFlight{std::move(m), tick_ + delay});
    }
  }

  // Hands out a Ready and sends what may leave before it is persisted.
  void Begin(Node& n) {
    Ready rd = n.raw->GetReady();
    TrackLease(n, rd);
    std::vector<raftpb::Message> early, later;
    for (auto& m : rd.messages) {
      (MaySendBeforePersist(rd, m) ? early : later).push_back(std::move(m));
    }
    rd.messages = std::move(later);
    Send(std::move(early));
    n.unpersisted = std::move(rd);
  }

  // Persists the node's Ready, sends the rest of its messages, applies and advances.
  void Finish(Node& n) {
    Ready rd = std::move(*n.unpersisted);
    n.unpersisted.reset();
    MemoryStorage& st = *n.storage;
    // 1. persist
    if (rd.snapshot) {
      if (auto s = st.ApplySnapshot(*rd.snapshot); !s.ok()) {
        return Fail("node " + std::to_string(n.id) + " ApplySnapshot: " + s.ToString());
      }
    }
    if (auto s = st.Append(rd.entries); !s.ok()) {
      return Fail("node " + std::to_string(n.id) + " Append: " + s.ToString());
    }
    if (rd.hard_state) {
      if (rd.hard_state->commit() < n.persisted_commit) {
        return Fail("node " + std::to_string(n.id) + " commit moved back from " +
                    std::to_string(n.persisted_commit) + " to " +
                    std::to_string(rd.hard_state->commit()));
      }
      n.persisted_commit = rd.hard_state->commit();
      st.SetHardState(*rd.hard_state);
    }
    CheckLogMatching(n, rd.entries);
    // 2. send what vouches for the write
    Send(std::move(rd.messages));
    // 3. apply
    if (rd.snapshot) {
      const uint64_t si = rd.snapshot->metadata().index();
      if (si > applied_.size() || applied_[si - 1].term != rd.snapshot->metadata().term()) {
        return Fail("node " + std::to_string(n.id) + " restored snapshot at " +
                    std::to_string(si) + " that matches no applied prefix");
      }
      n.sm_applied = si;
    }
    for (const Entry& e : rd.committed_entries) {
      Apply(n, e);
      if (!res_.ok) return;
    }
    for (const ReadState& rs : rd.read_states) {
      auto it = read_floor_.find(rs.context);
      if (it == read_floor_.end()) {
        return Fail("read state for unknown context " + rs.context);
      }
      ++res_.reads_answered;
      if (rs.index < it->second) {
        return Fail("read " + rs.context + " at node " + std::to_string(n.id) +
                    " answered index " + std::to_string(rs.index) +
                    " below the commit index " + std::to_string(it->second) +
                    " known before the request");
      }
    }
    n.raw->Advance();
    CheckCommitDurable(n);
  }

  // Whether `node` holds entry (index, term) in the storage that survives its crashes.
  bool Durable(uint64_t node, uint64_t index, uint64_t term) {
    auto it = nodes_.find(node);
    if (it == nodes_.end()) return false;
    MemoryStorage& st = *it->second.storage;
    if (st.GetSnapshot()->metadata().index() >= index) return true;
    auto last = st.LastIndex();
    if (!last.ok() || *last < index) return false;
    auto t = st.Term(index);
    return t.ok() && *t == term;
  }

  void CheckCommitDurable(Node& n) {
    if (!n.raw || !res_.ok) return;
    const Raft& r = n.raw->raft();
    const uint64_t c = r.log().committed();
    const bool rose = c > n.commit_seen;
    n.commit_seen = std::max(n.commit_seen, c);
    if (!rose || r.state() != StateType::kLeader) return;
    const uint64_t term = r.log().ZeroTermOnError(c);
    size_t durable = 0;
    std::string where;
    for (uint64_t v : r.tracker().voters()) {
      if (!Durable(v, c, term)) continue;
      ++durable;
      where += " " + std::to_string(v);
    }
    if (durable < r.tracker().Quorum()) {
      Fail("leader " + std::to_string(n.id) + " of term " + std::to_string(r.term()) +
           " committed index " + std::to_string(c) + " (term " + std::to_string(term) +
           ") durable only on {" + where + " } of " + std::to_string(r.tracker().voters().size()) +
           " voters");
    }
  }

  void Apply(Node& n, const Entry& e) {
    if (e.index() != n.sm_applied + 1) {
      return Fail("node " + std::to_string(n.id) + " applied " + std::to_string(e.index()) +
                  " after " + std::to_string(n.sm_applied));
    }
    n.sm_applied = e.index();
    const uint64_t i = e.index();
    if (i <= applied_.size()) {
      if (applied_[i - 1].term != e.term() || applied_[i - 1].data != e.data()) {
        return Fail("node " + std::to_string(n.id) + " applied a different entry at " +
                    std::to_string(i) + ": applied sequences diverge");
      }
    } else {
      applied_.push_back(AppliedEntry{e.term(), e.data(), MaxTermAnywhere()});
      if (e.type() == raftpb::EntryConfChange && e.term() > 0) ++res_.conf_changes;
    }
    if (e.type() != raftpb::EntryConfChange) return;
    raftpb::ConfChange cc;
    if (!cc.ParseFromString(e.data())) return Fail("unparseable conf change");
    n.raw->ApplyConfChange(cc);
    const uint64_t target = cc.node_id();
    if ((cc.type() == raftpb::ConfChangeAddNode ||
         cc.type() == raftpb::ConfChangeAddLearnerNode) &&
        !nodes_.count(target)) {
      Log("new member " + std::to_string(target) + " starts empty");
      Start(target, {});
    }
    if (cc.type() == raftpb::ConfChangeRemoveNode && nodes_.count(target) &&
        n.raw->raft().state() == StateType::kLeader) {
      // The operator shuts a removed node down once the change is applied.
      Node& gone = nodes_[target];
      if (!gone.decommissioned) {
        Log("decommission " + std::to_string(target));
        gone.decommissioned = true;
        if (&gone != &n) {
          gone.raw.reset();
          gone.lease_round = 0;
        }
      }
    }
  }

  void CheckLogMatching(Node& n, const std::vector<Entry>& ents) {
    for (const Entry& e : ents) {
      uint64_t prev = 0;
      if (e.index() > 1) {
        auto t = n.storage->Term(e.index() - 1);
        if (!t.ok()) continue;  // predecessor compacted: covered by its own check earlier
        prev = *t;
      }
      auto key = std::make_pair(e.index(), e.term());
      auto it = entries_.find(key);
      if (it == entries_.end()) {
        entries_.emplace(key, std::make_pair(e.data(), prev));
      } else if (it->second.first != e.data() || it->second.second != prev) {
        return Fail("log matching: node " + std::to_string(n.id) + " entry (" +
                    std::to_string(e.index()) + "," + std::to_string(e.term()) +
                    ") differs from another log's");
      }
    }
  }

  void TrackLease(Node& n, const Ready& rd) {
    if (rd.term != n.rounds_term) {
      n.rounds_term = rd.term;
      n.last_round = 0;
      n.round_sent.clear();
    }
    if (rd.heartbeat_round > 0) {
      for (uint64_t r = n.last_round + 1; r <= rd.heartbeat_round; ++r) n.round_sent[r] = tick_;
      n.last_round = rd.heartbeat_round;
    }
    if (rd.lease_round == 0) {
      n.lease_round = 0;
      return;
    }
    auto it = n.round_sent.find(rd.lease_round);
    if (it == n.round_sent.end()) {
      return Fail("node " + std::to_string(n.id) + " reports lease round " +
                  std::to_string(rd.lease_round) + " it never sent in term " +
                  std::to_string(rd.term));
    }
    if (rd.lease_round != n.lease_round) ++res_.lease_reports;
    n.lease_round = rd.lease_round;
    n.lease_term = rd.term;
    n.lease_sent = it->second;
  }

  void CheckGlobal() {
    for (auto& [id, n] : nodes_) {
      if (!n.raw) continue;
      const Raft& r = n.raw->raft();
      if (r.state() != StateType::kLeader) continue;
      auto [it, inserted] = leader_of_term_.emplace(r.term(), id);
      if (!inserted && it->second != id) {
        return Fail("two leaders in term " + std::to_string(r.term()) + ": " +
                    std::to_string(it->second) + " and " + std::to_string(id));
      }
      if (inserted) {
        ++res_.elections;
        max_leader_term_ = std::max(max_leader_term_, r.term());
        Log("leader " + std::to_string(id) + " term " + std::to_string(r.term()));
        // Leader completeness: an entry committed in term T is in the log of every leader
        // of a term > T. T is unknown, but it is at most the highest term any node had
        // when the entry was first applied (a leader elected late in an older term, from
        // delayed votes, need not hold it).
        const RaftLog& log = r.log();
        for (uint64_t i = 1; i <= applied_.size(); ++i) {
          if (applied_[i - 1].commit_term_bound >= r.term() || i < log.FirstIndex()) continue;
          if (i > log.LastIndex() || log.ZeroTermOnError(i) != applied_[i - 1].term) {
            return Fail("leader " + std::to_string(id) + " of term " +
                        std::to_string(r.term()) + " lacks the entry applied at index " +
                        std::to_string(i) + " (committed by term " +
                        std::to_string(applied_[i - 1].commit_term_bound) + ")");
          }
        }
      }
    }
    for (auto& [id, n] : nodes_) {
      if (!n.raw || n.lease_round == 0) continue;
      if (n.lease_sent + kLeaseTicks > tick_ && max_leader_term_ > n.lease_term) {
        return Fail("node " + std::to_string(id) + " holds a lease (term " +
                    std::to_string(n.lease_term) + ", round " + std::to_string(n.lease_round) +
                    " sent at tick " + std::to_string(n.lease_sent) + ") while a leader of term " +
                    std::to_string(max_leader_term_) + " exists");
      }
    }
  }

  Options opt_;
  std::mt19937_64 rng_;
  Mix mix_;
  bool lease_stress_ = false;
  uint64_t tick_ = 0;
  uint64_t next_new_id_ = 0;
  uint64_t next_prop_ = 0;
  uint64_t next_read_ = 0;
  std::map<uint64_t, Node> nodes_;
  std::vector<InFlight> net_;
  std::set<std::pair<uint64_t, uint64_t>> blocked_;
  // Invariant bookkeeping.
  std::map<uint64_t, uint64_t> leader_of_term_;
  uint64_t max_leader_term_ = 0;
  std::map<std::pair<uint64_t, uint64_t>, std::pair<std::string, uint64_t>> entries_;
  struct AppliedEntry {
    uint64_t term;
    std::string data;
    uint64_t commit_term_bound;  // highest term of any node when first applied
  };
  std::vector<AppliedEntry> applied_;  // [index - 1]
  std::map<std::string, uint64_t> read_floor_;
  Result res_;
};

}  // namespace

Result Run(const Options& options) {
  World w(options);
  return w.Run();
}

}  // namespace raftlab::raft::sim
