// Linearizability of register histories, key by key (P-compositionality: a history is
// linearizable iff each key's sub-history is). Per key, in order:
//   1. with unique written values, the cheap sound pre-checks (precheck.h): a violation
//      found here is final and comes with a 2-3 op witness;
//   2. `register` with unique writes: the exact zone test (zone.h);
//   3. otherwise the memoised search (search.h), bounded by the timeout and memory cap.
// Keys run in parallel on `threads` workers; the overall verdict is invalid if any key
// is, else unknown if any key is, else valid.
#pragma once

#include <atomic>
#include <string>
#include <vector>

#include "checkers/history.h"
#include "checkers/register_ops.h"
#include "checkers/search.h"
#include "checkers/validate.h"

namespace raftlab::checkers {

struct LinearizabilityOptions {
  ModelKind model = ModelKind::kCasRegister;
  double timeout_seconds = 120;
  size_t memory_limit_bytes = size_t{1} << 30;  // shared by the workers
  int threads = 0;                             // 0: hardware concurrency
  bool stop_at_first_invalid = false;
};

struct KeyResult {
  int32_t key = kNoString;
  size_t ops = 0;
  Verdict verdict = Verdict::kValid;
  std::string method;  // precheck, zone, search
  Counterexample cex;  // when invalid
  std::string unknown_reason;
  std::vector<std::string> verified;  // properties known to hold when unknown
  uint64_t search_states = 0;
};

struct LinearizabilityResult {
  Verdict verdict = Verdict::kValid;
  size_t key_count = 0;
  std::vector<KeyResult> keys;  // every key, in first-seen order
};

LinearizabilityResult CheckLinearizability(const History& history, const std::vector<Op>& ops,
                                           const LinearizabilityOptions& options);

// One key alone, with the same pipeline (exposed for tests and benchmarks). When a
// pre-check or the zone test refutes the key, a short search adds the longest
// linearizable prefix; `prefix_budget`, if set, caps how many keys get one.
KeyResult CheckKey(const KeyOps& key, ModelKind model, const SearchLimits& limits,
                   std::atomic<int>* prefix_budget = nullptr);

}  // namespace raftlab::checkers
