// Set checker: `add` ops and `read`s returning the whole set. The last ok read is the
// final read. Counts follow Jepsen's set checkers:
//   lost       acknowledged adds missing from the final read;
//   unexpected values in the final read that were never added (or whose add failed);
//   recovered  adds that ended info yet are in the final read (not an error);
//   stale      acknowledged adds missing from some read that began after the add
//              completed, though the final read has them (a non-linearizable read).
// Valid iff lost, unexpected and stale are all zero.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "checkers/history.h"
#include "checkers/search.h"

namespace raftlab::checkers {

struct SetResult {
  Verdict verdict = Verdict::kValid;
  std::string reason;  // why unknown
  uint64_t attempted = 0, acknowledged = 0;
  uint64_t lost = 0, unexpected = 0, recovered = 0, stale = 0;
  std::vector<int64_t> lost_values, unexpected_values, stale_values;  // first few
  int64_t final_read_op = -1;
};

SetResult CheckSet(const History& history, const std::vector<Op>& ops);

}  // namespace raftlab::checkers
