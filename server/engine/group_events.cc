#include "server/engine/group_events.h"

#include "server/log/log.h"

namespace raftlab::engine {
namespace {

const char* Kind(bool pre_vote) { return pre_vote ? "pre_vote" : "vote"; }

template <typename Ids>
std::string JoinIds(const Ids& ids) {
  std::string out;
  for (uint64_t id : ids) out.append(out.empty() ? "" : ",").append(std::to_string(id));
  return out;
}

}  // namespace

void GroupEvents::LogRecovered(const raft::Raft& r, const storage::WalRecovery& wal, uint64_t applied,
                               uint64_t snapshot_index) {
  term_ = r.term();
  role_ = r.state();
  leader_ = r.lead();
  if (wal.dropped_bytes > 0) {
    RAFTLAB_LOG(kWarn, "wal_tail_truncated")
        .Kv("group", group_)
        .Kv("file", wal.dropped_file)
        .Kv("offset", wal.dropped_offset)
        .Kv("bytes", wal.dropped_bytes)
        .Kv("reason", wal.dropped_reason);
  }
  if (wal.commit_raised_from.has_value()) {
    RAFTLAB_LOG(kWarn, "wal_commit_raised")
        .Kv("group", group_)
        .Kv("from", *wal.commit_raised_from)
        .Kv("snapshot_index", wal.snapshot.index());
  }
  RAFTLAB_LOG(kInfo, "group_recovered")
      .Kv("group", group_)
      .Kv("term", r.term())
      .Kv("vote", r.vote())
      .Kv("commit", r.log().committed())
      .Kv("applied", applied)
      .Kv("snapshot_index", snapshot_index)
      .Kv("last_index", r.log().LastIndex())
      .Kv("voters", JoinIds(r.tracker().voters()));
}

void GroupEvents::OnReady(const raft::Ready& rd, const raft::Raft& r) {
  ObserveState(r);
  ObserveMessages(rd, r);
  if (rd.snapshot.has_value()) {
    // Logged as the Ready hands it over; a failure to persist or apply it fail-stops next.
    RAFTLAB_LOG(kInfo, "snapshot_installed")
        .Kv("group", group_)
        .Kv("index", rd.snapshot->metadata().index())
        .Kv("term", rd.snapshot->metadata().term());
  }
}

void GroupEvents::ObserveState(const raft::Raft& r) {
  const uint64_t term = r.term();
  const raft::StateType role = r.state();
  const uint64_t leader = r.lead();
  const uint64_t transferee = r.lead_transferee();
  if (term != term_) RAFTLAB_LOG(kInfo, "term_changed").Kv("group", group_).Kv("from", term_).Kv("to", term);
  if (role != role_) {
    RAFTLAB_LOG(kInfo, "role_changed")
        .Kv("group", group_)
        .Kv("term", term)
        .Kv("from", raft::ToString(role_))
        .Kv("to", raft::ToString(role));
    if (campaigning_) {
      if (role == raft::StateType::kLeader || (campaign_.pre_vote && role == raft::StateType::kCandidate)) {
        EndCampaign(true, nullptr, leader);
      } else if (role == raft::StateType::kFollower) {
        EndCampaign(false, leader != 0 ? "other_leader" : "stepped_down", leader);
      }
    } else if (role == raft::StateType::kLeader) {
      // Won without a vote round this node saw go out (a single-voter group).
      RAFTLAB_LOG(kInfo, "election_won").Kv("group", group_).Kv("term", term).Kv("kind", "vote").Kv("granted", 1).Kv("rejected", 0);
    }
  }
  if (leader != leader_) {
    RAFTLAB_LOG(kInfo, "leader_changed").Kv("group", group_).Kv("term", term).Kv("leader", leader).Kv("previous", leader_);
  }
  if (transferee != transferee_) {
    if (transferee_ != 0) {
      if (role == raft::StateType::kLeader && term == term_) {
        const char* reason = transferee != 0                         ? "replaced"
                             : !r.tracker().IsVoter(transferee_)     ? "target_removed"
                                                                     : "timeout";
        RAFTLAB_LOG(kInfo, "transfer_aborted").Kv("group", group_).Kv("target", transferee_).Kv("term", term).Kv("reason", reason);
      } else {
        RAFTLAB_LOG(kInfo, "transfer_finished").Kv("group", group_).Kv("target", transferee_).Kv("term", term).Kv("leader", leader);
      }
    }
    if (transferee != 0) RAFTLAB_LOG(kInfo, "transfer_started").Kv("group", group_).Kv("target", transferee).Kv("term", term);
  }
  term_ = term;
  role_ = role;
  leader_ = leader;
  transferee_ = transferee;
}

void GroupEvents::ObserveMessages(const raft::Ready& rd, const raft::Raft& r) {
  Campaign round;
  std::set<uint64_t> asked;
  bool transfer = false;
  for (const raftpb::Message& m : rd.messages) {
    switch (m.type()) {
      case raftpb::MsgVote:
      case raftpb::MsgPreVote:
        round.pre_vote = m.type() == raftpb::MsgPreVote;
        round.term = m.term();
        transfer = transfer || m.context() == raft::kCampaignTransfer;
        asked.insert(m.to());
        break;
      case raftpb::MsgVoteResp:
      case raftpb::MsgPreVoteResp:
        if (m.reject()) {
          RAFTLAB_LOG(kDebug, "vote_refused").Kv("group", group_).Kv("term", m.term()).Kv("kind", Kind(m.type() == raftpb::MsgPreVoteResp)).Kv("to", m.to());
        } else {
          RAFTLAB_LOG(kInfo, "vote_granted").Kv("group", group_).Kv("term", m.term()).Kv("kind", Kind(m.type() == raftpb::MsgPreVoteResp)).Kv("to", m.to());
        }
        break;
      case raftpb::MsgTimeoutNow:
        RAFTLAB_LOG(kInfo, "transfer_timeout_now_sent").Kv("group", group_).Kv("to", m.to()).Kv("term", m.term());
        break;
      case raftpb::MsgSnap:
        RAFTLAB_LOG(kInfo, "snapshot_sent")
            .Kv("group", group_)
            .Kv("to", m.to())
            .Kv("index", m.snapshot().metadata().index())
            .Kv("term", m.snapshot().metadata().term());
        break;
      default:
        break;
    }
  }
  if (asked.empty()) return;
  // A new round while one is open: the open one timed out without a result.
  if (campaigning_) EndCampaign(false, "timeout", r.lead());
  campaigning_ = true;
  campaign_ = round;
  campaign_.granted.insert(node_);  // its own vote
  RAFTLAB_LOG(kInfo, "election_started")
      .Kv("group", group_)
      .Kv("term", round.term)
      .Kv("kind", Kind(round.pre_vote))
      .Kv("transfer", transfer)
      .Kv("to", JoinIds(asked));
}

void GroupEvents::OnInbound(const raftpb::Message& m) {
  if (m.type() == raftpb::MsgTimeoutNow) {
    RAFTLAB_LOG(kInfo, "transfer_timeout_now_received").Kv("group", group_).Kv("from", m.from()).Kv("term", m.term());
    return;
  }
  const bool pre_vote = m.type() == raftpb::MsgPreVoteResp;
  if (!campaigning_ || (m.type() != raftpb::MsgVoteResp && !pre_vote) || pre_vote != campaign_.pre_vote) return;
  (m.reject() ? campaign_.rejected : campaign_.granted).insert(m.from());
  RAFTLAB_LOG(kInfo, "vote_received")
      .Kv("group", group_)
      .Kv("term", m.term())
      .Kv("kind", Kind(pre_vote))
      .Kv("from", m.from())
      .Kv("granted", !m.reject());
}

void GroupEvents::EndCampaign(bool won, const char* reason, uint64_t leader) {
  campaigning_ = false;
  if (!log::Enabled(log::Level::kInfo)) return;
  log::Line line(log::Level::kInfo, won ? "election_won" : "election_lost");
  line.Kv("group", group_)
      .Kv("term", campaign_.term)
      .Kv("kind", Kind(campaign_.pre_vote))
      .Kv("granted", campaign_.granted.size())
      .Kv("rejected", campaign_.rejected.size());
  if (reason != nullptr) line.Kv("reason", reason).Kv("leader", leader);
}

void GroupEvents::OnLease(LeaseOutcome outcome, uint64_t term) {
  const bool held = outcome == LeaseOutcome::kHit;
  if (held == lease_held_) return;
  lease_held_ = held;
  if (held) {
    RAFTLAB_LOG(kInfo, "lease_gained").Kv("group", group_).Kv("term", term);
  } else {
    RAFTLAB_LOG(kInfo, "lease_lost").Kv("group", group_).Kv("term", term).Kv("reason", ToString(outcome));
  }
}

void GroupEvents::OnSnapshotTaken(uint64_t index) {
  RAFTLAB_LOG(kInfo, "snapshot_taken").Kv("group", group_).Kv("index", index);
}

}  // namespace raftlab::engine
