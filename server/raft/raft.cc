#include "server/raft/raft.h"

#include <algorithm>
#include <cinttypes>

#include "proto/raft_message_types.h"
#include "server/raft/check.h"
#include "server/raft/errors.h"

namespace raftlab::raft {
namespace {

using raftpb::MessageType;

MessageType VoteRespType(MessageType t) {
  return t == raftpb::MsgVote ? raftpb::MsgVoteResp : raftpb::MsgPreVoteResp;
}

uint64_t PayloadSize(const std::vector<Entry>& ents) {
  uint64_t s = 0;
  for (const Entry& e : ents) s += e.data().size();
  return s;
}

}  // namespace

const char* ToString(StateType s) {
  switch (s) {
    case StateType::kFollower: return "follower";
    case StateType::kCandidate: return "candidate";
    case StateType::kLeader: return "leader";
    case StateType::kPreCandidate: return "pre-candidate";
  }
  return "?";
}

absl::StatusOr<std::unique_ptr<Raft>> Raft::Create(Config config) {
  if (auto s = config.Validate(); !s.ok()) return s;
  auto init = config.storage->GetInitialState();
  if (!init.ok()) return init.status();
  std::unique_ptr<Raft> r(new Raft(std::move(config)));
  const raftpb::ConfState& cs = init->conf_state;
  uint64_t bootstrapped = 0;
  if (cs.voters_size() == 0 && cs.learners_size() == 0) {
    raftpb::ConfState boot;
    for (uint64_t v : r->cfg_.voters) boot.add_voters(v);
    for (uint64_t l : r->cfg_.learners) boot.add_learners(l);
    const raftpb::HardState& hs0 = init->hard_state;
    if (r->log_.LastIndex() == 0 && hs0.term() == 0 && hs0.commit() == 0 &&
        (boot.voters_size() > 0 || boot.learners_size() > 0)) {
      // A new group: the initial membership becomes committed ConfChange entries at the
      // head of the log (term 0, identical on every founding member), so nodes that join
      // later learn it from the log or a snapshot like any other change.
      std::vector<Entry> ents;
      auto add = [&](raftpb::ConfChangeType t, uint64_t id) {
        raftpb::ConfChange cc;
        cc.set_type(t);
        cc.set_node_id(id);
        Entry& e = ents.emplace_back();
        e.set_type(raftpb::EntryConfChange);
        e.set_index(ents.size());
        e.set_data(cc.SerializeAsString());
      };
      for (uint64_t v : boot.voters()) add(raftpb::ConfChangeAddNode, v);
      for (uint64_t l : boot.learners()) add(raftpb::ConfChangeAddLearnerNode, l);
      r->log_.Append(ents.data(), ents.size());
      bootstrapped = ents.size();
    }
    r->ApplyConfState(boot);
  } else {
    r->ApplyConfState(cs);
  }
  const raftpb::HardState& hs = init->hard_state;
  if (bootstrapped > 0) r->log_.CommitTo(bootstrapped);
  if (hs.term() != 0 || hs.vote() != 0 || hs.commit() != 0) {
    if (hs.commit() < r->log_.committed() || hs.commit() > r->log_.LastIndex()) {
      return MakeError(RaftError::kInvalidConfig,
                       "persisted commit " + std::to_string(hs.commit()) + " is outside [" +
                           std::to_string(r->log_.committed()) + ", " +
                           std::to_string(r->log_.LastIndex()) + "]");
    }
    r->log_.CommitTo(hs.commit());
    r->term_ = hs.term();
    r->vote_ = hs.vote();
    // Only a node that once held a term can have acked a lease round before a restart.
    if (hs.term() != 0) r->ticks_since_leader_ = 0;
  }
  if (r->cfg_.applied > 0) {
    if (r->cfg_.applied > r->log_.committed()) {
      return MakeError(RaftError::kInvalidConfig,
                       "Config.applied " + std::to_string(r->cfg_.applied) +
                           " beyond commit " + std::to_string(r->log_.committed()));
    }
    r->log_.AppliedTo(r->cfg_.applied);
  }
  r->BecomeFollower(r->term_, 0);
  return r;
}

Raft::Raft(Config config)
    : cfg_(std::move(config)),
      id_(cfg_.id),
      log_(cfg_.storage, cfg_.max_committed_size_per_ready),
      trk_(static_cast<size_t>(cfg_.max_inflight_msgs)),
      ticks_since_leader_(cfg_.election_tick),
      rng_state_(cfg_.rng_seed) {}

uint64_t Raft::Random(uint64_t bound) {
  if (cfg_.random) return cfg_.random(bound);
  // splitmix64: tiny, seedable, good enough for timeout jitter.
  uint64_t z = (rng_state_ += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  z ^= z >> 31;
  return z % bound;
}

raftpb::HardState Raft::HardState() const {
  raftpb::HardState hs;
  hs.set_term(term_);
  hs.set_vote(vote_);
  hs.set_commit(log_.committed());
  return hs;
}

uint64_t Raft::LeaseRound() const {
  if (state_ != StateType::kLeader || !cfg_.check_quorum || lease_void_ || lead_transferee_ != 0) return 0;
  const uint64_t acked = trk_.QuorumAckedRound();
  return acked > lease_floor_round_ ? acked : 0;
}

void Raft::AbortLeaderTransfer() {
  if (lead_transferee_ != 0) lease_floor_round_ = round_;
  lead_transferee_ = 0;
}

bool Raft::CommittedInTerm() const {
  return state_ == StateType::kLeader && log_.ZeroTermOnError(log_.committed()) == term_;
}

std::vector<Message> Raft::TakeMessages() {
  std::vector<Message> out;
  out.swap(msgs_);
  return out;
}

// ---- sending ----

void Raft::Send(Message m) {
  // Forwarded proposals and transfer requests keep their originator in `from`.
  if (m.from() == 0) m.set_from(id_);
  const MessageType t = m.type();
  if (t == raftpb::MsgVote || t == raftpb::MsgVoteResp || t == raftpb::MsgPreVote ||
      t == raftpb::MsgPreVoteResp) {
    RAFT_CHECK(m.term() != 0, "vote message %s without term", raftpb::Info(t).name.data());
  } else {
    RAFT_CHECK(m.term() == 0, "term set on %s", raftpb::Info(t).name.data());
    // Proposals and read requests are forwarded termless, like etcd/raft, so a follower
    // relaying them never carries a stale term that could disrupt the leader.
    if (t != raftpb::MsgProp && t != raftpb::MsgReadIndex) m.set_term(term_);
  }
  msgs_.push_back(std::move(m));
}

bool Raft::MaybeSendAppend(uint64_t to, bool send_if_empty) {
  Progress* pr = trk_.Get(to);
  if (pr == nullptr || pr->IsPaused()) return false;
  Message m;
  m.set_to(to);
  auto term = log_.Term(pr->next - 1);
  auto ents = log_.EntriesFrom(pr->next, cfg_.max_size_per_msg);
  if (term.ok() && ents.ok() && ents->empty() && !send_if_empty) return false;
  if (!term.ok() || !ents.ok()) {
    // The entries the follower needs were compacted: send a snapshot instead.
    if (!pr->recent_active) return false;
    auto snap = log_.Snapshot();
    if (!snap.ok()) {
      if (Is(snap.status(), RaftError::kSnapshotTemporarilyUnavailable)) return false;
      RAFT_CHECK(false, "snapshot unavailable: %s", snap.status().ToString().c_str());
    }
    RAFT_CHECK(snap->metadata().index() != 0, "need non-empty snapshot for peer");
    m.set_type(raftpb::MsgSnap);
    pr->BecomeSnapshot(snap->metadata().index());
    *m.mutable_snapshot() = std::move(*snap);
  } else {
    m.set_type(raftpb::MsgApp);
    m.set_index(pr->next - 1);
    m.set_log_term(*term);
    m.set_commit(log_.committed());
    const uint64_t last = ents->empty() ? 0 : ents->back().index();
    auto* out = m.mutable_entries();
    out->Reserve(static_cast<int>(ents->size()));
    for (Entry& e : *ents) out->Add(std::move(e));
    if (last != 0) {
      switch (pr->state) {
        case ProgressState::kReplicate:
          pr->OptimisticUpdate(last);
          pr->inflights.Add(last);
          break;
        case ProgressState::kProbe: pr->probe_sent = true; break;
        case ProgressState::kSnapshot: RAFT_CHECK(false, "sending append in snapshot state");
      }
    }
  }
  Send(std::move(m));
  return true;
}

void Raft::SendHeartbeat(uint64_t to) {
  const Progress* pr = trk_.Get(to);
  Message m;
  m.set_to(to);
  m.set_type(raftpb::MsgHeartbeat);
  // Never tell a follower to commit past what it is known to hold.
  m.set_commit(cfg_.unsafe_heartbeat_commit_beyond_match ? log_.committed()
                                                         : std::min(pr->match, log_.committed()));
  m.set_round(round_);
  Send(std::move(m));
}

void Raft::BcastAppend() {
  for (auto& [id, pr] : trk_.progress()) {
    if (id != id_) SendAppend(id);
  }
}

void Raft::SendAfterCommit() {
  for (auto& [id, pr] : trk_.progress()) {
    if (id != id_) (void)MaybeSendAppend(id, cfg_.empty_append_on_commit);
  }
}

void Raft::BcastHeartbeat() {
  ++round_;
  trk_.Get(id_)->acked_round = round_;
  for (auto& [id, pr] : trk_.progress()) {
    if (id != id_) SendHeartbeat(id);
  }
  // A single voter confirms its own rounds.
  ReleaseReads();
}

void Raft::SendTimeoutNow(uint64_t to) {
  lease_void_ = true;
  Message m;
  m.set_to(to);
  m.set_type(raftpb::MsgTimeoutNow);
  Send(std::move(m));
}

absl::Status Raft::AppendEntries(std::vector<Entry>& ents) {
  const uint64_t size = PayloadSize(ents);
  if (cfg_.max_uncommitted_entries_size > 0 && uncommitted_size_ > 0 && size > 0 &&
      uncommitted_size_ + size > cfg_.max_uncommitted_entries_size) {
    return MakeError(RaftError::kUncommittedSizeExceeded,
                     std::to_string(uncommitted_size_) + " + " + std::to_string(size) +
                         " bytes > max_uncommitted_entries_size " +
                         std::to_string(cfg_.max_uncommitted_entries_size));
  }
  uncommitted_size_ += size;
  uint64_t li = log_.LastIndex();
  for (Entry& e : ents) {
    e.set_term(term_);
    e.set_index(++li);
  }
  li = log_.Append(ents.data(), ents.size());
  // The leader's own copy counts toward the quorum only once Advance reports it durable:
  // its MsgApps may leave before its own write (see MaySendBeforePersist in raw_node.h).
  if (cfg_.unsafe_leader_self_ack_at_append) {
    trk_.Get(id_)->MaybeUpdate(li);
    MaybeCommit();
  }
  return absl::OkStatus();
}

bool Raft::MaybeCommit() {
  const bool before = CommittedInTerm();
  if (!log_.MaybeCommit(trk_.Committed(), term_)) return false;
  if (!before) OnCommitted();
  return true;
}

void Raft::OnCommitted() {
  // The first commit of the term: reads held back until now may be scheduled.
  std::vector<ReadRequest> held;
  held.swap(pending_reads_);
  for (ReadRequest& r : held) {
    r.index = log_.committed();
    ScheduleRead(std::move(r));
  }
}

// ---- state transitions ----

void Raft::Reset(uint64_t term) {
  if (term_ != term) {
    term_ = term;
    vote_ = 0;
  }
  lead_ = 0;
  election_elapsed_ = 0;
  heartbeat_elapsed_ = 0;
  ResetRandomizedElectionTimeout();
  AbortLeaderTransfer();
  trk_.ResetVotes();
  const uint64_t last = log_.LastIndex();
  for (auto& [id, pr] : trk_.progress()) {
    const bool learner = pr.is_learner;
    pr = Progress(static_cast<size_t>(cfg_.max_inflight_msgs));
    pr.is_learner = learner;
    pr.next = last + 1;
    if (id == id_) pr.match = SelfMatch();
  }
  pending_conf_index_ = 0;
  uncommitted_size_ = 0;
  round_ = 0;
  lease_void_ = false;
  lease_floor_round_ = 0;
  pending_reads_.clear();
  read_only_.Reset();
}

void Raft::ResetRandomizedElectionTimeout() {
  randomized_election_timeout_ =
      cfg_.election_tick + static_cast<int>(Random(static_cast<uint64_t>(cfg_.election_tick)));
}

void Raft::BecomeFollower(uint64_t term, uint64_t lead) {
  Reset(term);
  lead_ = lead;
  state_ = StateType::kFollower;
  if (lead != 0) ticks_since_leader_ = 0;
}

void Raft::BecomeCandidate() {
  RAFT_CHECK(state_ != StateType::kLeader, "leader cannot become candidate");
  Reset(term_ + 1);
  vote_ = id_;
  state_ = StateType::kCandidate;
}

void Raft::BecomePreCandidate() {
  RAFT_CHECK(state_ != StateType::kLeader, "leader cannot become pre-candidate");
  // Neither the term nor the vote changes: a pre-election is a poll.
  trk_.ResetVotes();
  lead_ = 0;
  state_ = StateType::kPreCandidate;
}

void Raft::BecomeLeader() {
  RAFT_CHECK(state_ != StateType::kFollower, "follower cannot become leader directly");
  Reset(term_);
  lead_ = id_;
  state_ = StateType::kLeader;
  trk_.Get(id_)->BecomeReplicate();
  // Conf changes in the uncommitted tail may be pending; be conservative.
  pending_conf_index_ = log_.LastIndex();
  // The empty entry commits everything of earlier terms (Raft §5.4.2) and starts the
  // committed-in-term clock for reads and leases.
  std::vector<Entry> empty(1);
  RAFT_CHECK(AppendEntries(empty).ok(), "empty leader entry refused");
  uncommitted_size_ = 0;
}

// ---- elections ----

bool Raft::Promotable() const {
  const Progress* pr = trk_.Get(id_);
  return pr != nullptr && !pr->is_learner && !log_.UnstableSnapshot().has_value();
}

bool Raft::InLease() const {
  return cfg_.check_quorum &&
         (state_ == StateType::kLeader || ticks_since_leader_ < cfg_.election_tick);
}

void Raft::Hup(CampaignType t) {
  if (state_ == StateType::kLeader || !Promotable()) return;
  // Unapplied committed conf changes could change whether we may campaign at all.
  if (log_.committed() > log_.applied()) {
    auto ents = log_.Slice(log_.applied() + 1, log_.committed() + 1, UINT64_MAX);
    if (ents.ok()) {
      for (const Entry& e : *ents) {
        // Term-0 entries are the founding membership, already in effect since Create.
        if (e.type() == raftpb::EntryConfChange && e.term() > 0) return;
      }
    }
  }
  Campaign(t);
}

void Raft::Campaign(CampaignType t) {
  uint64_t term;
  MessageType vote_msg;
  if (t == CampaignType::kPreElection) {
    BecomePreCandidate();
    vote_msg = raftpb::MsgPreVote;
    term = term_ + 1;  // the term we would campaign in; not adopted yet
  } else {
    BecomeCandidate();
    vote_msg = raftpb::MsgVote;
    term = term_;
  }
  if (Poll(id_, VoteRespType(vote_msg), true) == VoteResult::kWon) {
    // A single-voter group wins at once.
    if (t == CampaignType::kPreElection) {
      Campaign(CampaignType::kElection);
    } else {
      BecomeLeader();
    }
    return;
  }
  for (uint64_t id : trk_.voters()) {
    if (id == id_) continue;
    Message m;
    m.set_to(id);
    m.set_type(vote_msg);
    m.set_term(term);
    m.set_index(log_.LastIndex());
    m.set_log_term(log_.LastTerm());
    if (t == CampaignType::kTransfer) m.set_context(std::string(kCampaignTransfer));
    Send(std::move(m));
  }
}

VoteResult Raft::Poll(uint64_t id, MessageType, bool granted) {
  trk_.RecordVote(id, granted);
  return trk_.TallyVotes();
}

// ---- Step ----

absl::Status Raft::Step(Message m) {
  const MessageType type = m.type();
  if (m.term() == 0) {
    // local message or termless proposal/read
  } else if (m.term() > term_) {
    if (type == raftpb::MsgVote || type == raftpb::MsgPreVote) {
      const bool force = m.context() == kCampaignTransfer;
      if (!force && InLease()) {
        // We heard a leader recently: a disruptive candidate does not get our vote or
        // our term (Raft thesis §4.2.3).
        return absl::OkStatus();
      }
    }
    if (type == raftpb::MsgPreVote) {
      // A pre-vote never changes our term.
    } else if (type == raftpb::MsgPreVoteResp && !m.reject()) {
      // Granted pre-votes carry the future term; adopt it only on winning.
    } else if (type == raftpb::MsgApp || type == raftpb::MsgHeartbeat ||
               type == raftpb::MsgSnap) {
      BecomeFollower(m.term(), m.from());
    } else {
      BecomeFollower(m.term(), 0);
    }
  } else if (m.term() < term_) {
    if ((cfg_.check_quorum || cfg_.pre_vote) &&
        (type == raftpb::MsgHeartbeat || type == raftpb::MsgApp)) {
      // A stale leader (e.g. after a partition) learns our term from this answer and
      // steps down; otherwise, with CheckQuorum/PreVote, it might never hear a higher term.
      Message r;
      r.set_to(m.from());
      r.set_type(raftpb::MsgAppResp);
      Send(std::move(r));
    } else if (type == raftpb::MsgPreVote) {
      Message r;
      r.set_to(m.from());
      r.set_type(raftpb::MsgPreVoteResp);
      r.set_term(term_);
      r.set_reject(true);
      Send(std::move(r));
    }
    return absl::OkStatus();
  }

  switch (type) {
    case raftpb::MsgHup:
      Hup(cfg_.pre_vote ? CampaignType::kPreElection : CampaignType::kElection);
      return absl::OkStatus();
    case raftpb::MsgVote:
    case raftpb::MsgPreVote: {
      // The lease refusal holds whatever our term: another message (e.g. a rejected
      // MsgPreVoteResp) may have raised it to the candidate's since we last heard the
      // leader, and a lease read on that leader relies on our silence.
      const bool lease_blocks =
          m.context() != kCampaignTransfer && vote_ != m.from() && InLease();
      const bool can_vote = !lease_blocks &&
                            (vote_ == m.from() || (vote_ == 0 && lead_ == 0) ||
                             (type == raftpb::MsgPreVote && m.term() > term_));
      Message r;
      r.set_to(m.from());
      r.set_type(VoteRespType(type));
      if (can_vote && log_.IsUpToDate(m.index(), m.log_term())) {
        // A granted pre-vote echoes the candidate's term so it can count it.
        r.set_term(m.term());
        Send(std::move(r));
        if (type == raftpb::MsgVote) {
          election_elapsed_ = 0;
          vote_ = m.from();
        }
      } else {
        r.set_term(term_);
        r.set_reject(true);
        Send(std::move(r));
      }
      return absl::OkStatus();
    }
    default:
      break;
  }
  switch (state_) {
    case StateType::kLeader: return StepLeader(m);
    case StateType::kCandidate:
    case StateType::kPreCandidate: return StepCandidate(m);
    case StateType::kFollower: return StepFollower(m);
  }
  return absl::OkStatus();
}

absl::Status Raft::StepLeader(Message& m) {
  switch (m.type()) {
    case raftpb::MsgBeat:
      BcastHeartbeat();
      return absl::OkStatus();
    case raftpb::MsgCheckQuorum:
      if (Progress* self = trk_.Get(id_)) self->recent_active = true;
      if (!trk_.QuorumActive()) {
        BecomeFollower(term_, 0);
        return absl::OkStatus();
      }
      for (auto& [id, pr] : trk_.progress()) {
        if (id != id_) pr.recent_active = false;
      }
      return absl::OkStatus();
    case raftpb::MsgProp: {
      if (m.entries_size() == 0) {
        return absl::InvalidArgumentError("MsgProp from " + std::to_string(m.from()) +
                                          " carries no entries");
      }
      if (trk_.Get(id_) == nullptr) {
        return MakeError(RaftError::kProposalDropped, "leader was removed from the group");
      }
      if (lead_transferee_ != 0) {
        return MakeError(RaftError::kProposalDropped,
                         "leadership transfer to " + std::to_string(lead_transferee_) +
                             " in progress");
      }
      bool has_conf = false;
      for (const Entry& e : m.entries()) {
        if (e.type() != raftpb::EntryConfChange) continue;
        if (has_conf) {
          return MakeError(RaftError::kPendingConfChange, "two changes in one proposal");
        }
        if (auto s = CheckConfChangeProposal(e); !s.ok()) return s;
        has_conf = true;
      }
      std::vector<Entry> ents(std::make_move_iterator(m.mutable_entries()->begin()),
                              std::make_move_iterator(m.mutable_entries()->end()));
      if (auto s = AppendEntries(ents); !s.ok()) return s;
      if (has_conf) pending_conf_index_ = log_.LastIndex();
      BcastAppend();
      return absl::OkStatus();
    }
    case raftpb::MsgReadIndex:
      HandleReadIndex(m);
      return absl::OkStatus();
    case raftpb::MsgForgetLeader:
      return absl::OkStatus();  // a leader never forgets itself
    default:
      break;
  }

  Progress* pr = trk_.Get(m.from());
  if (pr == nullptr) return absl::OkStatus();
  switch (m.type()) {
    case raftpb::MsgAppResp: {
      pr->recent_active = true;
      if (m.reject()) {
        uint64_t next_probe = m.reject_hint();
        if (m.reject_log_term() > 0) {
          // Skip every entry of ours whose term is above the follower's term at the hint:
          // they cannot match (fast back-off by term).
          next_probe = log_.FindConflictByTerm(m.reject_hint(), m.reject_log_term()).first;
        }
        if (pr->MaybeDecrTo(m.index(), next_probe)) {
          if (pr->state == ProgressState::kReplicate) pr->BecomeProbe();
          SendAppend(m.from());
        }
        return absl::OkStatus();
      }
      const bool old_paused = pr->IsPaused();
      if (!pr->MaybeUpdate(m.index())) return absl::OkStatus();
      switch (pr->state) {
        case ProgressState::kProbe: pr->BecomeReplicate(); break;
        case ProgressState::kSnapshot:
          if (pr->match + 1 >= log_.FirstIndex()) {
            pr->BecomeProbe();
            pr->BecomeReplicate();
          }
          break;
        case ProgressState::kReplicate: pr->inflights.FreeLE(m.index()); break;
      }
      if (MaybeCommit()) {
        SendAfterCommit();
      } else if (old_paused) {
        SendAppend(m.from());
      }
      // Fill the window while there is more to send.
      while (MaybeSendAppend(m.from(), false)) {
      }
      if (m.from() == lead_transferee_ && pr->match == log_.LastIndex()) {
        SendTimeoutNow(m.from());
      }
      return absl::OkStatus();
    }
    case raftpb::MsgHeartbeatResp: {
      pr->recent_active = true;
      pr->probe_sent = false;
      if (pr->state == ProgressState::kReplicate && pr->inflights.Full()) {
        pr->inflights.FreeFirstOne();
      }
      if (pr->match < log_.LastIndex()) SendAppend(m.from());
      if (m.round() > pr->acked_round && m.round() <= round_) {
        pr->acked_round = m.round();
        ReleaseReads();
      }
      return absl::OkStatus();
    }
    case raftpb::MsgSnapStatus:
      if (pr->state != ProgressState::kSnapshot) return absl::OkStatus();
      if (m.reject()) pr->pending_snapshot = 0;
      pr->BecomeProbe();
      // Wait for an append response or heartbeat before probing again.
      pr->probe_sent = true;
      return absl::OkStatus();
    case raftpb::MsgUnreachable:
      if (pr->state == ProgressState::kReplicate) pr->BecomeProbe();
      return absl::OkStatus();
    case raftpb::MsgTransferLeader: {
      if (pr->is_learner) return absl::OkStatus();
      const uint64_t target = m.from();
      if (lead_transferee_ != 0) {
        if (lead_transferee_ == target) return absl::OkStatus();
        AbortLeaderTransfer();
      }
      if (target == id_) return absl::OkStatus();
      // The transfer must finish within an election timeout or it is aborted.
      election_elapsed_ = 0;
      lead_transferee_ = target;
      if (pr->match == log_.LastIndex()) {
        SendTimeoutNow(target);
      } else {
        SendAppend(target);
      }
      return absl::OkStatus();
    }
    default:
      return absl::OkStatus();
  }
}

absl::Status Raft::StepCandidate(Message& m) {
  const MessageType my_resp =
      state_ == StateType::kPreCandidate ? raftpb::MsgPreVoteResp : raftpb::MsgVoteResp;
  switch (m.type()) {
    case raftpb::MsgProp:
      return MakeError(RaftError::kProposalDropped, "no leader (election in progress)");
    case raftpb::MsgApp:
      BecomeFollower(m.term(), m.from());
      HandleAppendEntries(m);
      return absl::OkStatus();
    case raftpb::MsgHeartbeat:
      BecomeFollower(m.term(), m.from());
      HandleHeartbeat(m);
      return absl::OkStatus();
    case raftpb::MsgSnap:
      BecomeFollower(m.term(), m.from());
      HandleSnapshot(m);
      return absl::OkStatus();
    case raftpb::MsgReadIndex:
    case raftpb::MsgTransferLeader:
      return MakeError(RaftError::kProposalDropped, "no leader (election in progress)");
    default:
      break;
  }
  if (m.type() == my_resp) {
    switch (Poll(m.from(), m.type(), !m.reject())) {
      case VoteResult::kWon:
        if (state_ == StateType::kPreCandidate) {
          Campaign(CampaignType::kElection);
        } else {
          BecomeLeader();
          BcastAppend();
        }
        break;
      case VoteResult::kLost:
        // A pre-candidate that lost keeps its term; a candidate stays in its new term.
        BecomeFollower(term_, 0);
        break;
      case VoteResult::kPending: break;
    }
  }
  return absl::OkStatus();
}

absl::Status Raft::StepFollower(Message& m) {
  switch (m.type()) {
    case raftpb::MsgProp:
      if (lead_ == 0) return MakeError(RaftError::kProposalDropped, "no leader known");
      m.set_term(0);
      m.set_to(lead_);
      Send(std::move(m));
      return absl::OkStatus();
    case raftpb::MsgApp:
      election_elapsed_ = 0;
      lead_ = m.from();
      ticks_since_leader_ = 0;
      HandleAppendEntries(m);
      return absl::OkStatus();
    case raftpb::MsgHeartbeat:
      election_elapsed_ = 0;
      lead_ = m.from();
      ticks_since_leader_ = 0;
      HandleHeartbeat(m);
      return absl::OkStatus();
    case raftpb::MsgSnap:
      election_elapsed_ = 0;
      lead_ = m.from();
      ticks_since_leader_ = 0;
      HandleSnapshot(m);
      return absl::OkStatus();
    case raftpb::MsgTransferLeader:
      if (lead_ == 0) return MakeError(RaftError::kProposalDropped, "no leader to transfer from");
      m.set_term(0);
      m.set_to(lead_);
      Send(std::move(m));
      return absl::OkStatus();
    case raftpb::MsgForgetLeader:
      lead_ = 0;
      ticks_since_leader_ = cfg_.election_tick;
      return absl::OkStatus();
    case raftpb::MsgTimeoutNow:
      // The leader hands over: campaign at once, skipping PreVote, with votes that
      // override the voters' leases.
      Hup(CampaignType::kTransfer);
      return absl::OkStatus();
    case raftpb::MsgReadIndex:
      if (lead_ == 0) return MakeError(RaftError::kProposalDropped, "no leader for read index");
      m.set_term(0);
      m.set_to(lead_);
      Send(std::move(m));
      return absl::OkStatus();
    case raftpb::MsgReadIndexResp:
      read_states_.push_back(ReadState{m.index(), m.context()});
      return absl::OkStatus();
    default:
      return absl::OkStatus();
  }
}

// ---- time ----

void Raft::Tick() {
  if (ticks_since_leader_ < cfg_.election_tick) ++ticks_since_leader_;
  if (state_ == StateType::kLeader) {
    TickHeartbeat();
  } else {
    TickElection();
  }
}

int Raft::TicksUntilTimer() const {
  int ticks = cfg_.election_tick;  // a follower that may not campaign still counts ticks_since_leader_
  if (state_ == StateType::kLeader) {
    ticks = std::min(cfg_.heartbeat_tick - heartbeat_elapsed_, cfg_.election_tick - election_elapsed_);
  } else if (Promotable()) {
    ticks = randomized_election_timeout_ - election_elapsed_;
  }
  return std::max(ticks, 1);
}

void Raft::AlignHeartbeat(uint64_t tick) {
  if (state_ != StateType::kLeader) return;
  const int phase = static_cast<int>(tick % static_cast<uint64_t>(cfg_.heartbeat_tick));
  heartbeat_elapsed_ = std::max(heartbeat_elapsed_, phase);
}

void Raft::TickElection() {
  ++election_elapsed_;
  if (Promotable() && PastElectionTimeout()) {
    election_elapsed_ = 0;
    Message m;
    m.set_type(raftpb::MsgHup);
    m.set_from(id_);
    (void)Step(std::move(m));
  }
}

void Raft::TickHeartbeat() {
  ++heartbeat_elapsed_;
  ++election_elapsed_;
  if (election_elapsed_ >= cfg_.election_tick) {
    election_elapsed_ = 0;
    if (cfg_.check_quorum) {
      Message m;
      m.set_type(raftpb::MsgCheckQuorum);
      m.set_from(id_);
      (void)Step(std::move(m));
    }
    // A transfer that did not finish within an election timeout is abandoned.
    if (state_ == StateType::kLeader && lead_transferee_ != 0) AbortLeaderTransfer();
  }
  if (state_ != StateType::kLeader) return;
  if (heartbeat_elapsed_ >= cfg_.heartbeat_tick) {
    heartbeat_elapsed_ = 0;
    Message m;
    m.set_type(raftpb::MsgBeat);
    m.set_from(id_);
    (void)Step(std::move(m));
  }
}

// ---- Ready support ----

void Raft::Advance(uint64_t applied_to, uint64_t committed_bytes, uint64_t stable_index,
                   uint64_t stable_term, uint64_t stable_snap_index) {
  if (state_ == StateType::kLeader) {
    const uint64_t s = committed_bytes;
    uncommitted_size_ = s > uncommitted_size_ ? 0 : uncommitted_size_ - s;
  }
  if (stable_snap_index > 0) log_.StableSnapTo(stable_snap_index);
  if (stable_index > 0) log_.StableTo(stable_index, stable_term);
  if (applied_to > 0) log_.AppliedTo(applied_to);
  // Now the leader's durable entries count: this may commit.
  Progress* self = trk_.Get(id_);
  if (state_ == StateType::kLeader && self != nullptr && self->MaybeUpdate(SelfMatch()) &&
      MaybeCommit()) {
    SendAfterCommit();
  }
}

uint64_t Raft::SelfMatch() const {
  return cfg_.unsafe_leader_self_ack_at_append ? log_.LastIndex() : log_.LastStableIndex();
}

}  // namespace raftlab::raft
