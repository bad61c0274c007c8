// Jepsen EDN histories: one op map per form, e.g.
//   {:type :invoke, :f :write, :value 3, :process 0, :time 123, :index 0}
// optionally wrapped in one top-level vector or list. Independent keys are [k v] tuples
// in :value; the reader recognises a keyed history when every client op's value is
// such a tuple (a cas tuple being [k [old new]]). Ops of non-integer processes (Jepsen's
// :nemesis) are skipped. Indices are renumbered by position.
#pragma once

#include <ostream>
#include <string>
#include <string_view>

#include "checkers/history.h"
#include "checkers/status.h"

namespace raftlab::checkers {

Result<History> ReadEdnFile(const std::string& path);
Result<History> ParseEdn(std::string_view text, const std::string& source);

// Writes keyed events with [k v] values (integer-looking keys as integers).
void WriteEdn(const History& history, std::ostream& out);
Status WriteEdnFile(const History& history, const std::string& path);

}  // namespace raftlab::checkers
