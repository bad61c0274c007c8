#include "server/raft/progress.h"

#include <algorithm>

#include "server/raft/check.h"

namespace raftlab::raft {

void Inflights::Add(uint64_t index) {
  RAFT_CHECK(!Full(), "inflights full");
  size_t next = start_ + count_;
  if (next >= buffer_.size()) next -= buffer_.size();
  buffer_[next] = index;
  ++count_;
}

void Inflights::FreeLE(uint64_t to) {
  if (count_ == 0 || to < buffer_[start_]) return;
  size_t idx = start_;
  size_t i = 0;
  for (; i < count_; ++i) {
    if (to < buffer_[idx]) break;
    if (++idx >= buffer_.size()) idx = 0;
  }
  count_ -= i;
  start_ = idx;
  if (count_ == 0) start_ = 0;
}

void Inflights::FreeFirstOne() {
  if (count_ > 0) FreeLE(buffer_[start_]);
}

const char* ToString(ProgressState s) {
  switch (s) {
    case ProgressState::kProbe: return "probe";
    case ProgressState::kReplicate: return "replicate";
    case ProgressState::kSnapshot: return "snapshot";
  }
  return "?";
}

void Progress::ResetState(ProgressState s) {
  probe_sent = false;
  pending_snapshot = 0;
  state = s;
  inflights.Reset();
}

void Progress::BecomeProbe() {
  // After a snapshot, resume probing from just past the snapshot (or the match).
  if (state == ProgressState::kSnapshot) {
    const uint64_t pending = pending_snapshot;
    ResetState(ProgressState::kProbe);
    next = std::max(match + 1, pending + 1);
  } else {
    ResetState(ProgressState::kProbe);
    next = match + 1;
  }
}

void Progress::BecomeReplicate() {
  ResetState(ProgressState::kReplicate);
  next = match + 1;
}

void Progress::BecomeSnapshot(uint64_t snapshot_index) {
  ResetState(ProgressState::kSnapshot);
  pending_snapshot = snapshot_index;
}

bool Progress::MaybeUpdate(uint64_t n) {
  bool updated = false;
  if (match < n) {
    match = n;
    updated = true;
    probe_sent = false;
  }
  next = std::max(next, n + 1);
  return updated;
}

bool Progress::MaybeDecrTo(uint64_t rejected, uint64_t match_hint) {
  if (state == ProgressState::kReplicate) {
    if (rejected <= match) return false;  // stale
    next = match + 1;
    return true;
  }
  // Probe (or snapshot): only the rejection of our latest probe counts.
  if (next - 1 != rejected) return false;
  next = std::max<uint64_t>(std::min(rejected, match_hint + 1), 1);
  probe_sent = false;
  return true;
}

bool Progress::IsPaused() const {
  switch (state) {
    case ProgressState::kProbe: return probe_sent;
    case ProgressState::kReplicate: return inflights.Full();
    case ProgressState::kSnapshot: return true;
  }
  return true;
}

std::string Progress::DebugString() const {
  return std::string(ToString(state)) + " match=" + std::to_string(match) +
         " next=" + std::to_string(next) + (is_learner ? " learner" : "") +
         (probe_sent ? " probe_sent" : "") +
         " inflight=" + std::to_string(inflights.Count());
}

void ProgressTracker::AddVoter(uint64_t id, uint64_t next) {
  learners_.erase(id);
  voters_.insert(id);
  auto it = progress_.find(id);
  if (it == progress_.end()) {
    it = progress_.emplace(id, Progress(max_inflight_)).first;
    it->second.next = next;
    // A new peer counts as active so CheckQuorum does not depose the leader before it
    // had a chance to hear from it.
    it->second.recent_active = true;
  }
  it->second.is_learner = false;
}

void ProgressTracker::AddLearner(uint64_t id, uint64_t next) {
  RAFT_CHECK(!voters_.count(id), "demoting voter %llu to learner is not supported",
             static_cast<unsigned long long>(id));
  learners_.insert(id);
  auto it = progress_.find(id);
  if (it == progress_.end()) {
    it = progress_.emplace(id, Progress(max_inflight_)).first;
    it->second.next = next;
    it->second.recent_active = true;
  }
  it->second.is_learner = true;
}

void ProgressTracker::Remove(uint64_t id) {
  voters_.erase(id);
  learners_.erase(id);
  progress_.erase(id);
  votes_.erase(id);
}

Progress* ProgressTracker::Get(uint64_t id) {
  auto it = progress_.find(id);
  return it == progress_.end() ? nullptr : &it->second;
}

const Progress* ProgressTracker::Get(uint64_t id) const {
  auto it = progress_.find(id);
  return it == progress_.end() ? nullptr : &it->second;
}

template <typename F>
uint64_t ProgressTracker::QuorumValue(F f) const {
  if (voters_.empty()) return 0;
  uint64_t small[16];
  std::vector<uint64_t> big;
  uint64_t* vals = small;
  if (voters_.size() > 16) {
    big.resize(voters_.size());
    vals = big.data();
  }
  size_t n = 0;
  for (uint64_t id : voters_) {
    const Progress* pr = Get(id);
    vals[n++] = pr ? f(*pr) : 0;
  }
  std::sort(vals, vals + n, std::greater<uint64_t>());
  return vals[Quorum() - 1];
}

uint64_t ProgressTracker::Committed() const {
  return QuorumValue([](const Progress& p) { return p.match; });
}

uint64_t ProgressTracker::QuorumAckedRound() const {
  return QuorumValue([](const Progress& p) { return p.acked_round; });
}

bool ProgressTracker::QuorumActive() const {
  size_t active = 0;
  for (uint64_t id : voters_) {
    const Progress* pr = Get(id);
    if (pr && pr->recent_active) ++active;
  }
  return active >= Quorum();
}

void ProgressTracker::RecordVote(uint64_t id, bool granted) { votes_.emplace(id, granted); }

VoteResult ProgressTracker::TallyVotes(size_t* granted, size_t* rejected) const {
  size_t g = 0, r = 0;
  for (uint64_t id : voters_) {
    auto it = votes_.find(id);
    if (it == votes_.end()) continue;
    (it->second ? g : r)++;
  }
  if (granted) *granted = g;
  if (rejected) *rejected = r;
  if (g >= Quorum()) return VoteResult::kWon;
  if (r > voters_.size() - Quorum()) return VoteResult::kLost;
  return VoteResult::kPending;
}

raftpb::ConfState ProgressTracker::ConfState() const {
  raftpb::ConfState cs;
  for (uint64_t id : voters_) cs.add_voters(id);
  for (uint64_t id : learners_) cs.add_learners(id);
  return cs;
}

}  // namespace raftlab::raft
