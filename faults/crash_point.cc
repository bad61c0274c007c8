#include "faults/crash_point.h"

#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

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

void CrashAfterSending(const FaultPoint& point, int linger_ms) {
  if (!ShouldFail(point)) return;
  std::this_thread::sleep_for(std::chrono::milliseconds(linger_ms));
  Crash(point);
}

}  // namespace raftlab::faults
