#pragma once
// Scenario environment: a command interpreter over an in-memory network of RawNodes, for
// data-driven tests (etcd/raft's rafttest.InteractionEnv). Unlike testing::Network nothing
// happens on its own: a Ready is handled, and a message delivered, only when a command
// says so, so a script can hold traffic back, reorder it or drop it, and every Ready and
// message shows up in the expected output. Scripts live in testdata/*.txt (format in
// scenario_script.h).
//
// Commands (node ids are positional; "ids..." means one or more):
//   add-nodes N [voters=(1,2,3)] [check-quorum=true] [pre-vote=true] [election=10]
//             [heartbeat=1]
//       Adds N nodes with the next free ids. voters defaults to every node added by this
//       command. The election timeout is exactly `election` ticks (no jitter). The founding
//       Ready (the membership entries) is handled silently.
//   campaign ID                 the node starts an election now (MsgHup).
//   tick ID [count=1]           ticks the node; tick-heartbeat / tick-election ID tick it
//                               heartbeat / election ticks.
//   process-ready ids...        handles one Ready per node: persist, send (into the
//                               network), apply, Advance. Prints the Ready.
//   deliver-msgs ids... [type=MsgX] [drop=true]
//       Steps every message in flight to these nodes (only of type MsgX if given), in send
//       order; drop=true discards them instead. A message across a partition is dropped
//       when sent and when delivered; one to a crashed node when delivered; both printed
//       so. A delivered (dropped) MsgSnap is reported to its sender as a success (failure),
//       like the engine's transport does.
//   stabilize [ids...]          handles Readys and delivers messages until nothing is left
//                               (only for the given nodes: traffic to others stays in
//                               flight).
//   propose ID DATA             MsgProp of one entry; a refusal is printed.
//   read-index ID CONTEXT       a ReadIndex request; the answer shows in a later Ready.
//   transfer-leadership from=ID to=ID
//   partition ids... [/ ids...] cuts every link between the two groups; one group is cut
//                               from every other node. heal removes every cut.
//   snapshot ID                 local snapshot at the applied index, then the log before it
//                               is compacted (in the node's store). The state machine is
//                               the list of applied entry data; its image joins them.
//   crash ids...                drops the nodes' volatile state (the RawNode); commands
//                               to a crashed node print "N is crashed".
//   restart ids...              crash, then recover from what the node's store persisted
//                               (applied index = the snapshot's); a failure is printed
//                               and leaves the node crashed.
//   status ids...               role, term, vote, leader, commit, applied, log bounds and,
//                               on a leader, each follower's progress.
//   raft-log ID                 the storage the core reads: hard state, snapshot, entries
//                               (for the engine's DurableLog, its in-memory mirror).
//   lease ids...                the lease state of the node's last handled Ready.
// Commands an extension adds (server/engine/scenario_engine.h) are listed there.
//
// Output: one line per event, no blank lines. After every input to a node (tick, step,
// campaign, ...) a change of role or term is printed as "1 became leader at term 2".
//
// Extension points: a store factory replaces the in-memory store of each node (the engine
// backs nodes with its DurableLog), Ready observers see every handled Ready after it is
// persisted and before its messages leave the node, and restart observers see restarts.
//
// Single-threaded and deterministic.

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "server/raft/raw_node.h"
#include "server/raft/scenario_script.h"
#include "server/raft/storage.h"

namespace raftlab::raft::scenario {

// What a node persists. Persist gets each Ready before its messages are sent.
class NodeStore {
 public:
  virtual ~NodeStore() = default;
  // The storage the core reads.
  virtual MemoryStorage& storage() = 0;
  virtual absl::Status Persist(const Ready& rd) = 0;
  // Records a local snapshot at `index` and compacts the log behind it.
  virtual absl::Status SaveSnapshot(uint64_t index, const raftpb::ConfState& cs,
                                    std::string image) = 0;
  // Forgets everything not persisted, as a process restart does, and recovers.
  virtual absl::Status Reopen() = 0;
};

// A store whose MemoryStorage is the persisted state: Reopen keeps everything.
std::unique_ptr<NodeStore> NewMemoryStore();

using Lines = std::vector<std::string>;

class Env {
 public:
  using StoreFactory = std::function<absl::StatusOr<std::unique_ptr<NodeStore>>(uint64_t id)>;
  using ReadyObserver =
      std::function<void(uint64_t id, const Ready& rd, const Raft& r, Lines& out)>;
  using RestartObserver = std::function<void(uint64_t id)>;

  Env();
  virtual ~Env() = default;
  Env(const Env&) = delete;
  Env& operator=(const Env&) = delete;

  void SetStoreFactory(StoreFactory f) { store_factory_ = std::move(f); }
  void AddReadyObserver(ReadyObserver o) { ready_observers_.push_back(std::move(o)); }
  void AddRestartObserver(RestartObserver o) { restart_observers_.push_back(std::move(o)); }
  // Adds (or replaces) a command.
  void AddCommand(const std::string& name, CommandHandler h) { commands_[name] = std::move(h); }

  // Runs one command; the status is an error in the script (see scenario_script.h).
  absl::StatusOr<std::string> Handle(const Command& c);

  // For extensions: the ids of all nodes, and a node's core (null while crashed).
  std::vector<uint64_t> Ids() const;
  const RawNode* node(uint64_t id) const;
  // An error naming the command when id is not a node.
  absl::Status CheckNode(const Command& c, uint64_t id) const;

 protected:
  // Closes every node's store (an extension that owns their files calls it first).
  void DropNodes() { nodes_.clear(); }

 private:
  struct Node {
    std::unique_ptr<NodeStore> store;
    std::unique_ptr<RawNode> raw;  // null while crashed
    Config config;
    // The state machine: data of the applied normal entries; its snapshot image joins them.
    std::vector<std::string> applied;
    uint64_t applied_index = 0;
    std::string last_lease;  // lease line of the last handled Ready
    StateType last_state = StateType::kFollower;
    uint64_t last_term = 0;
  };

  void RegisterCoreCommands();
  absl::StatusOr<Node*> Get(const Command& c, uint64_t id);
  // The positional node ids of c; an error unless there is at least one and all exist.
  absl::StatusOr<std::vector<uint64_t>> NodeArgs(const Command& c) const;
  // Whether the node runs; prints "N is crashed" when not (state, not a script error).
  bool Running(uint64_t id, Lines& out) const;
  // Prints a change of role or term since the last call.
  void NoteState(uint64_t id, Lines& out);

  absl::Status AddNodes(const Command& c);
  absl::Status CreateRawNode(uint64_t id);
  void ProcessReady(uint64_t id, Lines& out);
  void ApplySnapshotImage(Node& n, const raftpb::Snapshot& snap);
  void ApplyEntries(uint64_t id, const std::vector<Entry>& entries);
  // Delivers (or drops) the in-flight messages to id that match the filter.
  bool DeliverTo(uint64_t id, const std::string& type, bool drop, Lines& out);
  absl::Status Stabilize(const Command& c, Lines& out);
  absl::Status Partition(const Command& c, Lines& out);
  absl::Status Restart(const Command& c, Lines& out);
  void Status(uint64_t id, Lines& out);
  void RaftLog(uint64_t id, Lines& out);

  std::map<uint64_t, Node> nodes_;
  std::deque<raftpb::Message> in_flight_;
  std::set<std::pair<uint64_t, uint64_t>> cut_;
  std::map<std::string, CommandHandler> commands_;
  StoreFactory store_factory_;
  std::vector<ReadyObserver> ready_observers_;
  std::vector<RestartObserver> restart_observers_;
};

// The names of the *.txt files in dir, sorted (test parameters: short and machine-neutral).
std::vector<std::string> ScenarioNames(const std::string& dir);
// RunScript of path over env; rewrites the file when the environment variable
// RAFTLAB_REWRITE is 1. Returns one failure description per mismatching case, or the
// script error.
std::vector<std::string> RunScenarioFile(const std::string& path, Env& env);

}  // namespace raftlab::raft::scenario
