// Whether each state-machine write batch is fsynced (`sync`) or left to the OS (`nosync`).
//
// nosync is safe because the Raft WAL is fsynced and every batch carries the applied
// index: after a power loss the state machine is older than the log, and replaying the
// log from its applied index restores it. A plain process crash loses nothing either way.
// Chosen by --fsm-sync-mode, else RAFTLAB_FSM_SYNC_MODE, else sync.
#ifndef RAFTLAB_SERVER_STORAGE_SYNC_MODE_H_
#define RAFTLAB_SERVER_STORAGE_SYNC_MODE_H_

#include <optional>
#include <string>
#include <string_view>

namespace raftlab::storage {

enum class SyncMode { kSync, kNoSync };

inline constexpr char kSyncModeEnv[] = "RAFTLAB_FSM_SYNC_MODE";
inline constexpr char kSyncModeFlag[] = "--fsm-sync-mode";

std::string_view SyncModeName(SyncMode mode);

struct SyncModeChoice {
  SyncMode mode = SyncMode::kSync;
  // Non-empty when the value was empty or unknown and sync was chosen to be safe; names
  // the source and the value.
  std::string warning;
};

// Parses `sync` or `nosync`, case-insensitively. Anything else, including "", gives sync
// and a warning that names `source` and the value.
SyncModeChoice ParseSyncMode(std::string_view value, std::string_view source);

// The flag's value if given, else the environment variable's if set, else sync (no warning).
SyncModeChoice ResolveSyncMode(const std::optional<std::string>& flag_value);

}  // namespace raftlab::storage

#endif  // RAFTLAB_SERVER_STORAGE_SYNC_MODE_H_
