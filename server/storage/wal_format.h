// The framing of WAL segment files, described at the top of node_wal.cc (the node's shared
// log, format version 2; version 1 was the per-group log of earlier releases, whose
// segments are refused by version): segment names and headers, CRC32C-framed records, and
// a reader that tells a record from damage. Shared by recovery and raftlab-dump, so both
// read a segment exactly the same way.
//
// Stateless functions; a WalSegmentReader belongs to one thread.
#ifndef RAFTLAB_SERVER_STORAGE_WAL_FORMAT_H_
#define RAFTLAB_SERVER_STORAGE_WAL_FORMAT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "raft.pb.h"

namespace raftlab::storage {

// Version 1: one group's log. Version 2: the node log, whose payloads start with the
// group id (u64 LE) and which adds the batch-end and group-base record types.
inline constexpr uint32_t kWalFormatVersion = 1;
inline constexpr uint32_t kNodeWalFormatVersion = 2;
inline constexpr size_t kWalHeaderSize = 16;
inline constexpr size_t kWalRecordHeaderSize = 9;

enum class WalRecordType : uint8_t {
  kEntry = 1,
  kHardState = 2,
  kSnapshot = 3,
  // Node log only: closes a batch (body: u64 LE count of the records before it in the batch).
  kBatchEnd = 4,
  // Node log only: the group's last log index when the segment began (body: u64 LE).
  kGroupBase = 5,
};
std::string_view WalRecordTypeName(WalRecordType type);

// "<seq>-<first>.wal", 16 lower-case hex digits each; nullopt for any other name.
std::string WalSegmentName(uint64_t seq, uint64_t first_index);
std::optional<std::pair<uint64_t, uint64_t>> ParseWalSegmentName(const std::string& name);

// "<seq>.wal", 16 lower-case hex digits: a node-log segment; nullopt for any other name.
std::string NodeWalSegmentName(uint64_t seq);
std::optional<uint64_t> ParseNodeWalSegmentName(const std::string& name);

// The 16-byte header every segment starts with.
std::string WalSegmentHeader(uint32_t version = kWalFormatVersion);
// DataLoss (FailedPrecondition for another format version) naming path.
absl::Status CheckWalSegmentHeader(const std::string& path, std::string_view data,
                                   uint32_t version = kWalFormatVersion);

void AppendWalRecord(WalRecordType type, const std::string& payload, std::string* out);
// A node-log record: the group id, then body.
void AppendNodeWalRecord(WalRecordType type, uint64_t group, std::string_view body, std::string* out);

// One decoded record of a segment.
struct WalRecord {
  uint64_t offset = 0;  // where its frame starts in the file
  uint64_t end = 0;     // where the next frame starts
  WalRecordType type = WalRecordType::kEntry;
  uint64_t group = 0;                 // node log only
  uint64_t value = 0;                 // kBatchEnd: record count; kGroupBase: last index
  raftpb::Entry entry;                // kEntry
  raftpb::HardState hard_state;       // kHardState
  raftpb::SnapshotMetadata snapshot;  // kSnapshot
};

// Bytes of a segment that hold no readable record: [offset, end).
struct WalDamage {
  uint64_t offset = 0;
  uint64_t end = 0;  // the offset of the next valid record, or the file size
  std::string reason;  // what is wrong with the frame at offset
  // A valid record starts at end: the damage does not reach the end of the file, so it is
  // not a torn write.
  bool valid_after = false;
  // The search for a later valid record ran out of budget before the end of the file, so
  // whether one exists is unknown (treated like valid_after: not provably torn).
  bool undecided = false;

  // Damage that only an unfinished last write can leave: it reaches the end of the file.
  bool torn_tail() const { return !valid_after && !undecided; }
};

// Reads the records of one segment (header already checked; its version says whether
// payloads carry a group id) in order. At a frame that is
// cut short, fails its CRC, has an unknown type or an unparsable payload, it reports a
// WalDamage, then resynchronises: it searches byte by byte for the next offset where a
// whole frame with a matching CRC and a parsable payload starts, and continues there.
class WalSegmentReader {
 public:
  // The search hashes at most this many payload bytes per damage; plenty for a real
  // segment, and it bounds the time spent on megabytes of garbage.
  static constexpr uint64_t kDefaultResyncBudget = 1ull << 30;

  explicit WalSegmentReader(std::string_view data, uint64_t resync_budget = kDefaultResyncBudget);

  enum class Item { kRecord, kDamage, kEnd };
  // Fills *record or *damage and says which; kEnd after the last byte.
  Item Next(WalRecord* record, WalDamage* damage);

 private:
  std::string_view data_;
  bool node_log_;
  uint64_t offset_ = kWalHeaderSize;
  uint64_t resync_budget_;
};

}  // namespace raftlab::storage

#endif  // RAFTLAB_SERVER_STORAGE_WAL_FORMAT_H_
