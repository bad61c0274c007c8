#pragma once
// The process's structured log: one line per event, with a level, both a wall and a
// monotonic timestamp, the node id, an event name and key=value fields (format in
// line_format.h). Written with spdlog to stderr, which the harness captures per node.
//
//   RAFTLAB_LOG(kInfo, "leader_changed").Kv("group", 1).Kv("term", 5).Kv("leader", 3);
//
// When the level is off the macro costs one relaxed atomic load: the fields are not
// evaluated. The line is written when the statement ends. Thread-safe: lines from
// several threads never interleave, and every line is flushed as it is written, so a
// process killed with SIGKILL loses none that it finished.

#include <atomic>
#include <concepts>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "server/log/level.h"

namespace spdlog::sinks {
class sink;
}

namespace raftlab::log {

struct Options {
  Level level = Level::kInfo;
  uint64_t node_id = 0;  // 0: unknown, the `node` field is left out
  // Where lines go; null = stderr. Tests pass an ostream or ring-buffer sink.
  std::shared_ptr<spdlog::sinks::sink> sink;
};

// Replaces the process's level, node id and sink. Before the first call lines go to
// stderr at level info without a node id. Meant for start-up (and tests).
void Configure(const Options& options);

void SetLevel(Level level);

namespace internal {
extern std::atomic<int> g_level;
}

inline bool Enabled(Level level) {
  return static_cast<int>(level) >= internal::g_level.load(std::memory_order_relaxed);
}

// Flushes the sink (the fail-stop path calls it before exiting).
void Flush();

// One line being built; written by the destructor. Use through RAFTLAB_LOG.
class Line {
 public:
  Line(Level level, std::string_view event);
  ~Line();
  Line(const Line&) = delete;
  Line& operator=(const Line&) = delete;

  Line& Kv(std::string_view key, std::string_view value);
  Line& Kv(std::string_view key, const char* value) { return Kv(key, std::string_view(value)); }
  Line& Kv(std::string_view key, const std::string& value) { return Kv(key, std::string_view(value)); }
  Line& Kv(std::string_view key, bool value) { return Raw(key, value ? "true" : "false"); }
  Line& Kv(std::string_view key, double value);
  template <std::integral T>
    requires(!std::same_as<T, bool> && !std::same_as<T, char>)
  Line& Kv(std::string_view key, T value) {
    return Raw(key, std::to_string(value));
  }
  // The status's message (quoted when needed) as `key`, and its code as `key_code`.
  Line& Kv(std::string_view key, const absl::Status& status);

 private:
  Line& Raw(std::string_view key, std::string_view value);

  const Level level_;
  std::string text_;
};

namespace internal {
// Lets the macro below be one expression whose two branches are void.
struct Voidify {
  void operator&(const Line&) {}
};
}  // namespace internal

}  // namespace raftlab::log

#define RAFTLAB_LOG(severity, event)                                     \
  !::raftlab::log::Enabled(::raftlab::log::Level::severity)             \
      ? (void)0                                                          \
      : ::raftlab::log::internal::Voidify() &                            \
            ::raftlab::log::Line(::raftlab::log::Level::severity, event)
