// Turns a History's events into operations, enforcing the format's sequencing rules and
// the value shapes the chosen model needs. Every error names source:line and the field.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "checkers/history.h"
#include "checkers/status.h"

namespace raftlab::checkers {

enum class ModelKind {
  kRegister,     // read/write register per key
  kCasRegister,  // read/write/cas register per key
  kMap,          // read/write/cas on the keys of one map (decomposed per key)
  kSet,          // add + reads of the whole set
  kBank,         // reads of account balances whose total is invariant
  kStats,        // no correctness check: statistics only
  kListAppend,   // txns of r/append micro-ops on lists (Elle's list-append)
};

std::optional<ModelKind> ParseModelKind(std::string_view name);
const char* ModelKindName(ModelKind model);

// The register value the checkers reserve for null; an input integer equal to it is
// rejected by BuildOps.
constexpr int64_t kNil = INT64_MIN;

// Pairs each invoke with its completion and checks:
//  - a completion has an outstanding invoke of the same process, f and key;
//  - a process has at most one outstanding op and is never used after an `info`;
//  - time never goes backwards;
//  - f and value fit the model.
// Invokes never completed become kInfo ops. Ops are ordered by invoke position.
Result<std::vector<Op>> BuildOps(const History& history, ModelKind model);

}  // namespace raftlab::checkers
