// Crash points: named moments at which a test can make the process die, etcd-robustness
// style (gofail's "panic" action), because a random SIGKILL rarely lands between, say, the
// WAL fsync and the send that follows it.
#ifndef RAFTLAB_FAULTS_CRASH_POINT_H_
#define RAFTLAB_FAULTS_CRASH_POINT_H_

#include "faults/points.h"

namespace raftlab::faults {

// Exit status of a deliberate crash at a crash point, so the harness can tell it from an
// I/O fail-stop (75) and from a bug (a signal).
inline constexpr int kCrashPointExitCode = 86;

// When `point` is enabled and fires: writes "raftlab: crash point <name>" to stderr in one
// write(2) and calls _exit(kCrashPointExitCode) -- no flush, no destructors, as a power cut
// or a kill at that instant would leave the process.
void CrashAt(const FaultPoint& point);

// Crashes at once, as CrashAt does when point fires; for callers that checked the point
// themselves (to do part of the work first, as a torn write).
[[noreturn]] void CrashNow(const FaultPoint& point);

}  // namespace raftlab::faults

#endif  // RAFTLAB_FAULTS_CRASH_POINT_H_
