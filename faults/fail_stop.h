// Fail-stop: the one way a component gives up when it can no longer trust its own state.
//
// A failed fsync or write leaves the kernel's page cache and the disk in an unknown
// relation; retrying as if nothing happened can acknowledge data that is gone. So the
// process logs one line and exits at once, and recovery on restart decides what survived.
#ifndef RAFTLAB_FAULTS_FAIL_STOP_H_
#define RAFTLAB_FAULTS_FAIL_STOP_H_

#include <string_view>

#include "faults/points.h"

namespace raftlab::faults {

// Exit status of a deliberate crash at a named crash point (CrashAt), so the harness can
// tell it from a fail-stop (75) and from a bug.
inline constexpr int kCrashPointExitCode = 86;

// When `point` is enabled and fires: writes "raftlab: crash point <name>" to stderr and
// calls _exit(kCrashPointExitCode), as a power cut or kill at that instant would.
void CrashAt(const FaultPoint& point);

// Exit status of a storage fail-stop (EX_TEMPFAIL): distinct from crashes (signals),
// usage errors (2) and ordinary failures (1), so the harness can tell a deliberate stop
// after an I/O error from a bug.
inline constexpr int kStorageFailStopExitCode = 75;

// Writes "raftlab: fail-stop: <component>: <what>: <detail>" to stderr in one write(2)
// and calls _exit(kStorageFailStopExitCode): no destructors or atexit handlers run, so
// nothing else touches the untrusted files. Safe to call from any thread.
[[noreturn]] void FailStop(std::string_view component, std::string_view what,
                           std::string_view detail);

}  // namespace raftlab::faults

#endif  // RAFTLAB_FAULTS_FAIL_STOP_H_
