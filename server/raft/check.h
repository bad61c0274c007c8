#pragma once
// RAFT_CHECK: invariant violations inside the core abort loudly with file:line, never
// continue with a corrupt log (LevelDB/etcd style). Bad external input is a Status instead.

#include <cstdio>
#include <cstdlib>

#define RAFT_CHECK(cond, ...)                                                  \
  do {                                                                         \
    if (!(cond)) {                                                             \
      std::fprintf(stderr, "%s:%d: raft invariant violated: %s: ", __FILE__,   \
                   __LINE__, #cond);                                           \
      std::fprintf(stderr, __VA_ARGS__);                                       \
      std::fprintf(stderr, "\n");                                              \
      std::abort();                                                            \
    }                                                                          \
  } while (0)
