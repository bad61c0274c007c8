// Generates list-append histories for tests and benchmarks: `clients` concurrent clients
// run txns of 1-4 micro-ops (reads and appends of unique elements) over a rotating pool of
// keys; each txn takes effect atomically when it completes, so the history is strictly
// serializable by construction. Some txns fail (no effect) or end info (half of those take
// effect; the process is replaced). Every key used is read once more at the end.
#pragma once

#include <cstdint>

#include "checkers/history.h"

namespace raftlab::checkers {

struct ListAppendGenOptions {
  int64_t txns = 10000;
  int clients = 10;
  int active_keys = 10;
  int appends_per_key = 32;  // a key is retired after this many appends
  double fail_rate = 0;
  double info_rate = 0;
  uint64_t seed = 1;
};

History GenerateListAppendHistory(const ListAppendGenOptions& options);

}  // namespace raftlab::checkers
