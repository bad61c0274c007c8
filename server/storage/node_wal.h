// The node's write-ahead log, shared by all its Raft groups: hard states, entries and
// snapshot markers of every group in one sequence of CRC32C-framed segment files, so that
// the Readys of several groups that are ready together cost one write and one fsync. The
// on-disk format and recovery are described at the top of node_wal.cc.
//
// Ownership and threads: a NodeWal owns its directory and the open descriptor of the last
// segment. Any thread may call it, but each group from one thread at a time (the group's
// Ready loop): Append and SaveSnapshot block until the group's records are durable. Group
// commit: the callers queue their records; the first in the queue writes every queued
// request in one write(2) and one fdatasync(2), then wakes their owners (LevelDB's writer
// queue). mu_ guards everything below it.
//
// Durability contract: when Append or SaveSnapshot returns, the records are fsynced. An
// I/O error on that path never returns: it calls log::FailStop (exit 75).
#ifndef RAFTLAB_SERVER_STORAGE_NODE_WAL_H_
#define RAFTLAB_SERVER_STORAGE_NODE_WAL_H_

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "raft.pb.h"
#include "server/storage/wal_format.h"

namespace raftlab::storage {

// One group's log as recovery found it in the node log.
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
  // The node log's tail cut (NodeWalRecovery's), which every group shares: bytes removed
  // from the last segment (or of damage, on repair), from where, and why. NodeWal::Read
  // reports what Open would remove without removing it.
  uint64_t dropped_bytes = 0;
  uint64_t dropped_offset = 0;
  std::string dropped_file;
  std::string dropped_reason;
};

struct NodeWalOptions {
  // Directory holding the node log's segments; nothing else should live in it.
  std::string dir;
  bool create_if_missing = true;
  // A new segment starts once the current one reaches this size.
  uint64_t segment_bytes = 64ull << 20;
  // Also truncate damage that is followed by valid records (raftlab-dump --repair).
  bool repair = false;
  // Bytes of each group's newest entries kept in memory. A new segment copies a group's
  // entries after its snapshot when they fit, so a group that writes little (and so
  // snapshots rarely) does not keep old segments from being purged.
  uint64_t carried_bytes_per_group = 1ull << 20;
  // Test seam: called by the writer of a batch just before it takes the queued requests.
  std::function<void()> before_batch;
};

// What Open found on disk: each group's log, and the cut
// made at the tail of the node log (reported to every group, which all share it).
struct NodeWalRecovery {
  std::map<uint64_t, WalRecovery> groups;
  uint64_t dropped_bytes = 0;
  uint64_t dropped_offset = 0;
  std::string dropped_file;
  std::string dropped_reason;
  std::vector<WalRecord> removed_records;  // on repair: valid records removed with the damage
  std::string broken_copy;
};

// One group's part of a write that several groups share (NodeWal::AppendGroups).
struct GroupAppend {
  uint64_t group = 0;
  raftpb::HardState hard_state;  // written unless empty
  std::span<const raftpb::Entry> entries;
};

class NodeWal {
 public:
  static constexpr uint32_t kFormatVersion = kNodeWalFormatVersion;

  // Opens (creating if needed) the log in options.dir and recovers every group's log into
  // *recovery. A torn tail (an unfinished batch, or damage with no valid record after it)
  // is truncated at the end of the last whole batch, for all groups alike. Damage followed
  // by valid records is a DataLoss error naming the file and offset (unless repair); so
  // are damage in an earlier segment and a missing segment.
  static absl::StatusOr<std::unique_ptr<NodeWal>> Open(const NodeWalOptions& options,
                                                       NodeWalRecovery* recovery);
  // Recovers as Open would, changing nothing on disk. For inspection tools.
  static absl::Status Read(const std::string& dir, NodeWalRecovery* recovery);

  ~NodeWal();
  NodeWal(const NodeWal&) = delete;
  NodeWal& operator=(const NodeWal&) = delete;

  // The group's log as recovered at open (empty for a group the log has not seen), with
  // the tail cut of the node log. Moves it out: call once per group.
  WalRecovery TakeRecovery(uint64_t group);

  // Appends the group's hard state (unless empty) and entries (contiguous, fitting its log;
  // an overlap truncates the log's tail). Blocks until the records are durable, sharing the
  // write and fsync with the requests of other groups queued at the same time. An I/O error
  // never returns: it fail-stops (a log whose last write failed cannot be trusted).
  absl::Status Append(uint64_t group, const raftpb::HardState& hard_state,
                      std::span<const raftpb::Entry> entries);
  // Append for several groups (each at most once) at once: their records go out in one
  // write and one fsync. Checks every group's records before it writes any; on an error
  // nothing was written.
  absl::Status AppendGroups(std::span<const GroupAppend> appends);
  // Records a snapshot marker (the log up to metadata.index() is covered by a snapshot file)
  // and the hard state, durably, as Append does.
  absl::Status SaveSnapshot(uint64_t group, const raftpb::SnapshotMetadata& metadata,
                            const raftpb::HardState& hard_state);

  // Deletes the oldest segments that no group needs any more: every group's records in
  // them are covered by its latest snapshot marker (the slowest group decides), leaving at
  // least `keep` (>= 1) segments. Returns how many were deleted.
  absl::StatusOr<int> PurgeBehindSnapshots(int keep);

  uint64_t last_index(uint64_t group) const;
  raftpb::HardState hard_state(uint64_t group) const;
  size_t segment_count() const;
  const std::string& dir() const { return dir_; }

  struct Stats {
    uint64_t requests = 0;  // Append and SaveSnapshot calls that wrote records
    uint64_t batches = 0;   // writes, each followed by one fdatasync
  };
  Stats stats() const;
  // Requests queued or being written now (for tests that line groups up in one batch).
  size_t queued_requests() const;

 private:
  // One group's log as far as it is durable.
  struct GroupLog {
    uint64_t last_index = 0;
    raftpb::HardState hard_state;
    raftpb::SnapshotMetadata snapshot;
    std::deque<raftpb::Entry> carried;  // newest entries, at most carried_bytes_per_group
    uint64_t carried_bytes = 0;
    bool busy = false;  // a request of this group is queued

    // Whether carried holds every entry after the snapshot.
    bool CarriesLiveLog() const {
      return carried.empty() ? last_index <= snapshot.index() : carried.front().index() <= snapshot.index() + 1;
    }
  };
  struct Segment {
    uint64_t seq;
    std::string path;
    // Per group: the last index of its log that this segment cannot restore, i.e. the
    // entries up to it live in older segments (the group's log base at the segment start).
    std::map<uint64_t, uint64_t> needs_older_up_to;
  };
  // A group's records waiting in the queue, and what they change once durable.
  struct Request {
    uint64_t group = 0;
    std::string records;
    size_t record_count = 0;
    const raftpb::HardState* hard_state = nullptr;  // when written
    std::span<const raftpb::Entry> entries;
    const raftpb::SnapshotMetadata* snapshot = nullptr;
    bool done = false;
    std::condition_variable cv;
  };

  explicit NodeWal(const NodeWalOptions& options);
  static absl::Status Recover(const NodeWalOptions& options, bool modify, NodeWalRecovery* recovery,
                              std::vector<Segment>* segments);
  void AdoptRecovery(const NodeWalRecovery& recovery);

  // Checks that the append fits the group's log; with mu_.
  absl::Status CheckAppend(const GroupAppend& append) const;
  // Queues the requests together and returns once they are durable (written by this
  // thread or another; a batch takes everything queued, so they land in the same one).
  void Commit(std::span<Request* const> requests);
  void Commit(Request* request) { Commit(std::span<Request* const>(&request, 1)); }
  // Writes the batch to fd and fdatasyncs it, or fail-stops; called without mu_. torn_at is
  // where the torn-write crash point cuts the batch.
  static void WriteAndSync(int fd, const std::string& path, const std::string& batch, size_t torn_at);
  void ApplyDurable(const Request& request);
  void Carry(GroupLog* log, std::span<const raftpb::Entry> entries) const;
  // Starts segment seq+1 holding every group's state, or fail-stops. Called with mu_.
  void Roll();
  absl::Status CreateSegment(uint64_t seq);

  const std::string dir_;
  const uint64_t segment_bytes_;
  const uint64_t carried_bytes_per_group_;
  const std::function<void()> before_batch_;

  mutable std::mutex mu_;
  std::map<uint64_t, GroupLog> groups_;
  std::map<uint64_t, WalRecovery> recovered_;
  WalRecovery tail_report_;  // the tail cut alone, for groups the log had not seen
  std::vector<Segment> segments_;  // ordered by seq; the last is open for appends
  std::deque<Request*> queue_;     // the front one writes the next batch
  int fd_ = -1;                    // the last segment
  uint64_t segment_size_ = 0;
  Stats stats_;
};

}  // namespace raftlab::storage

#endif  // RAFTLAB_SERVER_STORAGE_NODE_WAL_H_
