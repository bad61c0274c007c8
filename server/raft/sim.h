#pragma once
// Simulator: a seeded, randomised whole-cluster simulation of Raft cores with an invariant
// checker run after every step (LogCabin / FoundationDB style). Used by raft_sim_test (a
// bounded number of seeds in CI) and raft_sim_sweep (large seed ranges).
//
// The world: 3 or 5 initial nodes, each a RawNode over a MemoryStorage that survives
// crashes; one global tick clock (every live node ticks together, so lease timing is
// meaningful); a bag of in-flight messages with per-message delivery delay, random
// delivery order, drops, duplicates and partitions; crashes and restarts from persisted
// state; random proposals, ReadIndex requests, leadership transfers, membership changes
// and snapshot+compaction.
//
// Invariants (checked after every step; the first violation ends the run):
//  - at most one leader per term, ever;
//  - log matching: two entries with the same index and term carry the same data and the
//    same predecessor term, across all nodes and all time;
//  - leader completeness: a new leader's log holds every entry applied anywhere;
//  - a node's persisted commit index never moves back (including across restarts);
//  - whenever a leader's commit index rises, the entry at it is durable (in the storage
//    that survives crashes, or under a snapshot there) on a quorum of its voters, the
//    leader counted only once it reported its write durable through Advance;
//  - every node's applied sequence is a prefix of the longest applied sequence;
//  - every ReadIndex answer is >= the highest commit index any node had when the request
//    was made;
//  - lease: while a leader of term t reports a quorum-acked round r whose lease
//    (send tick of r + election_tick - 1) has not expired, no leader of a term > t exists.
//
// Persistence is synchronous by default (a Ready is persisted, sent and advanced in one
// go, messages allowed by MaySendBeforePersist leaving first). With async_persist a Ready
// is written at some later step: meanwhile the node keeps stepping messages and ticking,
// its leader traffic leaves at once (TakeMessagesBeforePersist), and a crash loses the
// write, as with a leader whose fsync runs while it replicates (etcd's async storage
// writes).
//
// Single-threaded and deterministic: the same Options give the same run.

#include <cstdint>
#include <string>

namespace raftlab::raft::sim {

struct Options {
  uint64_t seed = 1;
  int nodes = 3;     // initial voters: 3 or 5
  int steps = 3000;  // simulation actions
  bool verbose = false;
  bool async_persist = false;
  // The planted bug Config::unsafe_leader_self_ack_at_append, which the commit-durability
  // invariant must catch with async_persist.
  bool leader_self_ack_at_append = false;
};

struct Result {
  bool ok = true;
  std::string failure;  // the violated invariant and context, when !ok
  // Coverage counters, so tests can check the run did something.
  uint64_t commits = 0;         // highest applied index anywhere
  uint64_t elections = 0;       // distinct leader terms
  uint64_t reads_answered = 0;  // ReadIndex answers checked
  uint64_t conf_changes = 0;    // conf changes applied (by the node that proposed)
  uint64_t snapshots_sent = 0;
  uint64_t restarts = 0;
  uint64_t lease_reports = 0;  // Ready reports of a non-zero lease round
};

Result Run(const Options& options);

}  // namespace raftlab::raft::sim
