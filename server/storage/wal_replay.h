// Replaying WAL records into a group's log, as the recovery of the node log (node_wal.cc)
// does it; and the file operations a repair needs. Internal to server/storage.
#ifndef RAFTLAB_SERVER_STORAGE_WAL_REPLAY_H_
#define RAFTLAB_SERVER_STORAGE_WAL_REPLAY_H_

#include <cstdint>
#include <string>
#include <algorithm>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "raft.pb.h"
#include "server/storage/wal_format.h"

namespace raftlab::storage {

// The log as recovery rebuilds it, record by record.
struct LogState {
  raftpb::HardState hard_state;
  raftpb::SnapshotMetadata snapshot;
  std::vector<raftpb::Entry> entries;
  uint64_t base_last = 0;  // last index when entries is empty (start of the oldest segment)

  uint64_t LastIndex() const { return entries.empty() ? base_last : entries.back().index(); }

  // Returns an error message, or "" when the record fits the log.
  std::string ApplyEntry(raftpb::Entry e) {
    if (e.index() <= snapshot.index()) {
      return "entry " + std::to_string(e.index()) + " is at or below snapshot index " +
             std::to_string(snapshot.index());
    }
    if (e.index() > LastIndex() + 1) {
      return "entry " + std::to_string(e.index()) + " leaves a gap after index " +
             std::to_string(LastIndex());
    }
    while (!entries.empty() && entries.back().index() >= e.index()) entries.pop_back();
    if (entries.empty()) base_last = e.index() - 1;
    entries.push_back(std::move(e));
    return "";
  }

  std::string ApplySnapshot(const raftpb::SnapshotMetadata& s) {
    if (s.index() < snapshot.index()) {
      return "snapshot marker " + std::to_string(s.index()) + " goes back from " +
             std::to_string(snapshot.index());
    }
    entries.erase(std::remove_if(entries.begin(), entries.end(),
                                 [&](const raftpb::Entry& e) { return e.index() <= s.index(); }),
                  entries.end());
    if (entries.empty()) base_last = std::max(base_last, s.index());
    snapshot = s;
    return "";
  }
};

// Applies one good record to the log; an error message, or "" when it fits.
std::string ApplyRecord(const WalRecord& r, LogState* log);

// Keeps bytes a repair removes beside the segment ("<path>.broken-<offset>"), fsynced, for
// a person to examine; returns the copy's path.
absl::StatusOr<std::string> KeepBrokenTail(const std::string& path, std::string_view bytes, uint64_t offset);

// Truncates path to size and fsyncs it.
absl::Status TruncateFile(const std::string& path, uint64_t size);

bool IsEmptyHardState(const raftpb::HardState& hs);

}  // namespace raftlab::storage

#endif  // RAFTLAB_SERVER_STORAGE_WAL_REPLAY_H_
