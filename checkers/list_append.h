// List-append checker: Elle's approach (Kingsbury & Alvaro, "Elle: Inferring Isolation
// Anomalies from Experimental Observations", VLDB 2020) in our own code.
//
// Transactions (f "txn") append unique elements to lists and read whole lists. Because a
// read returns every element ever appended, in order, the longest read of a key is its
// version order and every other read must be a prefix of it. From version orders the
// checker infers, between committed (ok) and possibly committed (info) transactions:
//   ww  T1 appended the element right before T2's in a key's version order;
//   wr  T2 read a list whose last element T1 appended;
//   rw  T1 read a prefix that stops right before the element T2 appended;
//   rt  T1 completed before T2 was invoked (real time).
// Cycles in that graph are Adya's anomalies; each is reported once with its shortest
// witness found, explained edge by edge. Anomalies and the weakest model that forbids each:
//   read-uncommitted     G0 (ww cycle), duplicate-elements, incompatible-order,
//                        unknown-element (read but never appended), internal (a txn's
//                        read contradicts its own earlier reads and appends)
//   read-committed       G1a (read an element a failed txn appended), G1b (read an
//                        intermediate element of another txn), G1c (ww/wr cycle)
//   snapshot-isolation   G-single (a cycle with exactly one rw edge); list-append cannot see
//                        G-SIa/G-SIb, so this is snapshot isolation as far as derivable
//   serializable         G2-item (a cycle with two or more rw edges)
//   strict-serializable  any of the cycles that needs an rt edge (G0-realtime, ...), and
//                        lost-append (an acknowledged append missing from a read of the key
//                        invoked after the append completed)
// The models form one chain here, weakest first; the strongest one without a forbidden
// anomaly is reported, and the verdict is invalid iff the model checked against forbids
// something found.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "checkers/history.h"
#include "checkers/search.h"
#include "checkers/status.h"

namespace raftlab::checkers {

enum class ConsistencyModel : uint8_t {
  kReadUncommitted,
  kReadCommitted,
  kSnapshotIsolation,
  kSerializable,
  kStrictSerializable,
};

std::optional<ConsistencyModel> ParseConsistencyModel(std::string_view name);
const char* ConsistencyModelName(ConsistencyModel model);
// "read-uncommitted, read-committed, ..." for messages.
std::string ConsistencyModelNames();

enum EdgeKind : uint8_t { kWW = 1, kWR = 2, kRW = 4, kRT = 8 };
const char* EdgeKindName(uint8_t kind);

// One edge of a cycle witness: ops are indices into the ops vector.
struct CycleStep {
  uint32_t from = 0, to = 0;
  uint8_t kind = kWW;
  std::string why;  // one sentence naming the key, the elements and the ops
};

struct ListAppendAnomaly {
  std::string type;            // "G0", "G1a", ..., "G-single-realtime", "lost-append"
  ConsistencyModel forbidden_from = ConsistencyModel::kReadUncommitted;
  std::string key;             // the key it concerns, if one
  std::vector<uint32_t> ops;   // the witness's ops (for cycles: in cycle order)
  std::vector<CycleStep> steps;  // cycles only
  std::string explanation;     // readable, several lines for a cycle
};

struct ListAppendResult {
  Verdict verdict = Verdict::kValid;
  ConsistencyModel checked = ConsistencyModel::kStrictSerializable;
  // The strongest model no anomaly rules out; nullopt when even read-uncommitted is out.
  std::optional<ConsistencyModel> strongest;
  std::vector<ListAppendAnomaly> anomalies;  // one witness per type, weakest model first
  std::map<std::string, uint64_t> counts;    // instances per type (cycles: 1 per witness)
  std::string reason;                        // why unknown, or a note on the cycle search
  uint64_t txns = 0, ok = 0, info = 0, fail = 0, keys = 0, edges = 0;
};

struct ListAppendOptions {
  ConsistencyModel model = ConsistencyModel::kStrictSerializable;
  // Bound on the nodes the cycle searches visit in all (a huge invalid history stays fast;
  // the anomalies found so far are reported and the note says the search was cut).
  uint64_t search_budget = 50'000'000;
};

// Checks ops built with ModelKind::kListAppend. Fails (bad input, naming the lines) when an
// element is appended to the same key twice: list-append needs unique elements per key.
Result<ListAppendResult> CheckListAppend(const History& history, const std::vector<Op>& ops,
                                         const ListAppendOptions& options = {});

}  // namespace raftlab::checkers
