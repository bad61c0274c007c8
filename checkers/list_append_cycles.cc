// Cycle search over the list-append dependency graph, and the step-by-step explanation of
// each witness. Each search asks for a cycle through one edge of a required kind whose way
// back uses only allowed kinds: an edge u->v of the required kind lies on such a cycle iff
// v reaches u, so candidates come from the strongly connected components of the graph
// over both kinds, and a breadth-first search from v gives the shortest way back.
#include <algorithm>

#include "checkers/list_append_internal.h"

namespace raftlab::checkers::list_append {
namespace {

struct CycleSearch {
  uint8_t required;
  uint8_t allowed;
};

// Weakest anomaly first, so a history's first witness is the most telling one.
constexpr CycleSearch kSearches[] = {
    {kWW, kWW},                      // G0
    {kWR, kWW | kWR},                // G1c
    {kRW, kWW | kWR},                // G-single
    {kRW, kWW | kWR | kRW},          // G2-item
    {kRT, kWW | kRT},                // G0-realtime
    {kWR, kWW | kWR | kRT},          // G1c-realtime
    {kRW, kWW | kWR | kRT},          // G-single-realtime
    {kRT, kWW | kWR | kRW | kRT},    // G2-item-realtime
};
constexpr int kPathsTried = 8;       // paths found per search; the shortest is kept
constexpr int kMissesTried = 256;    // candidate edges without a way back, per search

uint8_t Label(uint8_t kinds) {
  for (uint8_t k : {kWW, kWR, kRW, kRT}) {
    if (kinds & k) return k;
  }
  return 0;
}

std::string ClassOf(const std::vector<uint8_t>& labels, ConsistencyModel* forbidden_from) {
  int rw = 0;
  bool wr = false, rt = false;
  for (uint8_t l : labels) {
    rw += l == kRW;
    wr = wr || l == kWR;
    rt = rt || l == kRT;
  }
  std::string type;
  if (rw == 0) {
    type = wr ? "G1c" : "G0";
    *forbidden_from = wr ? ConsistencyModel::kReadCommitted : ConsistencyModel::kReadUncommitted;
  } else if (rw == 1) {
    type = "G-single";
    *forbidden_from = ConsistencyModel::kSnapshotIsolation;
  } else {
    type = "G2-item";
    *forbidden_from = ConsistencyModel::kSerializable;
  }
  if (rt) {
    type += "-realtime";
    *forbidden_from = ConsistencyModel::kStrictSerializable;
  }
  return type;
}

std::string Describe(const std::string& type) {
  std::string base = type.substr(0, type.find("-realtime"));
  std::string d = base == "G0"         ? "a write cycle (G0): every edge is ww"
                  : base == "G1c"      ? "circular information flow (G1c): ww and wr edges only"
                  : base == "G-single" ? "read skew (G-single): exactly one anti-dependency (rw) edge"
                                       : "an anti-dependency cycle (G2-item): two or more rw edges";
  if (base != type) d += ", and it needs real-time (rt) edges: no serial order also respects when txns completed and began";
  return d;
}

class CycleFinder {
 public:
  CycleFinder(State& s, const DepGraph& g) : s_(s), g_(g) {}

  void Run() {
    for (const CycleSearch& search : kSearches) {
      if (visited_ > s_.options.search_budget) {
        Note("cycle search stopped after visiting " + std::to_string(visited_) + " nodes");
        return;
      }
      Search(search);
    }
  }

 private:
  void Note(const std::string& why) {
    if (s_.result.reason.empty()) s_.result.reason = why + "; more kinds of cycle may exist";
  }

  void Search(const CycleSearch& search) {
    const std::vector<int32_t> comps = g_.Components(search.required | search.allowed);
    std::optional<std::vector<uint32_t>> best;
    int found = 0, misses = 0;
    bool cut = false;
    g_.ForEachEdge([&](uint32_t u, uint32_t v, uint8_t kinds) {
      if (found >= kPathsTried || cut || (kinds & search.required) == 0) return;
      if (comps[u] < 0 || comps[u] != comps[v]) return;
      if (misses >= kMissesTried || visited_ > s_.options.search_budget) {
        cut = true;
        return;
      }
      auto back = g_.ShortestPath(v, u, search.allowed, comps, &visited_);
      if (!back) {
        ++misses;
        return;
      }
      ++found;
      std::vector<uint32_t> cycle{u};
      cycle.insert(cycle.end(), back->begin(), back->end() - 1);  // u ... (back to u)
      if (!best || cycle.size() < best->size()) best = std::move(cycle);
    });
    if (cut && !best) Note("a cycle search gave up after " + std::to_string(misses) + " candidate edges");
    if (best) Report(*best, search);
  }

  void Report(const std::vector<uint32_t>& cycle, const CycleSearch& search) {
    const size_t n = cycle.size();
    std::vector<uint8_t> labels(n);
    for (size_t i = 0; i < n; ++i) {
      const uint8_t kinds = g_.KindsOf(cycle[i], cycle[(i + 1) % n]);
      labels[i] = Label(kinds & (i == 0 ? search.required | search.allowed : search.allowed));
    }
    ConsistencyModel forbidden_from;
    const std::string type = ClassOf(labels, &forbidden_from);
    s_.Found(type, forbidden_from, [&] { return Witness(cycle, labels, type); });
  }

  ListAppendAnomaly Witness(const std::vector<uint32_t>& cycle, const std::vector<uint8_t>& labels,
                            const std::string& type) {
    ListAppendAnomaly a;
    const size_t n = cycle.size();
    a.explanation = std::to_string(n) + " txns in " + Describe(type) + ":\n";
    for (size_t i = 0; i < n; ++i) {
      const uint32_t t = s_.node_txn[cycle[i]];
      a.ops.push_back(s_.txns[t].op);
      const Op& op = s_.OpOf(t);
      a.explanation += "  T" + std::to_string(i + 1) + " = txn at " + s_.IndexOf(t) + ", process " +
                       std::to_string(op.process) + (op.status == OpStatus::kInfo ? " (info)" : "") + ": " +
                       ValueToString(OpValue(s_.h, op)) + "\n";
    }
    for (size_t i = 0; i < n; ++i) {
      CycleStep step;
      const size_t j = (i + 1) % n;
      step.from = a.ops[i];
      step.to = a.ops[j];
      step.kind = labels[i];
      step.why = Why(s_.node_txn[cycle[i]], s_.node_txn[cycle[j]], labels[i], "T" + std::to_string(i + 1),
                     "T" + std::to_string(j + 1));
      a.explanation += "  T" + std::to_string(i + 1) + " -" + EdgeKindName(step.kind) + "-> T" +
                       std::to_string(j + 1) + ": " + step.why + "\n";
      a.steps.push_back(std::move(step));
    }
    a.explanation += "  so T1 must come before itself: no order of these txns is " +
                     std::string(type.find("-realtime") != std::string::npos ? "consistent with real time"
                                                                              : "serial");
    return a;
  }

  std::string ElementAfter(int32_t key, uint32_t len, uint32_t* writer) const {
    const KeyState& k = s_.keys[static_cast<size_t>(key)];
    if (len >= k.vo_len) return "";
    const int64_t e = s_.reads[k.vo_begin + len];
    const Writer* w = s_.WriterOf(key, e);
    if (w == nullptr) return "";
    *writer = w->txn;
    return std::to_string(e);
  }

  // One sentence saying why the edge a -> b of this kind exists.
  std::string Why(uint32_t a, uint32_t b, uint8_t kind, const std::string& an, const std::string& bn) const {
    const Txn& ta = s_.txns[a];
    const Txn& tb = s_.txns[b];
    if (kind == kRT) {
      return an + " completed (" + s_.IndexOf(a) + ") before " + bn + " was invoked (index " +
             std::to_string(s_.h.FileIndex(s_.OpOf(b).invoke_event)) + ")";
    }
    if (kind == kWW) {
      for (uint32_t i = ta.mop_begin; i < ta.mop_end; ++i) {
        const Mop& m = s_.mops[i];
        const Writer* w = m.append ? s_.WriterOf(m.key, m.element) : nullptr;
        uint32_t next = 0;
        if (w == nullptr || w->pos < 0) continue;
        std::string e = ElementAfter(m.key, static_cast<uint32_t>(w->pos) + 1, &next);
        if (!e.empty() && next == b) {
          return an + " appended " + std::to_string(m.element) + " to key " + KeyOf(m) + " and " + bn +
                 " appended " + e + ", the next element in " + KeyOf(m) + "'s version order";
        }
      }
    }
    if (kind == kWR) {
      for (uint32_t i = tb.mop_begin; i < tb.mop_end; ++i) {
        const Mop& m = s_.mops[i];
        if (!m.has_read || m.read_len == 0) continue;
        const int64_t last = s_.reads[m.read_begin + m.read_len - 1];
        const Writer* w = s_.WriterOf(m.key, last);
        if (w && w->txn == a) {
          return bn + " read key " + KeyOf(m) + " = " + s_.ListText(m) + ", whose last element " +
                 std::to_string(last) + " " + an + " appended";
        }
      }
    }
    if (kind == kRW) {
      for (uint32_t i = ta.mop_begin; i < ta.mop_end; ++i) {
        const Mop& m = s_.mops[i];
        uint32_t next = 0;
        if (!m.has_read) continue;
        std::string e = ElementAfter(m.key, m.read_len, &next);
        if (!e.empty() && next == b) {
          return an + " read key " + KeyOf(m) + " = " + s_.ListText(m) + ", without " + e + ", which " + bn +
                 " appended as the next element of " + KeyOf(m);
        }
      }
    }
    return an + " precedes " + bn + " (" + EdgeKindName(kind) + ")";
  }

  const std::string& KeyOf(const Mop& m) const { return s_.keys[static_cast<size_t>(m.key)].name; }

  State& s_;
  const DepGraph& g_;
  uint64_t visited_ = 0;
};

}  // namespace

void FindCycles(State& s, const DepGraph& g) { CycleFinder(s, g).Run(); }

}  // namespace raftlab::checkers::list_append
