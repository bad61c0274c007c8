#include "faults/crash_point.h"

#include <unistd.h>

#include <string>

namespace raftlab::faults {

void CrashAt(const FaultPoint& point) {
  if (!ShouldFail(point)) return;
  std::string line = "raftlab: crash point ";
  line.append(point.name).append("\n");
  [[maybe_unused]] ssize_t n = ::write(STDERR_FILENO, line.data(), line.size());
  ::_exit(kCrashPointExitCode);
}

}  // namespace raftlab::faults
