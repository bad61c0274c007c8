#include "server/log/level.h"

#include <array>

namespace raftlab::log {
namespace {

constexpr std::array<std::string_view, 6> kNames = {"trace", "debug", "info",
                                                    "warn",  "error", "critical"};

}  // namespace

std::string_view LevelName(Level level) { return kNames[static_cast<int>(level)]; }

absl::StatusOr<Level> ParseLevel(std::string_view text) {
  for (int i = 0; i <= static_cast<int>(Level::kError); ++i) {
    if (text == kNames[i]) return static_cast<Level>(i);
  }
  return absl::InvalidArgumentError("unknown log level '" + std::string(text) +
                                    "' (want trace, debug, info, warn or error)");
}

absl::StatusOr<LevelChoice> ResolveLevel(const std::optional<std::string>& flag_value,
                                         const char* env_value) {
  if (flag_value.has_value()) {
    auto level = ParseLevel(*flag_value);
    if (!level.ok()) {
      return absl::InvalidArgumentError("--log-level: " + std::string(level.status().message()));
    }
    return LevelChoice{*level, ""};
  }
  if (env_value == nullptr) return LevelChoice{};
  auto level = ParseLevel(env_value);
  if (!level.ok()) {
    return LevelChoice{Level::kInfo, "RAFTLAB_LOG_LEVEL: " + std::string(level.status().message()) +
                                         "; using info"};
  }
  return LevelChoice{*level, ""};
}

}  // namespace raftlab::log
