// The Raft write-ahead log of one group: hard state, entries and snapshot markers in
// CRC32C-framed records across numbered segment files. The on-disk format and what
// recovery does with a damaged tail are described at the top of wal.cc.
//
// Ownership and threads: a Wal owns its directory and the open descriptor of the last
// segment. One thread (the group's Ready loop) calls it; it is not thread-safe.
//
// Durability contract: when Append or SaveSnapshot returns, the records are fsynced. An
// I/O error on that path never returns: it calls log::FailStop (exit 75), because a log
// whose last write or fsync failed cannot be trusted and must be recovered from disk.
#ifndef RAFTLAB_SERVER_STORAGE_WAL_H_
#define RAFTLAB_SERVER_STORAGE_WAL_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "raft.pb.h"
#include "server/storage/wal_format.h"

namespace raftlab::storage {

struct WalOptions {
  // Directory holding this group's segments; nothing else should live in it.
  std::string dir;
  // Create dir (one level) if it does not exist; otherwise a missing dir is an error.
  bool create_if_missing = true;
  // A new segment starts once the current one reaches this size.
  uint64_t segment_bytes = 64ull << 20;
  // Also truncate damage that is followed by valid records (which Open otherwise refuses
  // with DataLoss), keeping the removed bytes beside the segment. For raftlab-dump --repair.
  bool repair = false;
};

// What Open found on disk.
struct WalRecovery {
  // Latest hard state written (empty if none).
  raftpb::HardState hard_state;
  // Latest snapshot marker (index 0 when none): the log before it is covered by a snapshot.
  raftpb::SnapshotMetadata snapshot;
  // The log after the snapshot: contiguous, entries[0].index() == snapshot.index() + 1.
  std::vector<raftpb::Entry> entries;
  // Set when the last hard state's commit was below the snapshot index and recovery raised
  // it (a write torn between a snapshot marker and its hard state): the commit as written.
  std::optional<uint64_t> commit_raised_from;
  // Bytes of torn tail removed from the last segment (or of damage, on repair), from where,
  // and why. Wal::Read reports what Open would remove without removing it.
  uint64_t dropped_bytes = 0;
  uint64_t dropped_offset = 0;
  std::string dropped_file;
  std::string dropped_reason;
  // On repair only: the valid records that followed the damage and were removed with it,
  // and the file that keeps the removed bytes.
  std::vector<WalRecord> removed_records;
  std::string broken_copy;
};

class Wal {
 public:
  // Format version written in every segment header; other versions are refused.
  static constexpr uint32_t kFormatVersion = kWalFormatVersion;

  // Opens (creating if needed) the WAL in options.dir and recovers it into *recovery. A torn
  // tail of the last segment (damage with no valid record after it) is truncated at the
  // last good record and reported in *recovery. Damage followed by valid records is a
  // DataLoss error naming the file and offset (unless options.repair); so are damage in an
  // earlier segment and a missing segment; another format version is FailedPrecondition.
  static absl::StatusOr<std::unique_ptr<Wal>> Open(const WalOptions& options,
                                                   WalRecovery* recovery);

  // Recovers the WAL in dir as Open would, changing nothing on disk (a torn tail is
  // reported, not truncated). For inspection tools.
  static absl::Status Read(const std::string& dir, WalRecovery* recovery);

  ~Wal();
  Wal(const Wal&) = delete;
  Wal& operator=(const Wal&) = delete;

  // Persists one Ready: entries (contiguous; the first may overwrite a suffix of the log
  // but not go below the snapshot) then the hard state unless it is empty, in one write
  // and one fsync. Returns InvalidArgument for entries that break the log's shape; I/O
  // errors fail-stop.
  absl::Status Append(const raftpb::HardState& hard_state,
                      std::span<const raftpb::Entry> entries);

  // Records that a snapshot file covering the log up to metadata.index() is durable: a
  // snapshot marker and then hard_state (the caller's latest) with its commit raised to at
  // least metadata.index(), in one write and one fsync, so the WAL never ends with a hard
  // state whose commit is below its snapshot. Must not go backwards.
  absl::Status SaveSnapshot(const raftpb::SnapshotMetadata& metadata,
                            const raftpb::HardState& hard_state);

  // Deletes the oldest segments whose entries are all covered by the latest snapshot
  // marker, leaving at least `keep` (>= 1) segments. Returns how many were deleted.
  absl::StatusOr<int> PurgeBehindSnapshot(int keep);

  // Index of the last entry in the log (the snapshot index if there are no entries after it).
  uint64_t last_index() const { return last_index_; }
  // The hard state most recently written (or recovered).
  const raftpb::HardState& hard_state() const { return hard_state_; }
  size_t segment_count() const { return segments_.size(); }
  const std::string& dir() const { return dir_; }

 private:
  struct Segment {
    uint64_t seq;
    uint64_t first_index;  // last_index + 1 when the segment was created
    std::string path;
  };

  Wal(const WalOptions& options, const WalRecovery& state);
  // Reads the segments into *recovery and *segments; with modify, also removes unfinished
  // segment files and truncates the tail as described in wal.cc.
  static absl::Status Recover(const WalOptions& options, bool modify, WalRecovery* recovery,
                              std::vector<Segment>* segments);

  // Writes records to the current segment and fsyncs, or fail-stops.
  void WriteAndSync(const std::string& records);
  // Starts segment seq+1, or fail-stops.
  void Roll();
  absl::Status CreateSegment(uint64_t seq, uint64_t first_index);

  std::string dir_;
  uint64_t segment_bytes_;
  std::vector<Segment> segments_;  // ordered by seq; the last is open for appends
  int fd_ = -1;                    // the last segment
  uint64_t segment_size_ = 0;      // bytes in the last segment
  uint64_t last_index_ = 0;
  raftpb::HardState hard_state_;
  raftpb::SnapshotMetadata snapshot_;
};

}  // namespace raftlab::storage

#endif  // RAFTLAB_SERVER_STORAGE_WAL_H_
