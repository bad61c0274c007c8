#pragma once
// RaftLog: the core's view of the log, stitched from stable Storage (persisted entries,
// the latest snapshot) and Unstable (entries and a snapshot handed out in a Ready but not
// yet reported persisted through Advance).
//
// Invariants: applied <= committed <= last_index(); unstable.offset <= last stable + 1;
// an unstable snapshot, when present, precedes every unstable entry.
// Owned by one Raft object; called only from that object's thread.

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "raft.pb.h"
#include "server/raft/storage.h"

namespace raftlab::raft {

struct Unstable {
  std::optional<raftpb::Snapshot> snapshot;
  std::vector<Entry> entries;  // entries[i] has index offset + i
  uint64_t offset = 0;

  std::optional<uint64_t> MaybeFirstIndex() const;
  std::optional<uint64_t> MaybeLastIndex() const;
  std::optional<uint64_t> MaybeTerm(uint64_t i) const;
  void StableTo(uint64_t i, uint64_t t);
  void StableSnapTo(uint64_t i);
  void Restore(const raftpb::Snapshot& s);
  // Moves ents[0..n) in.
  void TruncateAndAppend(Entry* ents, size_t n);
  std::vector<Entry> Slice(uint64_t lo, uint64_t hi) const;
};

class RaftLog {
 public:
  RaftLog(Storage* storage, uint64_t max_next_ents_size);

  // Follower append: if entry (index, log_term) matches, appends ents (truncating a
  // conflicting suffix), advances commit to min(committed, last new) and returns the last
  // new index; nullopt when the consistency check fails.
  std::optional<uint64_t> MaybeAppend(uint64_t index, uint64_t log_term, uint64_t committed,
                                      std::vector<Entry> ents);
  // Appends at the end (leader path), moving the entries in; returns the new last index.
  uint64_t Append(Entry* ents, size_t n);
  // The first index among ents whose term differs from ours, or 0 if none.
  uint64_t FindConflict(const Entry* ents, size_t n) const;
  // For fast back-off: the largest index <= index whose term is <= term, with its term.
  std::pair<uint64_t, uint64_t> FindConflictByTerm(uint64_t index, uint64_t term) const;

  const std::vector<Entry>& UnstableEntries() const { return unstable_.entries; }
  // The last index up to which stable storage holds this log (0 while an unstable
  // snapshot replaces it): what this node has made durable, as reported through StableTo.
  uint64_t LastStableIndex() const { return unstable_.snapshot ? 0 : unstable_.offset - 1; }
  // Committed entries not yet applied, capped at max_next_ents_size bytes.
  std::vector<Entry> NextEntries() const;
  bool HasNextEntries() const;
  const std::optional<raftpb::Snapshot>& UnstableSnapshot() const { return unstable_.snapshot; }
  absl::StatusOr<raftpb::Snapshot> Snapshot() const;

  uint64_t FirstIndex() const;
  uint64_t LastIndex() const;
  uint64_t LastTerm() const;
  // Term of entry i; 0 for indexes outside [first - 1, last]; kCompacted/kUnavailable from
  // storage for holes.
  absl::StatusOr<uint64_t> Term(uint64_t i) const;
  uint64_t ZeroTermOnError(uint64_t i) const;
  bool MatchTerm(uint64_t i, uint64_t t) const;
  // Whether (last_index, term) is at least as up to date as our log (Raft §5.4.1).
  bool IsUpToDate(uint64_t last_index, uint64_t term) const;
  // Entries in [i, last], at most max_bytes.
  absl::StatusOr<std::vector<Entry>> EntriesFrom(uint64_t i, uint64_t max_bytes) const;
  absl::StatusOr<std::vector<Entry>> Slice(uint64_t lo, uint64_t hi, uint64_t max_bytes) const;

  void CommitTo(uint64_t to);
  // Leader commit rule: only an entry of the leader's current term commits by counting.
  bool MaybeCommit(uint64_t max_index, uint64_t term);
  void AppliedTo(uint64_t i);
  void StableTo(uint64_t i, uint64_t t) { unstable_.StableTo(i, t); }
  void StableSnapTo(uint64_t i) { unstable_.StableSnapTo(i); }
  void Restore(const raftpb::Snapshot& s);

  uint64_t committed() const { return committed_; }
  uint64_t applied() const { return applied_; }
  Storage* storage() const { return storage_; }

 private:
  Storage* storage_;
  Unstable unstable_;
  uint64_t committed_ = 0;
  uint64_t applied_ = 0;
  uint64_t max_next_ents_size_;
};

}  // namespace raftlab::raft
