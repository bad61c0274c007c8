// Cheap sound checks for registers with unique written values, run before any search.
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
  bool applicable = false;  // false when written values are not unique
  std::optional<Counterexample> violation;
  std::vector<std::string> verified;
};

PrecheckResult RunPrechecks(const KeyOps& key);

// "read 12 (index 40-45)", "cas 12->13 (index 50, info)"
std::string DescribeRegOp(const RegOp& op);

}  // namespace raftlab::checkers
