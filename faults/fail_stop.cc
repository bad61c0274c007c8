#include "faults/fail_stop.h"

#include <unistd.h>

#include <string>

namespace raftlab::faults {

void FailStop(std::string_view component, std::string_view what, std::string_view detail) {
  std::string line = "raftlab: fail-stop: ";
  line.append(component).append(": ").append(what).append(": ").append(detail).append("\n");
  // One write(2), no stdio buffering: the line must reach stderr before _exit.
  [[maybe_unused]] ssize_t n = ::write(STDERR_FILENO, line.data(), line.size());
  ::_exit(kStorageFailStopExitCode);
}

void CrashAt(const FaultPoint& point) {
  if (!ShouldFail(point)) return;
  std::string line = "raftlab: crash point ";
  line.append(point.name).append("\n");
  [[maybe_unused]] ssize_t n = ::write(STDERR_FILENO, line.data(), line.size());
  ::_exit(kCrashPointExitCode);
}

}  // namespace raftlab::faults
