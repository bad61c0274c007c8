#pragma once
// Engine-level scenarios: the raft scenario environment (server/raft/scenario_env.h, whose
// commands all apply) with each node backed by what a real server runs on top of its core,
// so defects of the engine show in testdata/*.txt scripts:
//  - storage: each node persists through an engine::DurableLog (WAL + snapshot files) in
//    its own directory under a temporary root, removed when the scenario ends. `snapshot`
//    is DurableLog::SaveLocalSnapshot and `restart` reopens the directory, so a restart
//    recovers exactly what the WAL and snapshot files hold and fails where a restarted
//    server fails.
//  - lease: each node has an engine::LeaseTracker fed from every handled Ready the way
//    GroupEngine::HandleReady feeds it (rounds stamped at send, then the Ready's lease
//    state), timed by a scripted clock. One tick is 100 ms and the margin 100 ms, so with
//    election=10 the lease is 900 ms from the send of the quorum-acked round. A restart
//    starts a fresh tracker, as a new process does.
//
// Added commands:
//   advance-clock ms=N          moves the scripted monotonic clock forward.
//   lease-check ids...          LeaseTracker::Check(now) per node: the outcome, and on a
//                               hit the milliseconds left.

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "server/raft/scenario_env.h"

namespace raftlab::engine {

// Creates the environment and its temporary root; the root is removed with the returned
// environment.
absl::StatusOr<std::unique_ptr<raft::scenario::Env>> NewEngineScenarioEnv();

}  // namespace raftlab::engine
