// Generates cas-register histories for benchmarks and checker tests: `clients`
// concurrent clients on `keys` independent registers, each op taking effect atomically
// at a random point inside its interval, so the history is linearizable by
// construction. Written values are unique. A client whose op ends `info` is replaced by
// a fresh process. Optionally one read is made stale: it returns a value that was
// overwritten by a write that completed before the read began.
#pragma once

#include <cstdint>

#include "checkers/history.h"

namespace raftlab::checkers {

struct HistoryGenOptions {
  int64_t ops = 100000;
  int clients = 10;
  int keys = 100;
  double info_rate = 0;    // fraction of ops that end info (half of them never take effect)
  double read_ratio = 0.5;  // the rest split evenly between write and cas
  bool stale_read = false;
  uint64_t seed = 1;
};

struct GeneratedHistory {
  History history;
  int64_t stale_read_event = -1;  // completion index of the injected stale read
};

GeneratedHistory GenerateCasHistory(const HistoryGenOptions& options);

}  // namespace raftlab::checkers
