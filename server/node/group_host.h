#pragma once
// GroupHost: the owner of every Raft group engine on one node, and the one place where
// node-level traffic meets them. This is the component's entry header.
//
//  - Groups: OpenGroup recovers one group from the node log (<data_dir>/wal, shared by all
//    groups, opened by Create), its snapshots in <data_dir>/groups/<id> and the node's state
//    machine (the only place engines are opened); Start starts them, Shutdown stops them.
//    One ReadyLoop runs the Ready loops of all of them: the Readys of the groups that are
//    ready together share one WAL write and fsync and one state-machine write.
//  - Inbound: the transport hands each message to Deliver, which posts it to its group.
//  - Outbound: engines Send through the host into the per-peer dispatcher it owns. What the
//    dispatcher drops is reported back to the sending group (ReportUnreachable, or
//    ReportSnapshot(failure) for MsgSnap); a MsgSnap the transport sent is reported as a
//    success (SnapshotReportingSender).
//  - Requests by group id: Read (confirm in a read mode, then the values from the state
//    machine), Scan and Propose. A group not hosted here is refused at once with UNAVAILABLE
//    naming it, and the callback is not called.
//
// Threads: Create, OpenGroup, Start and Shutdown from one thread (the node's); the rest from
// any thread. Callbacks run on the node's Ready loop thread and must not block.
// Shutdown order: the caller shuts its BatchSender down first (in-flight sends return), then
// Shutdown stops the dispatcher, then the engines that post into it.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "faults/clock.h"
#include "server/engine/engine_metrics.h"
#include "server/engine/group_engine.h"
#include "server/metrics/registry.h"
#include "server/node/snapshot_reporting_sender.h"
#include "server/storage/node_wal.h"
#include "server/storage/state_machine.h"
#include "server/transport/dispatcher.h"
#include "server/transport/inbound_handler.h"

namespace raftlab::node {

// splitmix64 of the three: distinct random streams per node and group for one run seed.
uint64_t MixSeed(uint64_t seed, uint64_t node, uint64_t group);

struct GroupHostOptions {
  uint64_t node_id = 0;
  // Bootstrap membership of every group; each other voter gets dispatcher lanes.
  std::vector<uint64_t> voters;
  // The node log of all groups lives in <data_dir>/wal; group g's snapshots in
  // <data_dir>/groups/<g>.
  std::string data_dir;
  // 0: each engine's default RNG seed; else MixSeed(seed, node_id, group).
  uint64_t seed = 0;
  // Timings and limits shared by every group; the host sets group_id, node_id, voters, dir,
  // rng_seed and on_applied per group.
  engine::GroupEngineOptions engine;
  transport::DispatcherOptions dispatcher;
};

// What a response header reports about the group that served a request, sampled when the
// request completed.
struct GroupHeader {
  uint64_t group_id = 0;
  uint64_t term = 0;
  uint64_t applied_index = 0;
};

struct ReadReply {
  // DEADLINE_EXCEEDED or UNAVAILABLE when the read was not confirmed (then nothing was read),
  // INTERNAL when the state machine could not be read.
  absl::Status status;
  engine::ReadPath path = engine::ReadPath::kReadIndex;
  GroupHeader header;
  std::vector<std::optional<std::string>> values;  // one per key, in the keys' order
};

struct ScanReply {
  absl::Status status;  // as ReadReply::status
  engine::ReadPath path = engine::ReadPath::kReadIndex;
  GroupHeader header;
  std::vector<std::pair<std::string, std::string>> kvs;  // in key order
};

class GroupHost final : public transport::InboundHandler, public engine::Outbox {
 public:
  using Deadline = std::chrono::steady_clock::time_point;
  using ReadCallback = std::function<void(const ReadReply&)>;
  using ScanCallback = std::function<void(const ScanReply&)>;
  using WriteCallback = std::function<void(const engine::ProposeResult&, const GroupHeader&)>;

  // Starts dispatcher lanes to every other voter. fsm, clock, metrics, sender and registry
  // must outlive the host.
  static absl::StatusOr<std::unique_ptr<GroupHost>> Create(
      GroupHostOptions options, storage::StateMachine* fsm, faults::Clock* clock,
      engine::EngineMetrics* metrics, transport::BatchSender& sender, metrics::Registry& registry);
  ~GroupHost() override;  // Shutdown()
  GroupHost(const GroupHost&) = delete;
  GroupHost& operator=(const GroupHost&) = delete;

  // Recovers group_id (AlreadyExists if hosted); on_applied becomes the engine's apply hook.
  // After Start the group starts at once.
  absl::Status OpenGroup(uint64_t group_id,
                         std::function<void(uint64_t applied_index)> on_applied = {});
  void Start();
  // Stops the dispatcher, then every engine (pending requests complete as aborted). Idempotent.
  void Shutdown();

  // transport::InboundHandler: a message for a group not hosted here is dropped.
  void Deliver(uint64_t group_id, raftpb::Message&& msg) override;
  void BeginBatch() override;
  void EndBatch() override;
  // As Deliver, but says why a message was dropped.
  absl::Status TryDeliver(uint64_t group_id, raftpb::Message&& msg);
  // engine::Outbox
  void Send(uint64_t group_id, raftpb::Message message) override;
  void BeginSends() override;
  void EndSends() override;

  // OK if group_id is hosted here, else UNAVAILABLE naming it.
  absl::Status CheckHosted(uint64_t group_id) const;

  // Confirms a read in mode, then reads keys from the state machine.
  absl::Status Read(uint64_t group_id, std::vector<std::string> keys, engine::ReadMode mode,
                    Deadline deadline, ReadCallback done);
  // Confirms a read in mode, then reads at most limit pairs of [start, end) (end "" = no bound).
  absl::Status Scan(uint64_t group_id, std::string start, std::string end, size_t limit,
                    engine::ReadMode mode, Deadline deadline, ScanCallback done);
  absl::Status Propose(uint64_t group_id, storage::KvCommand command, Deadline deadline,
                       WriteCallback done);

  // The engine of group_id, or null; for status, snapshots, transfers and faults.
  engine::GroupEngine* Find(uint64_t group_id) const;
  // Every hosted engine, in group id order.
  std::vector<engine::GroupEngine*> Engines() const;

 private:
  GroupHost(GroupHostOptions options, storage::StateMachine* fsm, faults::Clock* clock,
            engine::EngineMetrics* metrics, transport::BatchSender& sender,
            metrics::Registry& registry);
  absl::StatusOr<engine::GroupEngine*> Hosted(uint64_t group_id) const;
  void OnDropped(uint64_t group_id, const raftpb::Message& message);
  static GroupHeader HeaderOf(const engine::GroupEngine& e);
  // Answers done once e allows the read: with why it did not, or with what
  // fill(state machine, group id, reply) read (an error from fill answers INTERNAL).
  template <typename Reply, typename Fill>
  static void ServeRead(engine::GroupEngine* e, engine::ReadMode mode, Deadline deadline,
                        std::function<void(const Reply&)> done, Fill fill);

  const GroupHostOptions options_;
  storage::StateMachine* const fsm_;
  faults::Clock* const clock_;
  engine::EngineMetrics* const metrics_;
  SnapshotReportingSender sender_;
  std::unique_ptr<transport::Dispatcher> dispatcher_;
  // Shared by every engine's DurableLog; declared before engines_ so that it outlives them.
  std::unique_ptr<storage::NodeWal> wal_;
  // Runs every engine's Ready loop, their WAL writes and applies shared; outlives them too.
  std::unique_ptr<engine::ReadyLoop> ready_loop_;

  mutable std::shared_mutex mu_;
  // Engines are added, never removed before destruction, so pointers handed out stay valid.
  std::map<uint64_t, std::unique_ptr<engine::GroupEngine>> engines_;  // guarded by mu_
  bool started_ = false;                                              // guarded by mu_
  bool shut_down_ = false;                                            // guarded by mu_
};

}  // namespace raftlab::node
