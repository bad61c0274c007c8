#pragma once
// RAFT_CHECK: an invariant violation inside the core stops the process loudly with
// file:line, never continuing with a corrupt log (LevelDB/etcd style). Bad external input
// is a Status instead.
//
// The core does no I/O of its own, so a violation is handed to a handler the embedding
// process installs (the engine routes it to log::FailStop, tests print it). The text is
// also kept in LastInvariantViolation() so a core dump shows it even with no handler.
// Whatever the handler does, the process then aborts.

#include <atomic>

namespace raftlab::raft {

// Receives "file:line: condition: message". If it returns, the core aborts.
using InvariantHandler = void (*)(const char* text);

// Installs the handler (null = none) and returns the previous one. Thread-safe.
InvariantHandler SetInvariantHandler(InvariantHandler handler);

// The text of the violation being reported, "" before any.
const char* LastInvariantViolation();

[[noreturn]] void InvariantViolated(const char* file, int line, const char* condition, const char* format, ...)
    __attribute__((format(printf, 4, 5)));

}  // namespace raftlab::raft

#define RAFT_CHECK(cond, ...)                                                       \
  do {                                                                              \
    if (!(cond)) ::raftlab::raft::InvariantViolated(__FILE__, __LINE__, #cond, __VA_ARGS__); \
  } while (0)
