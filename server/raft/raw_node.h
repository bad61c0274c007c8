#pragma once
// RawNode: the interface the engine drives (etcd/raft's RawNode). Inputs go in through
// Tick/Step/Propose/...; GetReady() collects everything the owner must do, in order:
//   1. stamp heartbeat_round with the send time (leases), then send the messages for
//      which MaySendBeforePersist holds: the leader replicates while it writes;
//   2. persist hard_state, entries and snapshot (fsync once);
//   3. send the other messages: they vouch for what step 2 made durable;
//   4. apply snapshot and committed_entries to the state machine (ApplyConfChange for
//      EntryConfChange entries);
//   5. call Advance(), which reports the persisted entries durable: only then does a
//      leader count its own copy toward the commit quorum.
// Sending everything after step 2 is also correct, just slower. The owner may Step and
// Tick between GetReady() and Advance() (a driver that persists asynchronously), but
// calling GetReady() twice without Advance() in between is a bug and aborts.
//
// Threading: one thread (the group's Ready loop) owns a RawNode and calls everything.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "raft.pb.h"
#include "server/raft/config.h"
#include "server/raft/raft.h"

namespace raftlab::raft {

struct SoftState {
  uint64_t lead = 0;
  StateType state = StateType::kFollower;
  bool operator==(const SoftState&) const = default;
};

struct Ready {
  // Set when leader or role changed since the last Ready; volatile, not persisted.
  std::optional<SoftState> soft_state;
  // Set when term, vote or commit changed; persist before sending messages.
  std::optional<raftpb::HardState> hard_state;
  // Answers to ReadIndex requests made on this node.
  std::vector<ReadState> read_states;
  // Entries to append to stable storage before sending messages.
  std::vector<Entry> entries;
  // A snapshot to persist and apply (follower catching up).
  std::optional<raftpb::Snapshot> snapshot;
  // Committed entries to apply, in order, after persisting.
  std::vector<Entry> committed_entries;
  // Messages to send after persisting.
  std::vector<raftpb::Message> messages;
  // Whether entries/hard state must be fsynced (vs. commit-only changes).
  bool must_sync = false;
  // Term of the node when this Ready was built.
  uint64_t term = 0;
  // Leader only, else 0: highest heartbeat round of the current term acked by a quorum of
  // voters. Rounds count up from 1 within a term; 0 after a step-down or term change,
  // while a transfer is in progress, for the rest of a term in which this leader sent
  // MsgTimeoutNow, and after an aborted transfer until a round sent after the abort is
  // acked. May go down after a membership change (the new voter set has not acked yet).
  // A value lower than the previous Ready's withdraws the lease timed from the old round.
  uint64_t lease_round = 0;
  // Leader only: the node a leadership transfer is moving to (0: none). The owner must
  // withdraw any published lease before sending this Ready's messages, which may hold the
  // MsgTimeoutNow.
  uint64_t lead_transferee = 0;
  // Leader only: MsgTimeoutNow was sent in this term, so the lease is void until the term
  // ends even if the transfer was aborted (see raft.h).
  bool lease_void = false;
  // Leader only: it has committed an entry of its current term.
  bool committed_in_term = false;
  // Highest heartbeat round whose MsgHeartbeats are in `messages` (0: none). Every round in
  // (previous Ready's heartbeat_round, heartbeat_round] is sent with this Ready.
  uint64_t heartbeat_round = 0;
  // The term and vote this Ready's messages were sent under are already durable (an
  // earlier, advanced Ready persisted them and this one does not change them).
  bool term_vote_durable = false;
};

// Whether m, a message of rd, may be sent before rd is persisted (Raft thesis §10.2.1,
// etcd's async storage writes): a leader's outbound replication traffic, once its term is
// durable. MsgApp may carry entries the leader has not written yet (they count for no
// quorum until acknowledged durable), and its commit index, like MsgHeartbeat's, counts
// the leader only after Advance. MsgSnap sends a snapshot already on disk; MsgTimeoutNow
// goes to a peer that holds the whole log; MsgReadIndexResp carries a quorum-committed
// index. Responses (MsgAppResp, votes) vouch for local durable state and always wait.
bool MaySendBeforePersist(const Ready& rd, const raftpb::Message& m);

class RawNode {
 public:
  static absl::StatusOr<std::unique_ptr<RawNode>> Create(Config config);

  void Tick() { raft_->Tick(); }
  void AlignHeartbeat(uint64_t tick) { raft_->AlignHeartbeat(tick); }
  // Starts an election now (tests, tooling).
  absl::Status Campaign();
  // A message from the wire; local-only types are refused (kStepLocalMessage), responses
  // from nodes outside the configuration too (kStepPeerNotFound).
  absl::Status Step(raftpb::Message m);
  // kProposalDropped (no leader / transfer in progress), kUncommittedSizeExceeded.
  absl::Status Propose(std::string data);
  // Several proposals as one MsgProp: appended together and replicated in one MsgApp per
  // follower (as far as max_size_per_msg allows). All or none are accepted.
  absl::Status ProposeBatch(std::vector<std::string> data);
  // Also kPendingConfChange / kInvalidConfChange at the leader.
  absl::Status ProposeConfChange(const raftpb::ConfChange& cc);
  // The answer appears as a ReadState with this context in a later Ready.
  absl::Status ReadIndex(std::string context);
  void TransferLeader(uint64_t transferee);
  // Followers only: forget the leader so the node may vote at once (e.g. the engine knows
  // the leader is gone). It bypasses the vote refusal that lease reads rely on.
  void ForgetLeader();
  void ReportUnreachable(uint64_t id);
  void ReportSnapshot(uint64_t id, bool success);
  raftpb::ConfState ApplyConfChange(const raftpb::ConfChange& cc) {
    return raft_->ApplyConfChange(cc);
  }

  bool HasReady() const;
  Ready GetReady();
  void Advance();
  // For drivers that keep stepping while a Ready is being persisted: takes the messages
  // queued since that Ready which may leave before it is durable (MaySendBeforePersist,
  // except heartbeats: their send time must be stamped through a Ready for leases).
  // Empty while an unpersisted Ready changes the term or vote.
  std::vector<raftpb::Message> TakeMessagesBeforePersist();

  Raft& raft() { return *raft_; }
  const Raft& raft() const { return *raft_; }

 private:
  explicit RawNode(std::unique_ptr<Raft> r);
  SoftState CurrentSoftState() const { return SoftState{raft_->lead(), raft_->state()}; }
  bool IsLeader() const { return raft_->state() == StateType::kLeader; }
  uint64_t LeadTransferee() const { return IsLeader() ? raft_->lead_transferee() : 0; }
  bool LeaseVoid() const { return IsLeader() && raft_->lease_void(); }

  std::unique_ptr<Raft> raft_;
  SoftState prev_soft_;
  raftpb::HardState prev_hard_;
  uint64_t prev_lease_round_ = 0;
  bool prev_committed_in_term_ = false;
  uint64_t prev_lead_transferee_ = 0;
  bool prev_lease_void_ = false;
  uint64_t prev_heartbeat_round_ = 0;
  uint64_t prev_term_ = 0;
  // What the outstanding Ready handed out, for Advance.
  bool ready_outstanding_ = false;
  uint64_t pending_applied_ = 0;
  uint64_t pending_stable_index_ = 0;
  uint64_t pending_stable_term_ = 0;
  uint64_t pending_snap_index_ = 0;
  uint64_t pending_committed_bytes_ = 0;
  std::optional<raftpb::HardState> pending_hard_;
  // The hard state as of the last Advance: what the owner has made durable.
  raftpb::HardState durable_hard_;
};

}  // namespace raftlab::raft
