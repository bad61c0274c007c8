#include "server/engine/lease_tracker.h"

#include <algorithm>

#include "faults/bugs.h"

namespace raftlab::engine {

const char* ToString(LeaseOutcome outcome) {
  switch (outcome) {
    case LeaseOutcome::kHit: return "hit";
    case LeaseOutcome::kNotLeader: return "not_leader";
    case LeaseOutcome::kNotCommittedInTerm: return "not_committed_in_term";
    case LeaseOutcome::kNoQuorumRound: return "no_quorum_round";
    case LeaseOutcome::kExpired: return "expired";
    case LeaseOutcome::kTransferring: return "transferring";
    case LeaseOutcome::kDisabled: return "disabled";
  }
  return "unknown";
}

LeaseTracker::LeaseTracker(Nanos election_timeout, Nanos margin)
    : lease_(faults::BugOn(faults::Bug::kLeaseOutlivesElection) ? 3 * election_timeout
                                                                 : election_timeout - margin) {}

void LeaseTracker::Reset(uint64_t term) {
  term_ = term;
  committed_in_term_ = false;
  transferring_ = false;
  ForgetAckedRound();
  highest_sent_ = 0;
  pending_rounds_.clear();
}

void LeaseTracker::ForgetAckedRound() {
  // Rounds up to the forgotten one stay pruned: they can never time a lease again.
  acked_round_ = 0;
  acked_sent_at_ = Nanos::min();
}

void LeaseTracker::OnRoundSent(uint64_t term, uint64_t round, Nanos sent_at) {
  if (term != term_) Reset(term);
  // A round is stamped once, at its first send; a resend must not make it look newer.
  for (uint64_t r = std::max(highest_sent_, acked_round_) + 1; r <= round; ++r) {
    pending_rounds_.emplace(r, sent_at);
  }
  highest_sent_ = std::max(highest_sent_, round);
}

void LeaseTracker::OnReady(uint64_t term, bool is_leader, uint64_t quorum_acked_round,
                           bool committed_in_term, bool transferring, Nanos processed_at) {
  const bool survives_transfer = faults::BugOn(faults::Bug::kLeaseSurvivesTransfer);
  if (survives_transfer) transferring = false;
  if (term != term_ || (is_leader_ && !is_leader)) Reset(term);
  is_leader_ = is_leader;
  if (!is_leader) return;
  committed_in_term_ = committed_in_term;
  transferring_ = transferring;
  if (transferring || (quorum_acked_round < acked_round_ && !survives_transfer)) ForgetAckedRound();
  if (transferring || quorum_acked_round <= acked_round_) return;
  auto it = pending_rounds_.find(quorum_acked_round);
  if (it == pending_rounds_.end()) {
    // An acked round this tracker never saw sent (e.g. sent before a restart): it cannot
    // be timed, so it cannot extend the lease.
    return;
  }
  acked_round_ = quorum_acked_round;
  acked_sent_at_ = faults::BugOn(faults::Bug::kLeaseFromAckReceipt) ? processed_at : it->second;
  pending_rounds_.erase(pending_rounds_.begin(), std::next(it));
}

LeaseOutcome LeaseTracker::Standing() const {
  if (lease_ <= Nanos::zero()) return LeaseOutcome::kDisabled;
  if (!is_leader_) return LeaseOutcome::kNotLeader;
  if (transferring_) return LeaseOutcome::kTransferring;
  if (!committed_in_term_ && !faults::BugOn(faults::Bug::kLeaseWithoutTermGate)) {
    return LeaseOutcome::kNotCommittedInTerm;
  }
  if (acked_round_ == 0) return LeaseOutcome::kNoQuorumRound;
  return LeaseOutcome::kHit;
}

LeaseOutcome LeaseTracker::Check(Nanos now) const {
  const LeaseOutcome standing = Standing();
  if (standing != LeaseOutcome::kHit) return standing;
  return now < acked_sent_at_ + lease_ ? LeaseOutcome::kHit : LeaseOutcome::kExpired;
}

Nanos LeaseTracker::ExpiresAt() const {
  if (Standing() != LeaseOutcome::kHit) return Nanos::min();
  return acked_sent_at_ + lease_;
}

}  // namespace raftlab::engine
