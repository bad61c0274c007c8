// Cheap sound checks for registers, run before any search: reads of values never
// written; reads that complete before their value's first write begins; stale reads
// (every write of the value that could precede the read was overwritten -- by an ok
// write or cas of another value invoked after it completed -- before the read began;
// "lost-write" when that read is a final read); and, for values written exactly once,
// reads after the one successful cas that consumed the value, and two such cas ops.
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
