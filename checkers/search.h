// Wing & Gong's linearizability search with Lowe's memoisation, for one key of a
// read/write/cas register (Porcupine's algorithm, in our own code):
//  - ops are lifted from a doubly linked list of call/return entries; a return reached
//    before its op was linearized means backtrack;
//  - a cache of (linearized-op bitset, register value) seen before prunes repeats; the
//    bitset is hashed incrementally (Zobrist) and compared in full on a hash match;
//  - time, memory and an external cancel flag are checked inside the loop, so the
//    answer is `unknown`, never a hang.
// `info` producers (writes, cas) are pruned before the search: one whose value no kept
// op observes is dropped (it may never have happened and nothing needs it); one that is
// the only producer of a value an op that must take effect observes, must itself have
// taken effect before that observer returned, so it becomes required with that return
// time instead of +infinity. Other info ops stay optional: never required for
// success, placed only where they change the state and only right before an op that
// observes the value they produce. Not thread-safe per call; separate calls may run
// concurrently.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <string>

#include "checkers/register_ops.h"

namespace raftlab::checkers {

enum class Verdict { kValid, kInvalid, kUnknown };
const char* VerdictName(Verdict v);

struct SearchLimits {
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  size_t max_cache_bytes = size_t{512} << 20;
  const std::atomic<bool>* cancel = nullptr;
};

struct SearchOutcome {
  Verdict verdict = Verdict::kUnknown;
  Counterexample cex;          // when kInvalid
  std::string unknown_reason;  // when kUnknown: "timeout", "memory limit", "cancelled"
  uint64_t states = 0;         // cache entries created
};

SearchOutcome SearchLinearizable(const KeyOps& key, const SearchLimits& limits);

}  // namespace raftlab::checkers
