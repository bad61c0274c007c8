// Register operations as the linearizability checkers see them: one compact record per
// op, partitioned by key. Time is the event's position in the history (a strict total
// order consistent with `time` that breaks ties by observation order), so op A precedes
// op B iff A's completion comes before B's invoke in the file.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "checkers/history.h"
#include "checkers/validate.h"

namespace raftlab::checkers {

constexpr int64_t kNegInf = INT64_MIN;
constexpr int64_t kPosInf = INT64_MAX;

enum class RegF : uint8_t { kRead, kWrite, kCas };

struct RegOp {
  RegF f = RegF::kRead;
  bool ok = true;    // false: the op ended `info` or never completed
  int64_t a = kNil;  // read: value returned; write: value written; cas: expected
  int64_t b = kNil;  // cas: new value
  int64_t call = 0;  // invoke position
  int64_t ret = 0;   // completion position; kPosInf when !ok
  uint32_t op = 0;   // index into the Op vector, for reports
};

// One key's ops in invoke order. `fail` ops and reads that did not end `ok` are
// dropped: they constrain nothing.
struct KeyOps {
  int32_t key = kNoString;
  std::vector<RegOp> ops;
};

std::vector<KeyOps> PartitionRegisterOps(const History& history, const std::vector<Op>& ops);

// True iff no two writes or cas ops on the key produce the same value.
bool HasUniqueWrites(const KeyOps& key);

// Why a key's history is not linearizable, in terms of ops (indices into the Op vector).
struct Counterexample {
  std::string kind;         // stale-read, unwritten-read, future-read, double-cas, zone-overlap,
                            // zone-nested, search
  std::string explanation;  // one readable sentence
  std::vector<uint32_t> window;  // the ops that together cannot be linearized, invoke order
  std::vector<uint32_t> prefix;  // longest linearizable prefix found, linearization order
  int64_t failed_op = -1;        // the op that could not be placed
  std::vector<std::string> states;  // model state(s) at that point
};

std::string RegValueString(int64_t v);

}  // namespace raftlab::checkers
