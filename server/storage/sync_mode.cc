#include "server/storage/sync_mode.h"

#include <cstdlib>
#include <strings.h>

namespace raftlab::storage {

std::string_view SyncModeName(SyncMode mode) {
  return mode == SyncMode::kSync ? "sync" : "nosync";
}

SyncModeChoice ParseSyncMode(std::string_view value, std::string_view source) {
  auto equals = [&](const char* want) {
    const std::string v(value);
    return ::strcasecmp(v.c_str(), want) == 0;
  };
  if (equals("sync")) return {SyncMode::kSync, ""};
  if (equals("nosync")) return {SyncMode::kNoSync, ""};
  std::string warning(source);
  warning.append(value.empty() ? ": empty value" : ": unknown value '" + std::string(value) + "'");
  warning.append(" (want sync or nosync); using sync");
  return {SyncMode::kSync, warning};
}

SyncModeChoice ResolveSyncMode(const std::optional<std::string>& flag_value) {
  if (flag_value) return ParseSyncMode(*flag_value, kSyncModeFlag);
  if (const char* env = std::getenv(kSyncModeEnv)) return ParseSyncMode(env, kSyncModeEnv);
  return {SyncMode::kSync, ""};
}

}  // namespace raftlab::storage
