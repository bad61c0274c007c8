// Linked into the core's test and simulation binaries, which have no logger: prints a
// RAFT_CHECK violation to stderr before the core aborts, so a failing run says why.
#include <cstdio>

#include "server/raft/check.h"

namespace {

void Print(const char* text) { std::fprintf(stderr, "raft invariant violated: %s\n", text); }

const bool g_installed = (raftlab::raft::SetInvariantHandler(&Print), true);

}  // namespace
