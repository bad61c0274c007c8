#pragma once
// RouteStore: the route table replicated through the system group (group 0, hosted by
// every node). The table's image (RouteTable::Encode) is the value of one key in the
// system group's state machine; every change is a compare-and-swap through Raft, so all
// nodes apply the same sequence of versions and a restarted node reads the last one back.
//
//  - Bootstrap: until a table is stored, the node routes with its bootstrap table (from
//    --groups or --cluster-file) and a background thread proposes "store it if absent";
//    the first proposal to commit wins, the others fail their compare harmlessly.
//  - Changes (Split) read the stored image, derive the next version and propose
//    "replace it if it is still this image"; a lost race is retried.
//  - OnApplied (the system group's apply hook) re-reads the stored image and installs it
//    in the coordinator when it changed, so every node switches to every version.
//
// Threads: OnApplied runs on the system group's Ready loop; Split on any thread (it
// blocks until the change applies or the deadline); the bootstrap thread is owned here.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "server/engine/group_engine.h"
#include "server/kv/coordinator.h"
#include "server/kv/route_table.h"
#include "server/storage/state_machine.h"

namespace raftlab::kv {

inline constexpr uint64_t kSystemGroup = 0;
inline constexpr std::string_view kRouteTableKey = "route-table";

class RouteStore {
 public:
  RouteStore(storage::StateMachine* fsm, Coordinator* coordinator, RouteTable bootstrap);
  ~RouteStore();  // Stop()

  // The table stored in fsm's system group, nullopt if none yet; DataLoss if unreadable.
  static absl::StatusOr<std::optional<RouteTable>> Load(const storage::StateMachine& fsm);

  // The system group's engine; call before Start.
  void Attach(engine::GroupEngine* system) { system_ = system; }
  // Starts the bootstrap thread (it ends once a table is stored).
  void Start();
  void Stop();

  // Apply hook of the system group.
  void OnApplied();

  // Splits the route holding key through Raft; returns the new table, now installed
  // here. FailedPrecondition naming the leader when this node does not lead the system
  // group (leader id in *leader_hint); InvalidArgument for a key that is already a boundary.
  // A leader that has not stored the bootstrap table yet waits for it until the deadline.
  absl::StatusOr<RouteTable> Split(std::string_view key, std::chrono::steady_clock::time_point deadline,
                                   uint64_t* leader_hint);

  // Whether a replicated table has been seen here.
  bool stored() const { return stored_.load(std::memory_order_acquire); }

 private:
  struct CasOutcome {
    engine::ProposeResult::Code code;
    bool succeeded = false;
    uint64_t leader_hint = 0;
  };
  CasOutcome Cas(std::optional<std::string> expected, std::string next,
                 std::chrono::steady_clock::time_point deadline);
  void BootstrapLoop();

  storage::StateMachine* const fsm_;
  Coordinator* const coordinator_;
  const RouteTable bootstrap_;
  engine::GroupEngine* system_ = nullptr;
  std::atomic<bool> stored_{false};

  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;  // guarded by mu_
  std::string last_image_;  // guarded by mu_: the image last installed by OnApplied
  std::thread bootstrap_thread_;
};

}  // namespace raftlab::kv
