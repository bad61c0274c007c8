#include "checkers/brute_force.h"

#include <cstdlib>
#include <set>
#include <utility>

namespace raftlab::checkers {
namespace {

struct Search {
  const std::vector<RegOp>& ops;
  uint64_t required_mask = 0;
  std::set<std::pair<uint64_t, int64_t>> seen;

  bool Run(uint64_t done, int64_t state) {
    if ((done & required_mask) == required_mask) return true;
    if (!seen.insert({done, state}).second) return false;
    // The earliest return among pending required ops bounds which ops may go next.
    int64_t bound = kPosInf;
    for (size_t i = 0; i < ops.size(); ++i) {
      if (!(done >> i & 1) && ops[i].ok) bound = std::min(bound, ops[i].ret);
    }
    for (size_t i = 0; i < ops.size(); ++i) {
      if (done >> i & 1) continue;
      const RegOp& o = ops[i];
      if (o.call > bound) continue;
      int64_t next = state;
      switch (o.f) {
        case RegF::kRead:
          if (state != o.a) continue;
          break;
        case RegF::kWrite:
          next = o.a;
          break;
        case RegF::kCas:
          if (state != o.a) continue;
          next = o.b;
          break;
      }
      if (Run(done | uint64_t{1} << i, next)) return true;
    }
    return false;
  }
};

}  // namespace

bool BruteForceLinearizable(const KeyOps& key) {
  if (key.ops.size() > 62) std::abort();
  Search s{key.ops, 0, {}};
  for (size_t i = 0; i < key.ops.size(); ++i) {
    if (key.ops[i].ok) s.required_mask |= uint64_t{1} << i;
  }
  return s.Run(0, kNil);
}

}  // namespace raftlab::checkers
