// Exact linearizability for read/write registers whose writes all write distinct values,
// in O(n log n): the zone test of Gibbons & Korach as stated by Golab, Li & Shah (see
// shared/docs/checker-notes.md section 2).
#pragma once

#include "checkers/register_ops.h"

namespace raftlab::checkers {

struct ZoneResult {
  bool applicable = false;  // false if the key has cas ops or repeated write values
  bool linearizable = false;
  Counterexample cex;       // set when applicable && !linearizable
};

ZoneResult CheckRegisterZones(const KeyOps& key);

}  // namespace raftlab::checkers
