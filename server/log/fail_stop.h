#pragma once
// Fail-stop: the one way the server gives up when it can no longer trust its own state.
//
// Every give-up path (the WAL's write/fsync errors, state-machine failures, the Raft
// core's invariant checks through raft::SetInvariantHandler, misuse of the metrics
// registry) ends here, so each leaves the same trace: one `level=critical
// event=fail_stop` line in the node's log, flushed before the process ends.
//
// How it ends depends on why:
// - kIoError: the disk or the state machine failed (EIO, ENOSPC, a RocksDB write error).
//   The page cache and the disk are in an unknown relation, and retrying could acknowledge
//   data that is gone, so the process stops at once with _exit(kFailStopExitCode): no
//   destructors or atexit handlers run, so nothing else touches the untrusted files. The
//   program is not at fault; restart recovery decides what survived. The distinct code
//   tells the harness "deliberate stop after an I/O error", not a crash.
// - kInvariant: the program broke its own invariant (a bug). It aborts (SIGABRT), which
//   leaves a core dump with the stack that led there and shows as a crash, never as a
//   clean I/O stop, so a bug is not mistaken for a disk fault.

#include <string_view>

namespace raftlab::log {

// Exit status of an I/O fail-stop (EX_TEMPFAIL): distinct from crashes (signals), usage
// errors (2) and start-up failures (1).
inline constexpr int kFailStopExitCode = 75;

enum class StopCause { kIoError, kInvariant };

// Logs `event=fail_stop cause=io_error|invariant component=.. what=.. detail=..` at
// critical level (whatever the configured level), flushes, then _exit(kFailStopExitCode)
// for kIoError or abort() for kInvariant. Safe to call from any thread.
[[noreturn]] void FailStop(StopCause cause, std::string_view component, std::string_view what,
                           std::string_view detail);

}  // namespace raftlab::log
