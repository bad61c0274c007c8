// raftlab-dump: prints a node's data directory for a person, as etcd-dump-logs does for
// etcd: the node log's segments and the damage found in them; per group, the snapshot
// files' metadata, every record of the group in the node log with its file and offset
// (hard states, entries decoded as KV commands or configuration changes, snapshot markers)
// and what recovery makes of the log; and the applied index the state machine holds. It
// can also repair a node log that recovery refuses (RepairDataDir).
//
// The layout it reads is the one the node and engine/durable_log.h write:
//   DIR/fsm/              RocksDB state machine, one column family per group (opened read-only)
//   DIR/wal/              the node log shared by all groups (format: node_wal.cc)
//   DIR/groups/<g>/snap/  snapshot files (format: snapshot_file.cc)
//
// Stateless; safe to run against the directory of a running server (it only reads), except
// RepairDataDir, which must not run while the node does.
#ifndef RAFTLAB_SERVER_STORAGE_DUMP_H_
#define RAFTLAB_SERVER_STORAGE_DUMP_H_

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>

namespace raftlab::storage {

struct DumpOptions {
  std::string data_dir;
  std::optional<uint64_t> group;  // only this group
  bool entries_only = false;      // only the WAL's entry records
  bool json = false;              // one JSON object per line instead of text
};

// Exit codes of raftlab-dump.
// Everything was read; a torn WAL tail (which the server truncates at start) is reported.
inline constexpr int kDumpOk = 0;
// Damage the server refuses to start with (or an unreadable snapshot or state machine);
// the error names the file and the offset.
inline constexpr int kDumpDamaged = 1;
// A usage error, or DIR is missing, not a directory, or not a raftlab data directory.
inline constexpr int kDumpBadInput = 2;

// Prints the data directory to out and problems to err; returns one of the exit codes.
int DumpDataDir(const DumpOptions& options, std::ostream& out, std::ostream& err);

// When the node log's last segment holds damage followed by valid records, prints the
// records that will be lost (of every group), keeps the removed bytes beside the segment
// ("<segment>.broken-<offset>") and truncates it at the end of the last whole batch before
// the damage, so the server can start. A torn tail is truncated as the server would; damage
// elsewhere is not repairable here. Returns kDumpOk when the log can now be opened.
int RepairDataDir(const DumpOptions& options, std::ostream& out, std::ostream& err);

}  // namespace raftlab::storage

#endif  // RAFTLAB_SERVER_STORAGE_DUMP_H_
