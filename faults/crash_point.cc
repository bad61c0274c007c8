#include "faults/crash_point.h"

#include <unistd.h>

#include <string>

namespace raftlab::faults {

namespace {

[[noreturn]] void Crash(const FaultPoint& point) {
  std::string line = "raftlab: crash point ";
  line.append(point.name).append("\n");
  [[maybe_unused]] ssize_t n = ::write(STDERR_FILENO, line.data(), line.size());
  ::_exit(kCrashPointExitCode);
}

}  // namespace

void CrashNow(const FaultPoint& point) { Crash(point); }

void CrashAt(const FaultPoint& point) {
  if (ShouldFail(point)) Crash(point);
}

}  // namespace raftlab::faults
