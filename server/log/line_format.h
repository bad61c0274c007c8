#pragma once
// The text of one log line, as pure functions (the logger adds the clocks it samples):
//
//   2026-11-30T21:43:34.123456Z mono=12.345678 level=info node=2 event=leader_changed group=1 term=5 leader=3
//
// - the wall time (UTC, microseconds) orders lines against the harness's history and
//   other machines; `mono` (CLOCK_MONOTONIC seconds, shared by every process on the host)
//   orders lines of several nodes on one host even when the wall clock steps;
// - `node` is omitted while the process does not know its node id (tools, early start-up);
// - then `event=<name>` and the event's fields, `key=value` separated by one space.
//
// Keys and event names are identifiers chosen in code and written as they are. A value is
// written bare unless it is empty or holds a space, '"', '=', '\' or a control byte; then
// it is quoted, with '"' and '\' backslash-escaped, \n \r \t spelt so, and other control
// bytes as \xNN, so one event is always one line and `key="a b"` splits unambiguously.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "server/log/level.h"

namespace raftlab::log {

// Appends `value`, quoted and escaped when needed (see above).
void AppendValue(std::string* out, std::string_view value);

// Appends " key=value" (value escaped as above).
void AppendField(std::string* out, std::string_view key, std::string_view value);

// "<wall> mono=<s.us> level=<level>[ node=<id>] ": everything before `event=`.
std::string FormatPrefix(std::chrono::system_clock::time_point wall, std::chrono::nanoseconds mono,
                         Level level, uint64_t node_id);

}  // namespace raftlab::log
