#pragma once
// Raft: the consensus state machine of one node (Raft paper + thesis, etcd/raft's rules).
//
// Pure and deterministic: no threads, clocks, files or sockets. Time is Tick(); input is
// Step(Message); output accumulates in msgs_ / read_states_ / the log's unstable part and
// is collected by RawNode into a Ready. Randomness (election jitter) comes from the
// injected RNG in Config, so a seed replays a run exactly.
//
// Lease rounds: each heartbeat broadcast of a leader carries a round number (1, 2, ... per
// term); followers echo it in MsgHeartbeatResp. LeaseRound() is the highest round acked by
// a quorum of voters (the leader counts itself) in the current term. Every follower that
// acked round r reset its election timer after r was sent and, with check_quorum, refuses
// votes for an election timeout afterwards, so no other leader can exist before
// send_time(r) + election timeout (measured from the last leader contact, whatever
// happened to the term meanwhile). A restarted node also refuses votes for one election
// timeout, since it may have acked a round before it crashed.
//
// Transfers end the lease. A transfer target campaigns with the kCampaignTransfer context,
// whose votes bypass the refusal above, so the bound no longer holds once MsgTimeoutNow
// may have left. LeaseRound() is therefore 0 from the moment a transfer starts (the
// leader accepts MsgTransferLeader, before MsgTimeoutNow is even queued), and Ready
// reports the transfer (lead_transferee, lease_void) so the owner withdraws the lease it
// published before it sends that Ready's messages. After an abort:
//  - if MsgTimeoutNow was sent, the lease stays void for the rest of the term. The message
//    may still be in flight (delayed, reordered, held by a one-way partition); whenever it
//    arrives within this term the target starts a forced election, and no round acked
//    before or after the abort bounds when that happens. Only a term change ends the
//    risk: a MsgTimeoutNow of an older term is dropped by Step.
//  - if it was not sent, no forced election can come, but a new lease still needs a new
//    quorum round: only rounds sent after the abort count (lease_floor_round_), so the
//    lease is timed from a contact that certainly followed the transfer.
//
// Threading: one thread (the owner's) calls everything. Invariants are checked with
// RAFT_CHECK and abort.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "raft.pb.h"
#include "server/raft/config.h"
#include "server/raft/progress.h"
#include "server/raft/raft_log.h"
#include "server/raft/read_only.h"

namespace raftlab::raft {

using raftpb::Message;
using raftpb::MessageType;

enum class StateType { kFollower, kCandidate, kLeader, kPreCandidate };
const char* ToString(StateType s);

// The answer to a ReadIndex request: reads at `index` are linearizable once applied.
struct ReadState {
  uint64_t index = 0;
  std::string context;
  bool operator==(const ReadState&) const = default;
};

// "transfer": the context marking votes of a leadership transfer, which ignore leases.
inline constexpr std::string_view kCampaignTransfer = "CampaignTransfer";

class Raft {
 public:
  // Config must be valid (Validate() is called again here); storage is read for the
  // persisted state. Aborts on inconsistent storage (commit beyond the log).
  static absl::StatusOr<std::unique_ptr<Raft>> Create(Config config);

  absl::Status Step(Message m);
  void Tick();
  // Ticks from now until one can make this node act (a leader's heartbeat or quorum check,
  // another role's election timeout); never below 1. Fewer ticks only count, so a host may
  // hold them back and deliver them together, before its next Step, until this many came.
  int TicksUntilTimer() const;
  // A leader's heartbeats fall from now on where `tick`, a count of ticks the host keeps
  // for all its groups, is a multiple of heartbeat_tick: `tick` is the tick just delivered.
  // The groups of a node then beat in the same tick, and their heartbeats to a peer can
  // travel together. Moves the next heartbeat only earlier; a no-op unless leader.
  void AlignHeartbeat(uint64_t tick);

  // Membership: applies an already-committed change; returns the new configuration.
  raftpb::ConfState ApplyConfChange(const raftpb::ConfChange& cc);

  // Called by RawNode after the owner persisted/applied a Ready. A leader's own entries
  // count toward the commit quorum from here on (stable_index), never at append time.
  void Advance(uint64_t applied_to, uint64_t committed_bytes, uint64_t stable_index,
               uint64_t stable_term, uint64_t stable_snap_index);

  std::vector<Message> TakeMessages();
  std::vector<Message>& messages() { return msgs_; }
  const std::vector<Message>& messages() const { return msgs_; }
  std::vector<ReadState>& read_states() { return read_states_; }
  const std::vector<ReadState>& read_states() const { return read_states_; }

  uint64_t id() const { return id_; }
  uint64_t term() const { return term_; }
  uint64_t vote() const { return vote_; }
  uint64_t lead() const { return lead_; }
  StateType state() const { return state_; }
  bool is_learner() const { return is_learner_; }
  uint64_t lead_transferee() const { return lead_transferee_; }
  uint64_t pending_conf_index() const { return pending_conf_index_; }
  uint64_t uncommitted_size() const { return uncommitted_size_; }
  int election_elapsed() const { return election_elapsed_; }
  int randomized_election_timeout() const { return randomized_election_timeout_; }
  const RaftLog& log() const { return log_; }
  RaftLog& mutable_log() { return log_; }
  const ProgressTracker& tracker() const { return trk_; }
  ProgressTracker& mutable_tracker() { return trk_; }
  const Config& config() const { return cfg_; }
  raftpb::HardState HardState() const;

  // Lease state for Ready: see the header comment.
  uint64_t LeaseRound() const;
  // This leader sent MsgTimeoutNow in its current term: no lease until the term ends.
  bool lease_void() const { return lease_void_; }
  bool CommittedInTerm() const;
  // Highest heartbeat round broadcast so far in this term (0 if none).
  uint64_t heartbeat_round() const { return round_; }
  size_t pending_read_count() const { return read_only_.size() + pending_reads_.size(); }

  // Test hooks mirroring etcd/raft's: force the timeout and state transitions.
  void SetRandomizedElectionTimeout(int t) { randomized_election_timeout_ = t; }
  void BecomeFollower(uint64_t term, uint64_t lead);
  void BecomeCandidate();
  void BecomePreCandidate();
  void BecomeLeader();

 private:
  explicit Raft(Config config);

  enum class CampaignType { kPreElection, kElection, kTransfer };

  absl::Status StepLeader(Message& m);
  absl::Status StepCandidate(Message& m);
  absl::Status StepFollower(Message& m);

  void Send(Message m);
  bool MaybeSendAppend(uint64_t to, bool send_if_empty);
  void SendAppend(uint64_t to) { MaybeSendAppend(to, true); }
  void SendHeartbeat(uint64_t to);
  void BcastAppend();
  // After the commit index moved: appends to every follower, or, without
  // Config::empty_append_on_commit, only to those with entries to receive.
  void SendAfterCommit();
  void BcastHeartbeat();
  void SendTimeoutNow(uint64_t to);
  absl::Status AppendEntries(std::vector<Entry>& ents);
  bool MaybeCommit();
  void OnCommitted();
  // What this node's own Progress may claim: the entries it has made durable.
  uint64_t SelfMatch() const;

  void Hup(CampaignType t);
  void Campaign(CampaignType t);
  VoteResult Poll(uint64_t id, MessageType t, bool granted);
  bool Promotable() const;
  bool InLease() const;

  void HandleAppendEntries(Message& m);
  void HandleHeartbeat(const Message& m);
  void HandleSnapshot(const Message& m);
  bool Restore(const raftpb::Snapshot& s);
  void ApplyConfState(const raftpb::ConfState& cs);
  void AfterConfChange();

  void HandleReadIndex(Message& m);
  void ScheduleRead(ReadRequest req);
  void ReleaseReads();
  void AnswerRead(const ReadRequest& req, uint64_t index);

  void Reset(uint64_t term);
  void TickElection();
  void TickHeartbeat();
  bool PastElectionTimeout() const {
    return election_elapsed_ >= randomized_election_timeout_;
  }
  void ResetRandomizedElectionTimeout();
  void AbortLeaderTransfer();
  uint64_t Random(uint64_t bound);
  absl::Status CheckConfChangeProposal(const Entry& e) const;

  Config cfg_;
  uint64_t id_;
  uint64_t term_ = 0;
  uint64_t vote_ = 0;
  uint64_t lead_ = 0;
  StateType state_ = StateType::kFollower;
  bool is_learner_ = false;
  RaftLog log_;
  ProgressTracker trk_;
  std::vector<Message> msgs_;
  std::vector<ReadState> read_states_;

  uint64_t lead_transferee_ = 0;
  // Index of the last conf change appended by this leader; a new one waits until applied.
  uint64_t pending_conf_index_ = 0;
  uint64_t uncommitted_size_ = 0;

  // Heartbeat rounds of the current leadership term (see the header comment).
  uint64_t round_ = 0;
  bool lease_void_ = false;  // MsgTimeoutNow sent in this term
  // Rounds up to this one were sent before a transfer was aborted: they time no lease.
  uint64_t lease_floor_round_ = 0;
  // Reads that arrived before the leader committed an entry of its term.
  std::vector<ReadRequest> pending_reads_;
  ReadOnly read_only_;

  int election_elapsed_ = 0;
  int heartbeat_elapsed_ = 0;
  int randomized_election_timeout_ = 0;
  // Ticks since a leader last contacted us (MsgApp/MsgHeartbeat/MsgSnap), capped at
  // election_tick. Unlike election_elapsed_ it is not reset by term changes or vote
  // grants, so a term bump by some other message cannot end the vote refusal early.
  // After a restart with a persisted term it starts at 0: the node may have acked a lease
  // round just before the crash.
  int ticks_since_leader_;
  uint64_t rng_state_;
};

}  // namespace raftlab::raft
