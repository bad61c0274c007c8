#pragma once
// DurableLog: one Raft group's log made durable. It writes the group's records to the
// node's shared WAL (storage::NodeWal, which batches the fsyncs of all groups), owns the
// group's snapshot directory and keeps the raft::MemoryStorage that the core reads in step
// with them.
//
// Layout: the node log where DurableLogOptions::node_wal keeps it (or, without one, a node
// log of this group alone in `dir`/wal/; format: server/storage/node_wal.cc) and `dir`/snap/
// (snapshot files, newest kept). Open recovers: the newest snapshot named by the group's
// last snapshot marker in the log, then the hard state and the entries after it.
//
// Durability order, which recovery relies on: a snapshot file is fsynced before the WAL
// marker that names it; entries and hard state of a Ready are fsynced before its messages
// are sent. An I/O error on these paths fail-stops the process (see storage::NodeWal).
//
// Commit-only Readys (no entries, term and vote unchanged) are not written: the commit
// index is relearned from the leader after a restart. The WAL's last hard state may so
// trail the commit index the node acted on, which is harmless until a snapshot: the core
// refuses a recovered commit below the snapshot index. So every snapshot marker, local or
// installed, is written together with the latest hard state, its commit raised to at least
// the snapshot index (storage::NodeWal::SaveSnapshot), and restart works in every role.
//
// Threads: owned and called by the group's Ready-loop thread only.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "raft.pb.h"
#include "server/raft/raw_node.h"
#include "server/raft/storage.h"
#include "server/storage/node_wal.h"

namespace raftlab::engine {

struct DurableLogOptions {
  std::string dir;  // the group's snapshot files (and its own WAL when node_wal is null)
  uint64_t group_id = 1;
  // The node's shared log, opened before any group's (it recovers them all in one scan) and
  // outliving them. Null: the group gets a node log of its own under dir (tests, tools).
  storage::NodeWal* node_wal = nullptr;
  uint64_t wal_segment_bytes = 64ull << 20;  // for a WAL of the group's own
  // WAL segments kept behind the latest snapshot, and snapshot files kept.
  int keep_wal_segments = 2;
  int keep_snapshots = 2;
  // Entries kept in memory behind a local snapshot, so slightly slow followers catch up
  // from the log rather than by snapshot.
  uint64_t compaction_lag = 1000;
};

class DurableLog {
 public:
  static absl::StatusOr<std::unique_ptr<DurableLog>> Open(const DurableLogOptions& options);

  raft::MemoryStorage& storage() { return storage_; }
  // The snapshot recovered at open (index 0 when none), with its image.
  const raftpb::Snapshot& recovered_snapshot() const { return recovered_snapshot_; }
  // The group's log as recovered, and the WAL tail dropped at open with what was wrong.
  const storage::WalRecovery& recovery_report() const { return recovery_; }
  uint64_t snapshot_index() const { return snapshot_index_; }

  // Persists a Ready's snapshot (from the leader), entries and hard state, fsynced, and
  // mirrors them into storage(). Call before sending the Ready's messages.
  absl::Status Persist(const raft::Ready& ready);
  // Persist in two halves, so that the Readys of several groups share one WAL write
  // (NodeWal::AppendGroups): BeginPersist writes a snapshot from the leader, if any, and
  // returns the records the WAL must still append (none when only the commit moved);
  // once they are durable, EndPersist mirrors the Ready into storage().
  absl::StatusOr<std::optional<storage::GroupAppend>> BeginPersist(const raft::Ready& ready);
  absl::Status EndPersist(const raft::Ready& ready);
  storage::NodeWal* wal() const { return wal_; }

  // Records a snapshot of the local state machine at `index`, then compacts the in-memory
  // log and purges WAL segments and snapshot files behind it.
  absl::Status SaveLocalSnapshot(uint64_t index, const raftpb::ConfState& conf_state,
                                 std::string image);

  // Where snapshot files go. Another thread may write a local snapshot's file there while
  // the Ready loop goes on (storage::SnapshotWriter), then hand it to RecordLocalSnapshot.
  const std::string& snap_dir() const { return snap_dir_; }
  // SaveLocalSnapshot for a snapshot whose file (named by `written`) is already durable in
  // snap_dir(): writes its WAL marker, then compacts and purges. A snapshot at or below
  // snapshot_index() (e.g. one installed from the leader meanwhile) is ignored.
  absl::Status RecordLocalSnapshot(const raftpb::SnapshotMetadata& written, std::string image);

 private:
  explicit DurableLog(const DurableLogOptions& options) : options_(options) {}
  // Writes the snapshot file unless it is already written, then its WAL marker with
  // hard_state; mirrors the hard state written into storage().
  absl::Status WriteSnapshot(const raftpb::Snapshot& snapshot, const raftpb::HardState& hard_state,
                             bool file_written = false);
  absl::Status CommitLocalSnapshot(uint64_t index, const raftpb::ConfState& conf_state,
                                   std::string image, const raftpb::SnapshotMetadata* written);

  DurableLogOptions options_;
  std::string snap_dir_;
  std::unique_ptr<storage::NodeWal> own_wal_;  // when options_.node_wal is null
  storage::NodeWal* wal_ = nullptr;
  raft::MemoryStorage storage_;
  raftpb::Snapshot recovered_snapshot_;
  storage::WalRecovery recovery_;
  uint64_t snapshot_index_ = 0;
};

}  // namespace raftlab::engine
