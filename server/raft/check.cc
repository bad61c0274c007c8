#include "server/raft/check.h"

#include <cstdarg>
#include <cstdio>
#include <cstdlib>

namespace raftlab::raft {
namespace {

std::atomic<InvariantHandler> g_handler{nullptr};
char g_last_violation[1024] = "";

}  // namespace

InvariantHandler SetInvariantHandler(InvariantHandler handler) { return g_handler.exchange(handler); }

const char* LastInvariantViolation() { return g_last_violation; }

void InvariantViolated(const char* file, int line, const char* condition, const char* format, ...) {
  int n = std::snprintf(g_last_violation, sizeof(g_last_violation), "%s:%d: %s: ", file, line, condition);
  if (n >= 0 && static_cast<size_t>(n) < sizeof(g_last_violation)) {
    va_list args;
    va_start(args, format);
    std::vsnprintf(g_last_violation + n, sizeof(g_last_violation) - static_cast<size_t>(n), format, args);
    va_end(args);
  }
  if (InvariantHandler h = g_handler.load()) h(g_last_violation);
  std::abort();
}

}  // namespace raftlab::raft
