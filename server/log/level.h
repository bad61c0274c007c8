#pragma once
// Log levels and their names on the command line and in log lines.

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace raftlab::log {

// Ordered by severity. kCritical is not selectable: it is the fail-stop line, always written.
enum class Level : int { kTrace, kDebug, kInfo, kWarn, kError, kCritical };

// "trace", "debug", "info", "warn", "error", "critical": the `level=` field of a line.
std::string_view LevelName(Level level);

// Parses a --log-level / RAFTLAB_LOG_LEVEL value: trace, debug, info, warn or error.
// The error names the bad value and the accepted ones.
absl::StatusOr<Level> ParseLevel(std::string_view text);

struct LevelChoice {
  Level level = Level::kInfo;
  std::string warning;  // non-empty when the environment held a bad value
};

// The level a process runs at: the flag's value when given (already checked by the flag
// parser, so a bad one here is an error), else RAFTLAB_LOG_LEVEL (`env_value`, null when
// unset), else info. A bad environment value falls back to info with a warning naming it,
// as the other RAFTLAB_* variables do.
absl::StatusOr<LevelChoice> ResolveLevel(const std::optional<std::string>& flag_value,
                                         const char* env_value);

}  // namespace raftlab::log
