// Exhaustive reference checker for small register histories (at most 62 ops), used by
// the property tests to cross-check the zone test and the search. It tries every order
// that respects real time; `ok` ops must all be placed, `info` ops may be placed (with
// their effect, a cas only when it matches) or left out. Deliberately simple.
#pragma once

#include "checkers/register_ops.h"

namespace raftlab::checkers {

bool BruteForceLinearizable(const KeyOps& key);

}  // namespace raftlab::checkers
