// Raft's follower-side handlers (append, heartbeat, snapshot restore), membership changes
// and ReadIndex: the parts of the state machine that the Step dispatch in raft.cc calls.
#include "server/raft/raft.h"

#include <algorithm>
#include <string>
#include <vector>

#include "server/raft/errors.h"

namespace raftlab::raft {

absl::Status Raft::CheckConfChangeProposal(const Entry& e) const {
  if (pending_conf_index_ > log_.applied()) {
    return MakeError(RaftError::kPendingConfChange,
                     "change at index " + std::to_string(pending_conf_index_) +
                         " not yet applied (applied " + std::to_string(log_.applied()) + ")");
  }
  raftpb::ConfChange cc;
  if (!cc.ParseFromString(e.data())) {
    return MakeError(RaftError::kInvalidConfChange, "entry data is not a ConfChange");
  }
  const uint64_t n = cc.node_id();
  if (n == 0) return MakeError(RaftError::kInvalidConfChange, "ConfChange.node_id is 0");
  if (cc.type() == raftpb::ConfChangeRemoveNode && trk_.IsVoter(n) && trk_.voters().size() == 1) {
    return MakeError(RaftError::kInvalidConfChange, "cannot remove the last voter");
  }
  if (cc.type() == raftpb::ConfChangeAddLearnerNode && trk_.IsVoter(n)) {
    return MakeError(RaftError::kInvalidConfChange,
                     "node " + std::to_string(n) + " is a voter; demotion is not supported");
  }
  return absl::OkStatus();
}
// ---- follower handlers ----

void Raft::HandleAppendEntries(Message& m) {
  Message r;
  r.set_to(m.from());
  r.set_type(raftpb::MsgAppResp);
  if (m.index() < log_.committed()) {
    r.set_index(log_.committed());
    Send(std::move(r));
    return;
  }
  std::vector<Entry> ents(std::make_move_iterator(m.mutable_entries()->begin()),
                          std::make_move_iterator(m.mutable_entries()->end()));
  auto last = log_.MaybeAppend(m.index(), m.log_term(), m.commit(), std::move(ents));
  if (last) {
    r.set_index(*last);
    Send(std::move(r));
    return;
  }
  // Rejected: hint the largest index whose term is <= the leader's log_term, so the
  // leader can skip a whole divergent term per round trip.
  const uint64_t hint_index = std::min(m.index(), log_.LastIndex());
  auto [hi, ht] = log_.FindConflictByTerm(hint_index, m.log_term());
  r.set_index(m.index());
  r.set_reject(true);
  r.set_reject_hint(hi);
  r.set_reject_log_term(ht);
  Send(std::move(r));
}

void Raft::HandleHeartbeat(const Message& m) {
  log_.CommitTo(cfg_.unsafe_heartbeat_commit_beyond_match ? std::min(m.commit(), log_.LastIndex()) : m.commit());
  Message r;
  r.set_to(m.from());
  r.set_type(raftpb::MsgHeartbeatResp);
  r.set_context(m.context());
  r.set_round(m.round());
  Send(std::move(r));
}

void Raft::HandleSnapshot(const Message& m) {
  Message r;
  r.set_to(m.from());
  r.set_type(raftpb::MsgAppResp);
  if (Restore(m.snapshot())) {
    r.set_index(log_.LastIndex());
  } else {
    r.set_index(log_.committed());
  }
  Send(std::move(r));
}

bool Raft::Restore(const raftpb::Snapshot& s) {
  const auto& md = s.metadata();
  if (md.index() <= log_.committed()) return false;
  if (state_ != StateType::kFollower) {
    // Defensive: only followers restore; anything else means a bug in the caller.
    BecomeFollower(term_ + 1, 0);
    return false;
  }
  bool found = false;
  for (uint64_t v : md.conf_state().voters()) found |= v == id_;
  for (uint64_t l : md.conf_state().learners()) found |= l == id_;
  if (!found) return false;  // a snapshot for a configuration we are not part of
  if (log_.MatchTerm(md.index(), md.term())) {
    // We already hold the log up to the snapshot: just fast-forward the commit.
    log_.CommitTo(md.index());
    return false;
  }
  log_.Restore(s);
  // Rebuild membership from the snapshot.
  for (uint64_t id : std::vector<uint64_t>(trk_.voters().begin(), trk_.voters().end())) {
    trk_.Remove(id);
  }
  for (uint64_t id : std::vector<uint64_t>(trk_.learners().begin(), trk_.learners().end())) {
    trk_.Remove(id);
  }
  ApplyConfState(md.conf_state());
  return true;
}

// ---- membership ----

void Raft::ApplyConfState(const raftpb::ConfState& cs) {
  const uint64_t next = log_.LastIndex() + 1;
  for (uint64_t v : cs.voters()) trk_.AddVoter(v, next);
  for (uint64_t l : cs.learners()) {
    if (!trk_.IsVoter(l)) trk_.AddLearner(l, next);
  }
  if (Progress* self = trk_.Get(id_)) self->match = SelfMatch();
  const Progress* self = trk_.Get(id_);
  is_learner_ = self != nullptr && self->is_learner;
}

raftpb::ConfState Raft::ApplyConfChange(const raftpb::ConfChange& cc) {
  const uint64_t n = cc.node_id();
  const uint64_t next = log_.LastIndex() + 1;
  switch (cc.type()) {
    case raftpb::ConfChangeAddNode:
      if (!trk_.IsVoter(n)) trk_.AddVoter(n, next);
      break;
    case raftpb::ConfChangeAddLearnerNode:
      if (!trk_.IsVoter(n) && !trk_.IsLearner(n)) trk_.AddLearner(n, next);
      break;
    case raftpb::ConfChangeRemoveNode:
      if (trk_.voters().size() > 1 || !trk_.IsVoter(n)) trk_.Remove(n);
      break;
    case raftpb::ConfChangeUpdateNode:
    default:
      break;
  }
  if (n == id_ && cc.type() != raftpb::ConfChangeRemoveNode) {
    if (Progress* self = trk_.Get(id_)) self->MaybeUpdate(SelfMatch());
  }
  AfterConfChange();
  return trk_.ConfState();
}

void Raft::AfterConfChange() {
  const Progress* self = trk_.Get(id_);
  is_learner_ = self != nullptr && self->is_learner;
  if (state_ != StateType::kLeader) return;
  if (self == nullptr || is_learner_) {
    // A removed leader steps down so the remaining voters elect a new one.
    BecomeFollower(term_, 0);
    return;
  }
  if (lead_transferee_ != 0 && !trk_.IsVoter(lead_transferee_)) AbortLeaderTransfer();
  // The quorum changed: commit, reads and lease rounds may advance.
  if (MaybeCommit()) {
    BcastAppend();
  } else {
    for (auto& [id, pr] : trk_.progress()) {
      if (id != id_) MaybeSendAppend(id, false);
    }
  }
  ReleaseReads();
}

// ---- reads ----

void Raft::HandleReadIndex(Message& m) {
  ReadRequest req{m.context(), m.from(), log_.committed(), 0};
  if (req.from == 0) req.from = id_;
  if (req.from != id_ && trk_.Get(req.from) == nullptr) return;
  if (!CommittedInTerm()) {
    // Our commit index may lag the true one until an entry of our term commits.
    pending_reads_.push_back(std::move(req));
    return;
  }
  ScheduleRead(std::move(req));
}

void Raft::ScheduleRead(ReadRequest req) {
  if ((trk_.voters().size() == 1 && trk_.IsVoter(id_)) || cfg_.unsafe_read_index_without_quorum) {
    AnswerRead(req, req.index);
    return;
  }
  // Confirm leadership with a round sent after the request arrived.
  req.round = round_ + 1;
  read_only_.Add(std::move(req));
  BcastHeartbeat();
}

void Raft::ReleaseReads() {
  if (read_only_.empty()) return;
  for (const ReadRequest& r : read_only_.Release(trk_.QuorumAckedRound())) {
    AnswerRead(r, r.index);
  }
}

void Raft::AnswerRead(const ReadRequest& req, uint64_t index) {
  if (req.from == id_) {
    read_states_.push_back(ReadState{index, req.context});
    return;
  }
  Message r;
  r.set_to(req.from);
  r.set_type(raftpb::MsgReadIndexResp);
  r.set_index(index);
  r.set_context(req.context);
  Send(std::move(r));
}

}  // namespace raftlab::raft
