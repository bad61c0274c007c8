#include "server/engine/durable_log.h"

#include <filesystem>
#include <system_error>

#include "faults/bugs.h"
#include "server/storage/file_util.h"
#include "server/storage/snapshot_file.h"

namespace raftlab::engine {

absl::StatusOr<std::unique_ptr<DurableLog>> DurableLog::Open(const DurableLogOptions& options) {
  std::unique_ptr<DurableLog> log(new DurableLog(options));
  // New directories are fsynced into their parents: without it a power loss can take the
  // whole group directory, WAL included, while the state machine keeps its applied index.
  if (auto s = storage::CreateDirsDurably(options.dir); !s.ok()) return s;
  log->snap_dir_ = options.dir + "/snap";
  if (auto s = storage::CreateDirsDurably(log->snap_dir_); !s.ok()) return s;

  log->wal_ = options.node_wal;
  if (log->wal_ == nullptr) {
    storage::NodeWalOptions wal_options;
    wal_options.dir = options.dir + "/wal";
    wal_options.segment_bytes = options.wal_segment_bytes;
    storage::NodeWalRecovery recovered;
    auto wal = storage::NodeWal::Open(wal_options, &recovered);
    if (!wal.ok()) return wal.status();
    log->own_wal_ = std::move(*wal);
    log->wal_ = log->own_wal_.get();
  }
  log->recovery_ = log->wal_->TakeRecovery(options.group_id);
  const storage::WalRecovery& r = log->recovery_;

  if (r.snapshot.index() > 0) {
    const std::string path = log->snap_dir_ + "/" + storage::SnapshotFileName(r.snapshot);
    auto snap = storage::LoadSnapshotFile(path);
    if (!snap.ok()) {
      return absl::DataLossError("WAL names snapshot " + path + " but it cannot be loaded: " +
                                 std::string(snap.status().message()));
    }
    log->recovered_snapshot_ = std::move(*snap);
    if (auto s = log->storage_.ApplySnapshot(log->recovered_snapshot_); !s.ok()) return s;
    log->snapshot_index_ = r.snapshot.index();
  }
  log->storage_.SetHardState(r.hard_state);
  if (!r.entries.empty()) {
    if (auto s = log->storage_.Append(r.entries); !s.ok()) return s;
  }
  return log;
}

absl::Status DurableLog::WriteSnapshot(const raftpb::Snapshot& snapshot,
                                       const raftpb::HardState& hard_state, bool file_written) {
  if (!file_written) {
    auto path = storage::WriteSnapshotFile(snap_dir_, snapshot);
    if (!path.ok()) return path.status();
  }
  if (auto s = wal_->SaveSnapshot(options_.group_id, snapshot.metadata(), hard_state); !s.ok()) return s;
  storage_.SetHardState(wal_->hard_state(options_.group_id));
  return absl::OkStatus();
}

absl::Status DurableLog::Persist(const raft::Ready& ready) {
  auto append = BeginPersist(ready);
  if (!append.ok()) return append.status();
  if (append->has_value()) {
    if (auto s = wal_->Append((*append)->group, (*append)->hard_state, (*append)->entries); !s.ok()) return s;
  }
  return EndPersist(ready);
}

absl::StatusOr<std::optional<storage::GroupAppend>> DurableLog::BeginPersist(const raft::Ready& ready) {
  // Whether this Ready's hard state is already in the WAL (written with a snapshot marker).
  bool state_written = false;
  if (ready.snapshot.has_value() && ready.snapshot->metadata().index() > snapshot_index_) {
    const raftpb::HardState hs = ready.hard_state.value_or(storage_.hard_state());
    if (auto s = WriteSnapshot(*ready.snapshot, hs); !s.ok()) return s;
    if (auto s = storage_.ApplySnapshot(*ready.snapshot); !s.ok()) return s;
    snapshot_index_ = ready.snapshot->metadata().index();
    state_written = true;
  }
  // A Ready that only moves the commit index needs no fsync (Raft relearns commit from the
  // leader after a restart), so it is not written at all: one fsync less per commit.
  const bool write = !ready.entries.empty() || (ready.must_sync && !state_written);
  if (!write) return std::nullopt;
  storage::GroupAppend append{options_.group_id, ready.hard_state.value_or(raftpb::HardState()), ready.entries};
  if (faults::BugOn(faults::Bug::kVoteNotPersisted)) append.hard_state.set_vote(0);
  return append;
}

absl::Status DurableLog::EndPersist(const raft::Ready& ready) {
  if (!ready.entries.empty()) {
    if (auto s = storage_.Append(ready.entries); !s.ok()) return s;
  }
  if (ready.hard_state.has_value()) storage_.SetHardState(*ready.hard_state);
  return absl::OkStatus();
}

absl::Status DurableLog::SaveLocalSnapshot(uint64_t index, const raftpb::ConfState& conf_state,
                                           std::string image) {
  return CommitLocalSnapshot(index, conf_state, std::move(image), nullptr);
}

absl::Status DurableLog::RecordLocalSnapshot(const raftpb::SnapshotMetadata& written, std::string image) {
  return CommitLocalSnapshot(written.index(), written.conf_state(), std::move(image), &written);
}

absl::Status DurableLog::CommitLocalSnapshot(uint64_t index, const raftpb::ConfState& conf_state,
                                             std::string image, const raftpb::SnapshotMetadata* written) {
  if (index <= snapshot_index_) return absl::OkStatus();
  if (written != nullptr) {
    // Checked before storage_ changes: a refused snapshot leaves the log as it was.
    auto term = storage_.Term(index);
    if (!term.ok()) return term.status();
    if (*term != written->term()) {
      return absl::InternalError(snap_dir_ + ": snapshot file at index " + std::to_string(index) +
                                 " was written with term " + std::to_string(written->term()) +
                                 " but the log has term " + std::to_string(*term));
    }
  }
  auto snap = storage_.CreateSnapshot(index, &conf_state, std::move(image));
  if (!snap.ok()) return snap.status();
  // The in-memory hard state carries the latest commit (commit-only Readys are not written).
  if (auto s = WriteSnapshot(*snap, storage_.hard_state(), written != nullptr); !s.ok()) return s;
  snapshot_index_ = index;
  if (index > options_.compaction_lag) {
    const uint64_t compact_to = index - options_.compaction_lag;
    auto first = storage_.FirstIndex();
    if (first.ok() && compact_to > *first) {
      if (auto s = storage_.Compact(compact_to); !s.ok()) return s;
    }
  }
  if (auto purged = wal_->PurgeBehindSnapshots(options_.keep_wal_segments); !purged.ok()) {
    return purged.status();
  }
  if (auto purged = storage::PurgeSnapshotFiles(snap_dir_, options_.keep_snapshots); !purged.ok()) {
    return purged.status();
  }
  return absl::OkStatus();
}

}  // namespace raftlab::engine
