#pragma once
// Progress: the leader's view of one follower's log, and ProgressTracker: the membership
// (voters, learners), every peer's Progress, the votes of an election and the quorum
// arithmetic. Single-step membership only (no joint consensus), so a quorum is a strict
// majority of the voter set.
//
// Replication states (etcd/raft's):
//  - probe: we do not know where the follower's log ends; send one MsgApp per heartbeat
//    interval and wait for its answer before sending more.
//  - replicate: the follower is keeping up; stream MsgApp optimistically, bounded by the
//    Inflights window.
//  - snapshot: the follower needs a snapshot; send nothing until ReportSnapshot or an
//    append response shows it caught up.
// Owned by one Raft object; single-threaded.

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "raft.pb.h"

namespace raftlab::raft {

// A ring of the last-entry indexes of MsgApps in flight to one follower.
class Inflights {
 public:
  explicit Inflights(size_t capacity) : buffer_(capacity) {}
  void Add(uint64_t index);
  // Frees every inflight message whose last index is <= to.
  void FreeLE(uint64_t to);
  void FreeFirstOne();
  bool Full() const { return count_ == buffer_.size(); }
  size_t Count() const { return count_; }
  void Reset() { count_ = start_ = 0; }

 private:
  std::vector<uint64_t> buffer_;
  size_t start_ = 0;
  size_t count_ = 0;
};

enum class ProgressState { kProbe, kReplicate, kSnapshot };
const char* ToString(ProgressState s);

struct Progress {
  explicit Progress(size_t max_inflight) : inflights(max_inflight) {}

  uint64_t match = 0;
  uint64_t next = 1;
  ProgressState state = ProgressState::kProbe;
  // Snapshot state: the index of the snapshot being sent.
  uint64_t pending_snapshot = 0;
  // Heard from within the current CheckQuorum window.
  bool recent_active = false;
  // Probe state: an MsgApp was sent and no answer has come back yet.
  bool probe_sent = false;
  bool is_learner = false;
  // Highest heartbeat round this peer acknowledged in the leader's current term.
  uint64_t acked_round = 0;
  Inflights inflights;

  void BecomeProbe();
  void BecomeReplicate();
  void BecomeSnapshot(uint64_t snapshot_index);
  // An append ack for n: raises match/next; false if stale.
  bool MaybeUpdate(uint64_t n);
  void OptimisticUpdate(uint64_t n) { next = n + 1; }
  // An append rejection of index `rejected` with hint `match_hint`: lowers next; false if
  // the rejection is stale.
  bool MaybeDecrTo(uint64_t rejected, uint64_t match_hint);
  // Whether the leader must hold back MsgApp to this peer.
  bool IsPaused() const;
  std::string DebugString() const;

 private:
  void ResetState(ProgressState s);
};

enum class VoteResult { kPending, kWon, kLost };

class ProgressTracker {
 public:
  explicit ProgressTracker(size_t max_inflight) : max_inflight_(max_inflight) {}

  // Membership edits; each keeps voters/learners disjoint and creates or drops Progress.
  void AddVoter(uint64_t id, uint64_t next);
  void AddLearner(uint64_t id, uint64_t next);
  void Remove(uint64_t id);

  bool IsVoter(uint64_t id) const { return voters_.count(id) != 0; }
  bool IsLearner(uint64_t id) const { return learners_.count(id) != 0; }
  Progress* Get(uint64_t id);
  const Progress* Get(uint64_t id) const;
  std::map<uint64_t, Progress>& progress() { return progress_; }
  const std::map<uint64_t, Progress>& progress() const { return progress_; }
  const std::set<uint64_t>& voters() const { return voters_; }
  const std::set<uint64_t>& learners() const { return learners_; }
  size_t Quorum() const { return voters_.size() / 2 + 1; }

  // The largest index a quorum of voters has matched.
  uint64_t Committed() const;
  // The largest heartbeat round a quorum of voters has acknowledged (0 when none).
  uint64_t QuorumAckedRound() const;
  // Whether a quorum of voters was recently active (the leader counts itself active).
  bool QuorumActive() const;

  void ResetVotes() { votes_.clear(); }
  void RecordVote(uint64_t id, bool granted);
  VoteResult TallyVotes(size_t* granted = nullptr, size_t* rejected = nullptr) const;

  raftpb::ConfState ConfState() const;

 private:
  // The quorum-th largest value of f over the voters.
  template <typename F>
  uint64_t QuorumValue(F f) const;

  size_t max_inflight_;
  std::set<uint64_t> voters_;
  std::set<uint64_t> learners_;
  std::map<uint64_t, Progress> progress_;
  std::map<uint64_t, bool> votes_;
};

}  // namespace raftlab::raft
