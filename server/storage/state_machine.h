// The replicated key-value state machine of one node, on RocksDB.
//
// Layout: one RocksDB database per node; one column family "group-<id>" per Raft group.
// In a group's column family, user key k is stored as "d" + k, and "m/applied" holds the
// group's applied index (u64 LE). Apply writes a batch's data and its applied index in
// one WriteBatch, so the two never disagree on disk; entries at or below the applied
// index are skipped, which makes replaying the Raft log after a crash idempotent.
//
// Sync mode (sync_mode.h): with kNoSync a batch is acknowledged before it is fsynced. A
// power loss can then roll a group back to an older applied index; the engine replays the
// WAL from there. If the WAL was purged past that index, the engine must install the
// newest snapshot file first (AppliedIndex tells it which case it is in).
//
// Threads: the database handle is thread-safe. Each group's Apply, InstallSnapshot and
// CreateSnapshot and PinImage are called by that group's engine thread only; Get, Scan and
// AppliedIndex may be called from any thread, and so may a pinned GroupImage's Stream.
// AddGroup may be called from any thread.
#ifndef RAFTLAB_SERVER_STORAGE_STATE_MACHINE_H_
#define RAFTLAB_SERVER_STORAGE_STATE_MACHINE_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "raft.pb.h"
#include "server/storage/kv_command.h"
#include "server/storage/sync_mode.h"

namespace rocksdb {
class ColumnFamilyHandle;
class DB;
class Snapshot;
class WriteBatch;
}  // namespace rocksdb

namespace raftlab::storage {

// The value of a compared key when its command was applied.
struct CompareResult {
  bool found = false;
  std::string value;
  bool operator==(const CompareResult&) const = default;
};

// What applying one entry did, for the engine to answer the client that proposed it.
struct ApplyResult {
  enum class Outcome {
    kApplied,   // a KV command ran; see succeeded and compares
    kSkipped,   // at or below the applied index: already applied before
    kNoop,      // empty or configuration entry: only the applied index moved
    kRejected,  // data is not a valid KV command; nothing but the applied index changed
    kAborted,   // an op could not apply (append to a non-list, list too large): nothing of
                // the command applied, only the applied index moved
  };
  uint64_t index = 0;
  Outcome outcome = Outcome::kNoop;
  bool succeeded = false;                // kApplied: every compare held
  std::vector<CompareResult> compares;   // kApplied: one per compare, in order
  std::vector<CompareResult> reads;      // kApplied: one per read op of the branch that ran
  std::string error;                     // kRejected, kAborted: why
  bool operator==(const ApplyResult&) const = default;
};

// One group's part of an apply that several groups share (StateMachine::ApplyGroups).
struct GroupEntries {
  uint64_t group = 0;
  std::span<const raftpb::Entry> entries;
};

struct StateMachineOptions {
  // The node's database directory.
  std::string path;
  SyncMode sync_mode = SyncMode::kSync;
  bool create_if_missing = true;
  // Opens an existing database for inspection (raftlab-dump), also while a server runs:
  // reads work, writes fail, nothing is created. create_if_missing is ignored.
  bool read_only = false;
  // Memtable bytes of all groups together before the oldest is flushed. Each group is a
  // column family with its own memtables (64 MiB, two of them, by RocksDB's defaults): with
  // no shared budget a node of 256 groups could hold 32 GiB of them.
  uint64_t memtable_budget_bytes = 256ull << 20;
};

// A point-in-time view of one group's state (StateMachine::PinImage). Stream may be called
// from any thread, once.
class GroupImage {
 public:
  ~GroupImage();
  GroupImage(const GroupImage&) = delete;
  GroupImage& operator=(const GroupImage&) = delete;

  // The applied index the view reflects.
  uint64_t applied_index() const { return applied_; }
  // Streams the image to sink in chunks of about chunk_bytes; stops at sink's first error.
  absl::Status Stream(const std::function<absl::Status(std::string_view)>& sink,
                      size_t chunk_bytes = 1u << 20) const;

 private:
  friend class StateMachine;
  GroupImage(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* handle, const rocksdb::Snapshot* snap,
             std::string where)
      : db_(db), handle_(handle), snap_(snap), where_(std::move(where)) {}

  rocksdb::DB* db_;
  rocksdb::ColumnFamilyHandle* handle_;
  const rocksdb::Snapshot* snap_;
  std::string where_;  // "<path>: group <id>", for errors
  uint64_t applied_ = 0;
};

class StateMachine {
 public:
  static absl::StatusOr<std::unique_ptr<StateMachine>> Open(const StateMachineOptions& options);
  ~StateMachine();
  StateMachine(const StateMachine&) = delete;
  StateMachine& operator=(const StateMachine&) = delete;

  // Creates the group's column family if it does not exist yet.
  absl::Status AddGroup(uint64_t group);
  std::vector<uint64_t> Groups() const;

  // Applies committed entries in log order. Entries must be contiguous; those at or
  // below the applied index are skipped. Data and the new applied index are written in one
  // WriteBatch (fsynced in kSync mode). On error nothing was written.
  absl::StatusOr<std::vector<ApplyResult>> Apply(uint64_t group,
                                                 std::span<const raftpb::Entry> entries);
  // Apply for several groups (each at most once) in one WriteBatch: one write, and one
  // fsync in kSync mode, for all of them. Results in the order of `groups`.
  absl::StatusOr<std::vector<std::vector<ApplyResult>>> ApplyGroups(std::span<const GroupEntries> groups);

  absl::StatusOr<uint64_t> AppliedIndex(uint64_t group) const;
  // Bytes held in the memtables of all groups (RocksDB's cur-size-all-mem-tables).
  uint64_t MemtableBytes() const;

  // Point read of the group's latest applied state.
  absl::StatusOr<std::optional<std::string>> Get(uint64_t group, std::string_view key) const;
  // Point reads of several keys from one consistent snapshot (nullopt: absent).
  absl::StatusOr<std::vector<std::optional<std::string>>> MultiGet(uint64_t group,
                                                                   const std::vector<std::string>& keys) const;
  // Keys in [start, end) in order (end "" = no upper bound), at most limit (0 = no limit).
  absl::StatusOr<std::vector<std::pair<std::string, std::string>>> Scan(
      uint64_t group, std::string_view start, std::string_view end, size_t limit = 0) const;

  // Streams a consistent image of the group to sink in chunks of about chunk_bytes and
  // returns the applied index it reflects. Image format: see state_machine.cc.
  absl::StatusOr<uint64_t> CreateSnapshot(uint64_t group,
                                          const std::function<absl::Status(std::string_view)>& sink,
                                          size_t chunk_bytes = 1u << 20);
  // Pins the group's state as of now (a RocksDB snapshot: cheap, no copy), so its image can
  // be streamed later from another thread while Apply goes on. The view must be destroyed
  // before the StateMachine.
  absl::StatusOr<std::unique_ptr<GroupImage>> PinImage(uint64_t group);
  // Replaces the group's data and applied index with an image from CreateSnapshot, in one
  // fsynced WriteBatch. Refuses an image older than the current applied index.
  absl::Status InstallSnapshot(uint64_t group, std::string_view image);

  // Makes every acknowledged write durable (fsyncs RocksDB's log); a no-op cost in kSync.
  absl::Status Sync();
  // A consistent copy of the whole database in dir, which must not exist yet (RocksDB
  // checkpoint: hard links where possible). For backups and crash tests.
  absl::Status Checkpoint(const std::string& dir);

  SyncMode sync_mode() const { return sync_mode_; }
  const std::string& path() const { return path_; }

 private:
  struct Group {
    rocksdb::ColumnFamilyHandle* handle = nullptr;
    std::atomic<uint64_t> applied{0};
  };

  StateMachine(std::string path, SyncMode mode);
  absl::StatusOr<Group*> Find(uint64_t group) const;
  absl::Status ReadApplied(Group* g);
  // Adds the group's entries to batch (data and, when it moved, the applied index) and
  // sets *applied to the index they reach; writes nothing.
  absl::StatusOr<std::vector<ApplyResult>> Stage(uint64_t group, Group* g, std::span<const raftpb::Entry> entries,
                                                 rocksdb::WriteBatch* batch, uint64_t* applied);

  std::string path_;
  SyncMode sync_mode_;
  std::unique_ptr<rocksdb::DB> db_;
  mutable std::mutex mu_;                         // guards groups_ (the map, not the Groups)
  std::map<uint64_t, std::unique_ptr<Group>> groups_;
};

}  // namespace raftlab::storage

#endif  // RAFTLAB_SERVER_STORAGE_STATE_MACHINE_H_
