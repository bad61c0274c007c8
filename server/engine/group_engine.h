#pragma once
// GroupEngine: one Raft group made real. It owns the group's RawNode and DurableLog and
// runs the Ready loop; it applies committed entries to the node's StateMachine; it serves
// reads in the three read modes; it sends through an Outbox (the dispatcher in production,
// an in-process router in tests).
//
// Threads:
//  - a ReadyLoop's thread owns the RawNode, the DurableLog and the LeaseTracker; every
//    input reaches it through the mailbox. A node's groups share one ReadyLoop, which
//    persists and applies the Readys of all of them together (ready_loop.h); an engine
//    given none runs its own;
//  - the loop's ticker thread (one for all its groups) only counts ticks, each group's on
//    its faults::Clock, so it never waits on fsync, and queues a group for them only when
//    the core's next timer is due;
//  - any thread may call the public methods; completion callbacks run on the Ready loop
//    thread (or the caller's, when a request is refused at once) and must not block.
//
// Write path: Propose checks leadership, hands the command to the core, and keys the
// waiter by the (term, index) the entry got; when that index is applied the waiter gets
// the apply result if the entry there still has that term, or kSuperseded if another
// leader overwrote it (then it can never apply).

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "faults/clock.h"
#include "faults/points.h"
#include "raft.pb.h"
#include "server/engine/durable_log.h"
#include "server/engine/engine_metrics.h"
#include "server/engine/group_events.h"
#include "server/engine/lease_tracker.h"
#include "server/engine/published_lease.h"
#include "server/engine/read_coalescer.h"
#include "server/engine/ready_loop.h"
#include "server/engine/snapshot_worker.h"
#include "server/raft/raw_node.h"
#include "server/storage/kv_command.h"
#include "server/storage/state_machine.h"

namespace raftlab::engine {

// Where the engine's outbound messages go.
class Outbox {
 public:
  virtual ~Outbox() = default;
  // Must not block; a message that cannot be sent is reported back through
  // GroupEngine::ReportUnreachable / ReportSnapshot by whoever dropped it.
  virtual void Send(uint64_t group_id, raftpb::Message message) = 0;
  // The Ready loop brackets each phase of a pass in which it sends for many groups (before
  // the WAL write, after it). An outbox may hold the phase's messages back until EndSends,
  // so that they leave together: one batch per peer instead of one per group.
  virtual void BeginSends() {}
  virtual void EndSends() {}
};

struct GroupEngineOptions {
  uint64_t group_id = 1;
  uint64_t node_id = 0;
  // Bootstrap membership, used when the group's log holds no configuration yet.
  std::vector<uint64_t> voters;
  std::string dir;  // the group's snapshots (and its WAL when node_wal is null)
  // The node's shared WAL (DurableLogOptions::node_wal); must outlive the engine.
  storage::NodeWal* node_wal = nullptr;
  std::chrono::milliseconds tick{10};
  int election_ticks = 200;
  int heartbeat_ticks = 20;
  std::chrono::milliseconds lease_margin{300};
  // Take a snapshot and purge the WAL after this many applied entries. The image is built
  // on a worker thread (SnapshotWorker), so writes go on meanwhile. Each snapshot copies the
  // group's whole state, so the interval is etcd's: every 10,000 entries doubled the p99
  // of a 100-client put load.
  uint64_t snapshot_every = 100000;
  // Tests only: called at each step of a local snapshot, on the thread taking that step, so
  // a test can slow a snapshot down or copy the data directory there as a crash would.
  SnapshotStepHook snapshot_step_hook;
  // Entries kept behind a snapshot (DurableLogOptions::compaction_lag).
  uint64_t compaction_lag = 1000;
  uint64_t rng_seed = 0;
  uint64_t max_size_per_msg = 1 << 20;
  uint64_t max_uncommitted_entries_size = 64 << 20;
  int max_inflight_msgs = 256;
  // Unanswered ReadIndex rounds are re-issued after this many ticks.
  int read_retry_ticks = 50;
  // Called on the Ready loop thread with the new applied index each time committed entries
  // or an installed snapshot changed the state machine (so a watcher, e.g. of the route
  // table, can re-read it). Must be quick and must not call back into this engine.
  std::function<void(uint64_t applied_index)> on_applied;
  // Called on the Ready loop thread right after a Ready's entries are written (fsynced
  // unless the WAL runs nosync), with the last index written: a durability watcher for
  // tests. Must be quick and must not call back into this engine.
  std::function<void(uint64_t last_index)> on_persisted;
  // The loop that runs this group's Ready loop with the node's other groups; must be
  // started and outlive the engine. Null: the engine runs a loop of its own.
  ReadyLoop* ready_loop = nullptr;
};

class GroupEngine;

// One group's Ready on its way through a ReadyLoop pass.
struct ReadyInFlight {
  GroupEngine* engine = nullptr;
  raft::Ready rd;
  std::vector<raftpb::Message> after_persist;  // sent once the WAL write is durable
  bool sent_early = false;
  bool persisted = false;                      // the Ready has something to make durable
  storage::NodeWal* wal = nullptr;
  std::optional<storage::GroupAppend> append;  // what the WAL must still write
  double persist_seconds = 0;
  uint64_t applied_before = 0;
  std::vector<storage::ApplyResult> apply_results;  // of rd.committed_entries
  double apply_seconds = 0;
};

// What a write's client is told.
struct ProposeResult {
  enum class Code {
    kApplied,     // applied; see apply
    kNotLeader,   // refused before proposing: certainly not applied; see leader_hint
    kRefused,     // the core refused it (e.g. too many uncommitted bytes): not applied
    kSuperseded,  // its log slot was overwritten by another leader: never applied
    kTimeout,     // the deadline passed: may or may not apply
    kAborted,     // the engine stopped: may or may not apply
  };
  static ProposeResult Of(Code code, uint64_t leader_hint = 0, uint64_t term = 0) {
    ProposeResult r;
    r.code = code;
    r.leader_hint = leader_hint;
    r.term = term;
    return r;
  }
  Code code = Code::kApplied;
  storage::ApplyResult apply;
  uint64_t leader_hint = 0;
  uint64_t term = 0;
  std::string error;
};

// How a read may be served; the caller then reads the state machine.
enum class ReadMode { kLinearizable, kLease, kStale };
enum class ReadPath { kReadIndex, kLease, kLeaseFallback, kStale };

struct ReadResult {
  enum class Code { kOk, kTimeout, kAborted };
  Code code = Code::kOk;
  ReadPath path = ReadPath::kReadIndex;
  uint64_t read_index = 0;
};

// A consistent view of the group for status pages and response headers.
struct GroupStatusView {
  uint64_t group_id = 0;
  uint64_t term = 0;
  uint64_t leader_id = 0;
  raft::StateType role = raft::StateType::kFollower;
  uint64_t commit_index = 0;
  uint64_t applied_index = 0;
  uint64_t snapshot_index = 0;
  std::vector<uint64_t> voters;
  std::vector<uint64_t> learners;
  bool lease_valid = false;
};

class GroupEngine {
 public:
  using Clock = std::chrono::steady_clock;
  using ProposeCallback = std::function<void(const ProposeResult&)>;
  using ReadCallback = std::function<void(const ReadResult&)>;

  // Recovers the group from options.dir and fsm; does not start threads.
  static absl::StatusOr<std::unique_ptr<GroupEngine>> Open(GroupEngineOptions options,
                                                           storage::StateMachine* fsm,
                                                           Outbox* outbox, faults::Clock* clock,
                                                           EngineMetrics* metrics);
  ~GroupEngine();  // Stop()

  void Start();
  // Stops both threads; pending requests complete with kAborted.
  void Stop();

  // Inbound raft traffic and transport reports (any thread, never blocks for long).
  void Deliver(raftpb::Message message);
  void ReportUnreachable(uint64_t peer);
  void ReportSnapshot(uint64_t peer, bool success);

  void Propose(storage::KvCommand command, Clock::time_point deadline, ProposeCallback done);
  void Read(ReadMode mode, Clock::time_point deadline, ReadCallback done);
  void ProposeConfChange(raftpb::ConfChange change, Clock::time_point deadline, ProposeCallback done);
  void TransferLeader(uint64_t target);
  // Takes a snapshot now and returns its index (the applied index when it started; the
  // index of the next one when a snapshot was already under way).
  absl::StatusOr<uint64_t> TriggerSnapshot(std::chrono::milliseconds timeout);
  // Starts an election now (tests and tooling).
  void Campaign();
  // Holds this group's Ready loop for `duration` from now, as a stuck disk would: nothing
  // of the group is persisted, sent or applied meanwhile (the other groups of its
  // ReadyLoop go on); reads and status keep being answered from the published state. A
  // fault for tests (Admin Stall).
  void Stall(std::chrono::milliseconds duration);

  GroupStatusView Status() const;
  uint64_t group_id() const { return options_.group_id; }
  uint64_t node_id() const { return options_.node_id; }
  uint64_t leader_id() const { return leader_.load(std::memory_order_acquire); }
  uint64_t term() const { return term_.load(std::memory_order_acquire); }
  uint64_t applied_index() const { return applied_pub_.load(std::memory_order_acquire); }
  bool is_leader() const { return leader_id() == options_.node_id; }
  // What a lease read at this instant would find (raftlab_lease_read_total's outcome).
  LeaseOutcome LeaseCheck() const;
  storage::StateMachine* state_machine() const { return fsm_; }
  Outbox* outbox() const { return outbox_; }

 private:
  struct ProposalIn {
    std::string data;
    bool conf_change = false;
    Clock::time_point deadline;
    ProposeCallback done;
    Clock::time_point started;
  };
  struct Wake {};  // no work of its own: newly queued reads start a round
  struct Unreachable { uint64_t peer; };
  struct SnapStatus { uint64_t peer; bool success; };
  struct Transfer { uint64_t target; };
  struct CampaignNow {};
  using SnapshotDone = std::function<void(absl::StatusOr<uint64_t>)>;
  struct SnapshotNow { SnapshotDone done; };
  using Event = std::variant<raftpb::Message, ProposalIn, Wake, Unreachable, SnapStatus,
                             Transfer, CampaignNow, SnapshotNow, BuiltSnapshot>;

  friend class ReadyLoop;
  enum class Intake { kTaken, kStalled, kStopping };

  struct Pending {
    uint64_t term;
    Clock::time_point deadline;
    ProposeCallback done;
    Clock::time_point started;
  };

  GroupEngine(GroupEngineOptions options, storage::StateMachine* fsm, Outbox* outbox,
              faults::Clock* clock, EngineMetrics* metrics);

  void Post(Event event);
  // Called by the loop's ticker: counts the ticks due by now on the group's clock, queues the
  // group if its core waits for them, and returns how long (real time) the ticker may sleep
  // before this group needs it again.
  std::chrono::nanoseconds CountTicks();
  // Ticks from the end of this loop pass until the loop must run for them.
  int TicksUntilDue() const;

  // The Ready loop's steps, which a ReadyLoop pass runs for many groups at once.
  // TakeInput hands the core the ticks and events queued (unless the group is stalled,
  // until *stalled_until, or stopping); BeginReady takes a Ready and sends what may go
  // before the WAL write; the loop writes the WAL; AfterPersist sends the rest and installs
  // a snapshot; the loop applies the committed entries; FinishReady completes their
  // requests and advances; EndPass says when the loop must come back for ticks.
  Intake TakeInput(Clock::time_point* stalled_until);
  bool HasReady() const { return node_->HasReady(); }
  ReadyInFlight BeginReady();
  void AfterPersist(ReadyInFlight& r);
  void FinishReady(ReadyInFlight& r);
  void EndPass();
  void Handle(Event& event);
  // Handles the pass's events in order, then its proposals (not conf changes) as one
  // batch: one MsgApp per follower per pass instead of one per proposal. Concurrent
  // proposals promise no order against the raft messages that arrived among them.
  void HandleIntake();
  void HandleProposals(std::span<ProposalIn* const> batch);
  void HandleProposal(ProposalIn& p);
  void CompleteCommitted(const std::vector<raftpb::Entry>& entries,
                         const std::vector<storage::ApplyResult>& results);
  void CompleteApplied(uint64_t index, uint64_t term, const storage::ApplyResult* result);
  // Local snapshots: started on the Ready loop, built by snapshot_worker_, finished back
  // on the Ready loop (WAL marker, compaction, purge).
  void RequestSnapshot(SnapshotDone done);
  void StartSnapshotFor(std::vector<SnapshotDone> waiters);
  absl::Status StartSnapshot();
  void OnSnapshotBuilt(BuiltSnapshot& built);
  absl::StatusOr<uint64_t> FinishSnapshot(BuiltSnapshot& built);
  void ExpirePending(Clock::time_point now);
  void AbortPending();
  void Publish();
  void UpdateLease(const raft::Ready& rd, Nanos sent_at);
  // The first tick instant after t.
  Nanos TickAfter(Nanos t) const;
  // Crashes at point, when it fires, once the messages sent so far left (after linger_ms
  // they are on their way: the transport sends asynchronously).
  void CrashAfterSends(const faults::FaultPoint& point, int linger_ms = 0);
  void PublishLease();

  const GroupEngineOptions options_;
  storage::StateMachine* const fsm_;
  Outbox* const outbox_;
  faults::Clock* const clock_;
  EngineMetrics* const metrics_;
  GroupMetrics* gm_ = nullptr;

  // Owned by the Ready loop thread.
  std::unique_ptr<DurableLog> log_;
  std::unique_ptr<raft::RawNode> node_;
  LeaseTracker lease_;
  GroupEvents events_;
  raftpb::ConfState conf_state_;
  bool conf_changed_ = true;  // conf_state_ differs from conf_pub_
  uint64_t applied_ = 0;
  uint64_t last_leader_ = 0;
  std::map<uint64_t, Pending> pending_;  // by log index

  ReadCoalescer reads_;
  std::unique_ptr<SnapshotWorker> snapshot_worker_;
  bool snapshot_in_flight_ = false;
  std::vector<SnapshotDone> snapshot_waiters_;       // of the snapshot in flight
  std::vector<SnapshotDone> next_snapshot_waiters_;  // asked for while one was in flight

  std::unique_ptr<ReadyLoop> own_loop_;  // when options_.ready_loop is null
  ReadyLoop* const loop_;
  std::deque<Event> intake_;  // the events a pass took, owned by the loop thread
  uint64_t ticks_taken_ = 0;  // ticks_counted_ when the pass took its ticks
  uint64_t last_tick_taken_ = 0;  // last_tick_ when the pass took its ticks

  std::mutex mu_;
  std::deque<Event> mailbox_;  // guarded by mu_
  // The group waits in the loop's queue (or its stalled list): input needs no new Enqueue.
  // True until Start, so nothing runs before it.
  bool queued_ = true;  // guarded by mu_
  // Ticks are counted by the ticker and handed to the core in batches: the loop is woken
  // for them only once ticks_counted_ reaches wake_at_tick_, when the core's next timer
  // (or a pending request's expiry check) is due. Until then a tick only counts, and the
  // loop takes the ticks counted so far before each event it handles.
  int pending_ticks_ = 0;          // guarded by mu_
  uint64_t ticks_counted_ = 0;     // guarded by mu_; every tick the ticker ever counted
  uint64_t wake_at_tick_ = 1;      // guarded by mu_; set by the loop before it waits
  uint64_t ticker_wakes_at_ = 0;   // guarded by mu_; the tick the ticker sleeps until
  // Ticks fall on multiples of options_.tick on clock_, the same instants for every group
  // of the node; a tick's number is its instant over options_.tick.
  Nanos next_tick_{0};             // guarded by mu_; when, on clock_, the next tick is counted
  // guarded by mu_; the number of the tick counted last (at Start: the one before it)
  uint64_t last_tick_ = 0;
  bool stopping_ = false;          // guarded by mu_
  bool stopped_ = false;           // guarded by mu_; Stop ran

  // Published by the Ready loop for readers on other threads.
  std::atomic<uint64_t> leader_{0};
  std::atomic<uint64_t> term_{0};
  std::atomic<uint64_t> commit_{0};
  std::atomic<uint64_t> applied_pub_{0};
  std::atomic<uint64_t> snapshot_index_{0};
  std::atomic<int> role_{0};
  // Written by the Ready loop before it sends a Ready's messages (UpdateLease).
  PublishedLease lease_pub_;
  std::atomic<Clock::rep> stall_until_{0};  // Clock ticks since epoch; 0 = not stalled
  mutable std::mutex conf_mu_;
  raftpb::ConfState conf_pub_;  // guarded by conf_mu_
};

}  // namespace raftlab::engine
