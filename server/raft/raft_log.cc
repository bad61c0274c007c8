#include "server/raft/raft_log.h"

#include <algorithm>
#include <cinttypes>
#include <limits>

#include "server/raft/check.h"
#include "server/raft/errors.h"

namespace raftlab::raft {

// ---- Unstable ----

std::optional<uint64_t> Unstable::MaybeFirstIndex() const {
  if (snapshot) return snapshot->metadata().index() + 1;
  return std::nullopt;
}

std::optional<uint64_t> Unstable::MaybeLastIndex() const {
  if (!entries.empty()) return offset + entries.size() - 1;
  if (snapshot) return snapshot->metadata().index();
  return std::nullopt;
}

std::optional<uint64_t> Unstable::MaybeTerm(uint64_t i) const {
  if (i < offset) {
    if (snapshot && snapshot->metadata().index() == i) return snapshot->metadata().term();
    return std::nullopt;
  }
  auto last = MaybeLastIndex();
  if (!last || i > *last) return std::nullopt;
  return entries[i - offset].term();
}

void Unstable::StableTo(uint64_t i, uint64_t t) {
  auto gt = MaybeTerm(i);
  if (!gt || *gt != t || i < offset) return;  // superseded by a newer append or snapshot
  entries.erase(entries.begin(), entries.begin() + static_cast<ptrdiff_t>(i + 1 - offset));
  offset = i + 1;
}

void Unstable::StableSnapTo(uint64_t i) {
  if (snapshot && snapshot->metadata().index() == i) snapshot.reset();
}

void Unstable::Restore(const raftpb::Snapshot& s) {
  offset = s.metadata().index() + 1;
  entries.clear();
  snapshot = s;
}

void Unstable::TruncateAndAppend(Entry* ents, size_t n) {
  if (n == 0) return;
  const uint64_t after = ents[0].index();
  if (after == offset + entries.size()) {
    // plain append
  } else if (after <= offset) {
    // replaces every unstable entry (and possibly stable ones the caller will overwrite)
    offset = after;
    entries.clear();
  } else {
    entries.resize(after - offset);
  }
  entries.insert(entries.end(), std::make_move_iterator(ents), std::make_move_iterator(ents + n));
}

std::vector<Entry> Unstable::Slice(uint64_t lo, uint64_t hi) const {
  RAFT_CHECK(lo >= offset && hi <= offset + entries.size() && lo <= hi,
             "unstable slice [%" PRIu64 ",%" PRIu64 ") out of [%" PRIu64 ",%" PRIu64 ")", lo, hi,
             offset, offset + entries.size());
  return std::vector<Entry>(entries.begin() + static_cast<ptrdiff_t>(lo - offset),
                            entries.begin() + static_cast<ptrdiff_t>(hi - offset));
}

// ---- RaftLog ----

RaftLog::RaftLog(Storage* storage, uint64_t max_next_ents_size)
    : storage_(storage), max_next_ents_size_(max_next_ents_size) {
  auto first = storage_->FirstIndex();
  auto last = storage_->LastIndex();
  RAFT_CHECK(first.ok() && last.ok(), "storage index lookup failed");
  unstable_.offset = *last + 1;
  committed_ = *first - 1;
  applied_ = *first - 1;
}

std::optional<uint64_t> RaftLog::MaybeAppend(uint64_t index, uint64_t log_term,
                                             uint64_t committed, std::vector<Entry> v) {
  Entry* ents = v.data();
  const size_t n = v.size();
  if (!MatchTerm(index, log_term)) return std::nullopt;
  const uint64_t last_new = index + n;
  const uint64_t ci = FindConflict(ents, n);
  if (ci != 0) {
    RAFT_CHECK(ci > committed_, "entry %" PRIu64 " conflicts with committed %" PRIu64, ci,
               committed_);
    const uint64_t off = index + 1;
    Append(ents + (ci - off), n - (ci - off));
  }
  CommitTo(std::min(committed, last_new));
  return last_new;
}

uint64_t RaftLog::Append(Entry* ents, size_t n) {
  if (n == 0) return LastIndex();
  RAFT_CHECK(ents[0].index() - 1 >= committed_,
             "append after %" PRIu64 " would overwrite committed %" PRIu64, ents[0].index() - 1,
             committed_);
  unstable_.TruncateAndAppend(ents, n);
  return LastIndex();
}

uint64_t RaftLog::FindConflict(const Entry* ents, size_t n) const {
  for (size_t k = 0; k < n; ++k) {
    if (!MatchTerm(ents[k].index(), ents[k].term())) return ents[k].index();
  }
  return 0;
}

std::pair<uint64_t, uint64_t> RaftLog::FindConflictByTerm(uint64_t index, uint64_t term) const {
  for (;;) {
    auto t = Term(index);
    if (!t.ok()) return {index, 0};
    if (*t <= term) return {index, *t};
    if (index == 0) return {0, 0};
    --index;
  }
}

std::vector<Entry> RaftLog::NextEntries() const {
  const uint64_t off = std::max(applied_ + 1, FirstIndex());
  if (committed_ + 1 > off) {
    auto ents = Slice(off, committed_ + 1, max_next_ents_size_);
    RAFT_CHECK(ents.ok(), "committed entries unavailable: %s", ents.status().ToString().c_str());
    return std::move(*ents);
  }
  return {};
}

bool RaftLog::HasNextEntries() const {
  return committed_ + 1 > std::max(applied_ + 1, FirstIndex());
}

absl::StatusOr<raftpb::Snapshot> RaftLog::Snapshot() const {
  if (unstable_.snapshot) return *unstable_.snapshot;
  return storage_->GetSnapshot();
}

uint64_t RaftLog::FirstIndex() const {
  if (auto i = unstable_.MaybeFirstIndex()) return *i;
  auto i = storage_->FirstIndex();
  RAFT_CHECK(i.ok(), "storage FirstIndex failed");
  return *i;
}

uint64_t RaftLog::LastIndex() const {
  if (auto i = unstable_.MaybeLastIndex()) return *i;
  auto i = storage_->LastIndex();
  RAFT_CHECK(i.ok(), "storage LastIndex failed");
  return *i;
}

uint64_t RaftLog::LastTerm() const {
  auto t = Term(LastIndex());
  RAFT_CHECK(t.ok(), "term of last index unavailable");
  return *t;
}

absl::StatusOr<uint64_t> RaftLog::Term(uint64_t i) const {
  const uint64_t dummy = FirstIndex() - 1;
  if (i < dummy || i > LastIndex()) return 0;
  if (auto t = unstable_.MaybeTerm(i)) return *t;
  return storage_->Term(i);
}

uint64_t RaftLog::ZeroTermOnError(uint64_t i) const {
  auto t = Term(i);
  return t.ok() ? *t : 0;
}

bool RaftLog::MatchTerm(uint64_t i, uint64_t t) const {
  // Term() answers 0 outside the log; that must not match a term-0 (bootstrap) entry.
  if (i > LastIndex() || i + 1 < FirstIndex()) return false;
  auto term = Term(i);
  return term.ok() && *term == t;
}

bool RaftLog::IsUpToDate(uint64_t last_index, uint64_t term) const {
  return term > LastTerm() || (term == LastTerm() && last_index >= LastIndex());
}

absl::StatusOr<std::vector<Entry>> RaftLog::EntriesFrom(uint64_t i, uint64_t max_bytes) const {
  if (i > LastIndex()) return std::vector<Entry>{};
  return Slice(i, LastIndex() + 1, max_bytes);
}

absl::StatusOr<std::vector<Entry>> RaftLog::Slice(uint64_t lo, uint64_t hi,
                                                  uint64_t max_bytes) const {
  RAFT_CHECK(lo <= hi, "invalid slice %" PRIu64 " > %" PRIu64, lo, hi);
  if (lo < FirstIndex()) return MakeError(RaftError::kCompacted, "slice below first index");
  RAFT_CHECK(hi <= LastIndex() + 1, "slice [%" PRIu64 ",%" PRIu64 ") beyond last %" PRIu64, lo,
             hi, LastIndex());
  if (lo == hi) return std::vector<Entry>{};
  std::vector<Entry> ents;
  if (lo < unstable_.offset) {
    auto stored = storage_->Entries(lo, std::min(hi, unstable_.offset), max_bytes);
    if (!stored.ok()) {
      if (Is(stored.status(), RaftError::kCompacted)) return stored.status();
      RAFT_CHECK(false, "storage entries [%" PRIu64 ",%" PRIu64 "): %s", lo,
                 std::min(hi, unstable_.offset), stored.status().ToString().c_str());
    }
    // Storage returned fewer entries than asked: the size limit was hit.
    if (stored->size() < std::min(hi, unstable_.offset) - lo) return stored;
    ents = std::move(*stored);
  }
  if (hi > unstable_.offset) {
    auto u = unstable_.Slice(std::max(lo, unstable_.offset), hi);
    if (ents.empty()) {
      ents = std::move(u);
    } else {
      ents.insert(ents.end(), std::make_move_iterator(u.begin()),
                  std::make_move_iterator(u.end()));
    }
  }
  LimitSize(ents, max_bytes);
  return ents;
}

void RaftLog::CommitTo(uint64_t to) {
  if (committed_ < to) {
    RAFT_CHECK(LastIndex() >= to, "commit %" PRIu64 " beyond last %" PRIu64, to, LastIndex());
    committed_ = to;
  }
}

bool RaftLog::MaybeCommit(uint64_t max_index, uint64_t term) {
  if (max_index > committed_ && ZeroTermOnError(max_index) == term) {
    CommitTo(max_index);
    return true;
  }
  return false;
}

void RaftLog::AppliedTo(uint64_t i) {
  if (i == 0) return;
  RAFT_CHECK(committed_ >= i && i >= applied_,
             "applied %" PRIu64 " outside [%" PRIu64 ",%" PRIu64 "]", i, applied_, committed_);
  applied_ = i;
}

void RaftLog::Restore(const raftpb::Snapshot& s) {
  committed_ = s.metadata().index();
  unstable_.Restore(s);
}

}  // namespace raftlab::raft
