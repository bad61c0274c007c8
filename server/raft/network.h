#pragma once
// Test-only: an in-memory network of RawNodes (etcd/raft's test "network"). Delivery is
// synchronous and deterministic: Send() steps a message into its target, runs that node's
// Ready cycle (persist to its MemoryStorage, apply committed entries, queue outgoing
// messages, Advance) and keeps delivering until no message is left. Filters drop traffic
// between cut pairs, to/from isolated nodes, or of ignored types.
//
// Single-threaded; owns the nodes and their storages.

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "server/raft/raw_node.h"
#include "server/raft/storage.h"

namespace raftlab::raft::testing {

inline Config TestConfig(uint64_t id, std::vector<uint64_t> voters, MemoryStorage* storage,
                         int election = 10, int heartbeat = 1) {
  Config c;
  c.id = id;
  c.election_tick = election;
  c.heartbeat_tick = heartbeat;
  c.storage = storage;
  c.voters = std::move(voters);
  c.check_quorum = false;
  c.pre_vote = false;
  return c;
}

inline std::vector<uint64_t> Ids(int n) {
  std::vector<uint64_t> ids;
  for (int i = 1; i <= n; ++i) ids.push_back(static_cast<uint64_t>(i));
  return ids;
}

inline raftpb::Message Msg(uint64_t from, uint64_t to, raftpb::MessageType type,
                           uint64_t term = 0) {
  raftpb::Message m;
  m.set_from(from);
  m.set_to(to);
  m.set_type(type);
  m.set_term(term);
  return m;
}

class Network {
 public:
  using Tweak = std::function<void(Config&)>;

  explicit Network(int n, Tweak tweak = {}) : tweak_(std::move(tweak)) {
    for (uint64_t id : Ids(n)) Add(id, Ids(n));
  }

  // Adds a node (a new member or a restart over its existing storage).
  void Add(uint64_t id, std::vector<uint64_t> voters, std::vector<uint64_t> learners = {}) {
    if (!storages_.count(id)) storages_[id] = std::make_unique<MemoryStorage>();
    Config c = TestConfig(id, std::move(voters), storages_[id].get());
    c.learners = std::move(learners);
    if (tweak_) tweak_(c);
    auto node = RawNode::Create(c);
    ASSERT_TRUE(node.ok()) << node.status();
    nodes_[id] = std::move(*node);
    applied_[id].clear();
    Flush(id);  // persist (and apply) a new group's founding membership entries
  }
  // Drops the node's volatile state; its storage (persisted state) survives.
  void Crash(uint64_t id) { nodes_.erase(id); }

  RawNode& node(uint64_t id) { return *nodes_.at(id); }
  Raft& raft(uint64_t id) { return nodes_.at(id)->raft(); }
  MemoryStorage& storage(uint64_t id) { return *storages_.at(id); }
  bool alive(uint64_t id) const { return nodes_.count(id) != 0; }
  const std::vector<Entry>& applied(uint64_t id) { return applied_[id]; }

  void Send(raftpb::Message m) {
    queue_.push_back(std::move(m));
    Deliver();
  }
  void Campaign(uint64_t id) {
    ASSERT_TRUE(node(id).Campaign().ok());
    Flush(id);
    Deliver();
  }
  absl::Status Propose(uint64_t id, std::string data) {
    auto s = node(id).Propose(std::move(data));
    Flush(id);
    Deliver();
    return s;
  }
  // Runs f on node id, then delivers everything it caused.
  template <typename F>
  auto Do(uint64_t id, F f) {
    if constexpr (std::is_void_v<decltype(f(node(id)))>) {
      f(node(id));
      Flush(id);
      Deliver();
    } else {
      auto r = f(node(id));
      Flush(id);
      Deliver();
      return r;
    }
  }
  void Tick(uint64_t id, int n = 1) {
    for (int i = 0; i < n; ++i) {
      node(id).Tick();
      Flush(id);
      Deliver();
    }
  }
  // Runs one Ready cycle on id and returns its messages without delivering them.
  std::vector<raftpb::Message> TakeOutbox(uint64_t id) {
    Flush(id);
    std::vector<raftpb::Message> out(queue_.begin(), queue_.end());
    queue_.clear();
    return out;
  }
  std::vector<ReadState> TakeReadStates(uint64_t id) {
    Flush(id);
    auto out = std::move(read_states_[id]);
    read_states_[id].clear();
    return out;
  }

  void Cut(uint64_t a, uint64_t b) {
    cut_.insert({a, b});
    cut_.insert({b, a});
  }
  void Isolate(uint64_t id) {
    for (auto& [other, n] : nodes_) {
      if (other != id) Cut(id, other);
    }
  }
  void Ignore(raftpb::MessageType t) { ignored_.insert(t); }
  void Recover() {
    cut_.clear();
    ignored_.clear();
  }
  // Messages dropped by filters since the last call (for asserting on them).
  std::vector<raftpb::Message> TakeDropped() { return std::exchange(dropped_, {}); }

  // Runs the Ready cycle of node id: persist, apply, queue messages, advance.
  void Flush(uint64_t id) {
    if (!alive(id)) return;
    RawNode& n = node(id);
    while (n.HasReady()) {
      Ready rd = n.GetReady();
      MemoryStorage& st = storage(id);
      if (rd.snapshot) {
        EXPECT_TRUE(st.ApplySnapshot(*rd.snapshot).ok());
        applied_[id].clear();
      }
      EXPECT_TRUE(st.Append(rd.entries).ok());
      if (rd.hard_state) st.SetHardState(*rd.hard_state);
      for (auto& m : rd.messages) queue_.push_back(std::move(m));
      for (const Entry& e : rd.committed_entries) {
        if (e.type() == raftpb::EntryConfChange) {
          raftpb::ConfChange cc;
          cc.ParseFromString(e.data());
          n.ApplyConfChange(cc);
        }
        if (e.term() > 0) applied_[id].push_back(e);  // founding entries are not news
      }
      for (auto& r : rd.read_states) read_states_[id].push_back(std::move(r));
      lease_round_[id] = rd.lease_round;
      reported_transfer_[id] = {rd.lead_transferee, rd.lease_void};
      n.Advance();
    }
  }
  uint64_t lease_round(uint64_t id) { return lease_round_[id]; }
  // The transfer the last Ready of id reported: {lead_transferee, lease_void}.
  std::pair<uint64_t, bool> reported_transfer(uint64_t id) { return reported_transfer_[id]; }

  // Snapshot of node id's applied state at its applied index, then log compaction.
  void SnapshotAndCompact(uint64_t id) {
    const uint64_t applied = raft(id).log().applied();
    auto cs = raft(id).tracker().ConfState();
    ASSERT_TRUE(storage(id).CreateSnapshot(applied, &cs, "image@" + std::to_string(applied)).ok());
    ASSERT_TRUE(storage(id).Compact(applied).ok());
  }

  // Whether Deliver reports MsgSnap outcomes back to the sender (ReportSnapshot).
  bool report_snapshots = true;

  void Deliver() {
    while (!queue_.empty()) {
      raftpb::Message m = std::move(queue_.front());
      queue_.pop_front();
      const bool is_snap = m.type() == raftpb::MsgSnap;
      const uint64_t from = m.from();
      const uint64_t to = m.to();
      if (cut_.count({from, to}) || ignored_.count(m.type()) || !alive(to)) {
        dropped_.push_back(std::move(m));
        // Like the engine's transport: a failed snapshot send is reported back.
        if (is_snap && report_snapshots && alive(from)) {
          node(from).ReportSnapshot(to, false);
          Flush(from);
        }
        continue;
      }
      (void)node(to).Step(std::move(m));
      Flush(to);
      if (is_snap && report_snapshots && alive(from)) {
        node(from).ReportSnapshot(to, true);
        Flush(from);
      }
    }
  }

 private:
  Tweak tweak_;
  std::map<uint64_t, std::unique_ptr<MemoryStorage>> storages_;
  std::map<uint64_t, std::unique_ptr<RawNode>> nodes_;
  std::map<uint64_t, std::vector<Entry>> applied_;
  std::map<uint64_t, std::vector<ReadState>> read_states_;
  std::map<uint64_t, uint64_t> lease_round_;
  std::map<uint64_t, std::pair<uint64_t, bool>> reported_transfer_;
  std::deque<raftpb::Message> queue_;
  std::set<std::pair<uint64_t, uint64_t>> cut_;
  std::set<raftpb::MessageType> ignored_;
  std::vector<raftpb::Message> dropped_;
};

}  // namespace raftlab::raft::testing
