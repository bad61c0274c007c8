#pragma once
// GroupEvents: writes one group's Raft events to the node log (server/log), derived from
// what the engine sees, so the pure core stays free of I/O.
//
// The engine hands it each Ready before the Ready's messages leave, each inbound message
// before it is stepped, each lease check it publishes, and each snapshot it takes. It keeps
// the previous Ready's term, role, leader and transfer target and logs what changed:
//
//   term_changed from to             role_changed term from to
//   leader_changed term leader previous          (0: none known)
//   election_started term kind=pre_vote|vote transfer to=<peers>   (each vote request round)
//   vote_received term kind from granted          (a response to our own campaign)
//   vote_granted term kind to                     (this node's vote for another)
//   election_won / election_lost term kind granted rejected [reason leader]
//   lease_gained term / lease_lost term reason=<LeaseOutcome>
//   transfer_started / transfer_finished / transfer_aborted target term [reason leader]
//   transfer_timeout_now_sent to / transfer_timeout_now_received from
//   snapshot_taken index / snapshot_sent to index term / snapshot_installed index term
//   group_recovered term vote commit applied snapshot_index last_index voters
//   wal_tail_truncated file offset bytes reason   (warn: a torn tail was cut)
//   wal_commit_raised from snapshot_index      (warn: a hard state below its snapshot was raised)
//
// Every line carries `group`. Changes that happen without a Ready (a lease expiring, a
// transfer timing out) are seen at the next one, at the latest one heartbeat later.
//
// Threads: the group's Ready loop only, except LogRecovered (before the loop starts).

#include <cstdint>
#include <set>
#include <string>

#include "raft.pb.h"
#include "server/engine/lease_tracker.h"
#include "server/raft/raft.h"
#include "server/raft/raw_node.h"
#include "server/storage/node_wal.h"

namespace raftlab::engine {

class GroupEvents {
 public:
  GroupEvents(uint64_t group_id, uint64_t node_id) : group_(group_id), node_(node_id) {}

  // The state a group restarted with, and any repair the WAL made to get there.
  void LogRecovered(const raft::Raft& r, const storage::WalRecovery& wal, uint64_t applied,
                    uint64_t snapshot_index);

  // Call with each Ready before its messages are sent (they are read, not changed).
  void OnReady(const raft::Ready& rd, const raft::Raft& r);
  // Call with each inbound message before it is stepped.
  void OnInbound(const raftpb::Message& m);
  // Call with each lease check the engine publishes.
  void OnLease(LeaseOutcome outcome, uint64_t term);
  void OnSnapshotTaken(uint64_t index);

 private:
  // A vote-request round this node started and has not seen the end of.
  struct Campaign {
    bool pre_vote = false;
    uint64_t term = 0;  // the term asked for
    std::set<uint64_t> granted, rejected;
  };

  void ObserveState(const raft::Raft& r);
  void ObserveMessages(const raft::Ready& rd, const raft::Raft& r);
  void EndCampaign(bool won, const char* reason, uint64_t leader);

  const uint64_t group_;
  const uint64_t node_;
  // As of the previous Ready (or the recovered state).
  uint64_t term_ = 0;
  raft::StateType role_ = raft::StateType::kFollower;
  uint64_t leader_ = 0;
  uint64_t transferee_ = 0;
  bool lease_held_ = false;
  bool campaigning_ = false;
  Campaign campaign_;
};

}  // namespace raftlab::engine
