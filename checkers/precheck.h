// Cheap sound checks for registers, run before any search: reads of values never
// written, reads that complete before their value's first write begins, and — for each
// value written exactly once — stale reads (the value was overwritten, by a write that
// began after it completed or by the one cas that consumed it, before the read began;
// "lost-write" when that read is a final read) and two successful cas ops from it.
// Each finding is a real violation with a witness of two or three ops; when none is
// found the checked properties are listed as verified (they do not prove
// linearizability on their own). O(n log n) per key.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "checkers/register_ops.h"

namespace raftlab::checkers {

struct PrecheckResult {
  std::optional<Counterexample> violation;
  std::vector<std::string> verified;
};

PrecheckResult RunPrechecks(const KeyOps& key);

// "read 12 (index 40-45)", "cas 12->13 (index 50, info)"
std::string DescribeRegOp(const RegOp& op);

}  // namespace raftlab::checkers
