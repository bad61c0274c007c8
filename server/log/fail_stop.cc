#include "server/log/fail_stop.h"

#include <unistd.h>

#include <cstdlib>

#include "server/log/log.h"

namespace raftlab::log {

void FailStop(StopCause cause, std::string_view component, std::string_view what, std::string_view detail) {
  const bool io = cause == StopCause::kIoError;
  {
    // Not through RAFTLAB_LOG: critical is above every selectable level, so always written.
    Line line(Level::kCritical, "fail_stop");
    line.Kv("cause", io ? "io_error" : "invariant").Kv("component", component).Kv("what", what).Kv("detail", detail);
    if (io) line.Kv("exit", kFailStopExitCode);
  }
  Flush();
  if (io) ::_exit(kFailStopExitCode);
  std::abort();
}

}  // namespace raftlab::log
