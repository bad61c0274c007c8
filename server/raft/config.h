#pragma once
// Config: the parameters of one Raft core. Plain data, copied into the core at
// construction; Validate() fills defaults and rejects values the core cannot run with.

#include <cstdint>
#include <functional>
#include <vector>

#include "absl/status/status.h"

namespace raftlab::raft {

class Storage;

struct Config {
  // This node's id; non-zero (0 means "no node" in votes and leader fields).
  uint64_t id = 0;
  // Ticks a follower waits without hearing a leader before campaigning; the actual timeout
  // is drawn uniformly from [election_tick, 2 * election_tick) so that candidates rarely
  // collide. Must exceed heartbeat_tick.
  int election_tick = 10;
  // Ticks between leader heartbeats; also the lease-round cadence.
  int heartbeat_tick = 1;
  // The persisted log, hard state and snapshot; not owned, must outlive the core.
  Storage* storage = nullptr;
  // Index already applied to the state machine at restart; 0 means "the snapshot index".
  uint64_t applied = 0;
  // Founding membership of a new group. With empty storage it is written as committed
  // ConfChange entries 1..n (term 0) that the first Ready persists and applies; a node
  // that joins an existing group passes none and learns the membership from the leader.
  // With a non-empty log and no snapshot it is the starting point that re-applying the
  // log's ConfChange entries brings up to date.
  std::vector<uint64_t> voters;
  std::vector<uint64_t> learners;
  // Upper bound on the bytes of entries in one MsgApp, so one message never monopolises a
  // link; a single larger entry is still sent alone. 0 means one entry per message.
  uint64_t max_size_per_msg = 1 << 20;
  // Upper bound on the bytes of committed entries handed out in one Ready.
  uint64_t max_committed_size_per_ready = 0;  // 0: same as max_size_per_msg
  // MsgApp messages in flight per follower in replicate state; bounds memory and queueing.
  int max_inflight_msgs = 256;
  // Bytes of proposed-but-uncommitted entry payloads the leader accepts before refusing
  // proposals (RaftError::kUncommittedSizeExceeded); 0 means no limit.
  uint64_t max_uncommitted_entries_size = 0;
  // A leader steps down when a quorum was not active within an election timeout, and a
  // follower that heard a leader within the timeout ignores votes. Required for lease reads:
  // without it the core reports no lease round.
  bool check_quorum = true;
  // Candidates first poll without raising their term, so a partitioned node that rejoins
  // does not depose a healthy leader.
  bool pre_vote = true;
  // When the commit index moves, the leader sends every follower an append at once, empty
  // if it has no entries for it (etcd/raft's way). When false the new index rides on the
  // next append or heartbeat: a lone write costs two messages per follower instead of four,
  // and followers apply up to one heartbeat interval later. The server runs with false.
  bool empty_append_on_commit = true;
  // Seed of the core's private RNG (election timeout jitter); 0 means "use id".
  uint64_t rng_seed = 0;
  // Optional injected RNG returning a value uniformly in [0, bound); overrides rng_seed.
  std::function<uint64_t(uint64_t bound)> random;
  // Planted bugs (faults/bugs.h) for validating the harness; false unless a server was
  // started with --unsafe-bug. ReadIndex answered without a quorum round:
  bool unsafe_read_index_without_quorum = false;
  // Heartbeats carry the leader's commit, and followers commit up to their last index:
  bool unsafe_heartbeat_commit_beyond_match = false;
  // The leader counts its own entries toward the commit quorum when it appends them, not
  // when Advance reports them durable (unsafe once messages leave before the persist):
  bool unsafe_leader_self_ack_at_append = false;

  // Fills defaults and checks ranges; the error names the offending field.
  absl::Status Validate();
};

}  // namespace raftlab::raft
