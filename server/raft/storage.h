#pragma once
// Storage: the core's read-only view of the persisted log, hard state and snapshot.
// The engine writes to its own storage after persisting each Ready; the core only reads.
// MemoryStorage is the in-memory implementation used by tests, the simulator and bench.
//
// Log layout (etcd/raft's): index 0 of the entry array is a dummy entry carrying the
// index and term of the last compacted entry (the snapshot point), so Term() of the
// snapshot index still answers and the consistency check of the first real entry works.
//
// Threading: not thread-safe; the owner and the core must use it from one thread.

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "raft.pb.h"

namespace raftlab::raft {

using raftpb::ConfState;
using raftpb::Entry;
using raftpb::HardState;

struct InitialState {
  HardState hard_state;
  ConfState conf_state;
};

class Storage {
 public:
  virtual ~Storage() = default;
  // The persisted hard state and the membership as of the last snapshot / saved conf.
  virtual absl::StatusOr<InitialState> GetInitialState() const = 0;
  // Entries in [lo, hi), at most max_bytes in total but always at least one entry.
  // kCompacted when lo precedes FirstIndex(), kUnavailable when hi > LastIndex() + 1.
  virtual absl::StatusOr<std::vector<Entry>> Entries(uint64_t lo, uint64_t hi,
                                                     uint64_t max_bytes) const = 0;
  // Term of entry i, for i in [FirstIndex() - 1, LastIndex()].
  virtual absl::StatusOr<uint64_t> Term(uint64_t i) const = 0;
  // Index of the first entry still available (snapshot index + 1).
  virtual absl::StatusOr<uint64_t> FirstIndex() const = 0;
  virtual absl::StatusOr<uint64_t> LastIndex() const = 0;
  // The most recent snapshot; kSnapshotTemporarilyUnavailable when it is being built.
  virtual absl::StatusOr<raftpb::Snapshot> GetSnapshot() const = 0;
};

class MemoryStorage final : public Storage {
 public:
  MemoryStorage();

  absl::StatusOr<InitialState> GetInitialState() const override;
  absl::StatusOr<std::vector<Entry>> Entries(uint64_t lo, uint64_t hi,
                                             uint64_t max_bytes) const override;
  absl::StatusOr<uint64_t> Term(uint64_t i) const override;
  absl::StatusOr<uint64_t> FirstIndex() const override;
  absl::StatusOr<uint64_t> LastIndex() const override;
  absl::StatusOr<raftpb::Snapshot> GetSnapshot() const override;

  void SetHardState(const HardState& hs) { hard_state_ = hs; }
  // Replaces the whole log with the snapshot; kSnapshotOutOfDate if older than the current.
  absl::Status ApplySnapshot(const raftpb::Snapshot& snap);
  // Builds a snapshot at index i (<= last index, >= current snapshot index) with the given
  // membership and state-machine image; the log itself is untouched (see Compact).
  absl::StatusOr<raftpb::Snapshot> CreateSnapshot(uint64_t i, const ConfState* cs,
                                                  std::string data);
  // Discards entries before compact_index; kCompacted if already gone, error if beyond last.
  absl::Status Compact(uint64_t compact_index);
  // Appends entries, truncating any conflicting suffix; entries must be contiguous and
  // must not leave a gap after the last index.
  absl::Status Append(const std::vector<Entry>& entries);
  // The same, moving the entries in (the Ready path: its entries are not needed after).
  absl::Status Append(std::vector<Entry>&& entries);

  const HardState& hard_state() const { return hard_state_; }

 private:
  uint64_t first_index() const { return ents_[0].index() + 1; }
  uint64_t last_index() const { return ents_[0].index() + ents_.size() - 1; }

  HardState hard_state_;
  raftpb::Snapshot snapshot_;
  // ents_[i] has index ents_[0].index() + i; ents_[0] is the dummy described above.
  std::vector<Entry> ents_;
};

// Byte size of an entry as counted against max_size_per_msg and friends.
inline uint64_t EntrySize(const Entry& e) { return e.data().size() + 16; }

// Truncates ents so its total size fits max_bytes, keeping at least one entry.
void LimitSize(std::vector<Entry>& ents, uint64_t max_bytes);

}  // namespace raftlab::raft
