// A dependency graph over transactions for cycle search: nodes 0..n-1, edges carrying a
// bit set of kinds (ww, wr, rw, rt as in list_append.h). Built once (Add, then Finish),
// then searched under kind masks: strongly connected components (iterative Tarjan, so a
// long chain cannot overflow the stack) and shortest paths by breadth-first search.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

namespace raftlab::checkers {

class DepGraph {
 public:
  explicit DepGraph(uint32_t nodes) : nodes_(nodes) {}

  void Add(uint32_t from, uint32_t to, uint8_t kind) {
    if (from != to) pending_.push_back({from, to, kind});
  }
  // Sorts and merges parallel edges into compressed rows; call once before searching.
  void Finish();

  uint32_t nodes() const { return nodes_; }
  uint64_t edges() const { return to_.size(); }

  // Component id per node over the edges whose kinds meet mask. Nodes alone in their
  // component (no cycle through them) all get id -1.
  std::vector<int32_t> Components(uint8_t mask) const;

  // The shortest path from `from` to `to` over edges meeting mask, staying inside
  // component `comp` of `comps`; nodes visited are added to *visited. Returns the nodes
  // from..to, or nullopt.
  std::optional<std::vector<uint32_t>> ShortestPath(uint32_t from, uint32_t to, uint8_t mask,
                                                    const std::vector<int32_t>& comps,
                                                    uint64_t* visited) const;

  // The kinds of the edge from -> to (0 if none).
  uint8_t KindsOf(uint32_t from, uint32_t to) const;

  // Every edge (from, to, kinds) in row order, for scanning candidates.
  template <typename F>
  void ForEachEdge(F&& f) const {
    for (uint32_t u = 0; u < nodes_; ++u) {
      for (uint64_t i = row_[u]; i < row_[u + 1]; ++i) f(u, to_[i], kinds_[i]);
    }
  }

 private:
  struct Pending {
    uint32_t from, to;
    uint8_t kind;
  };
  uint32_t nodes_;
  std::vector<Pending> pending_;
  std::vector<uint64_t> row_;   // row_[u]..row_[u+1]: u's edges in to_/kinds_
  std::vector<uint32_t> to_;
  std::vector<uint8_t> kinds_;
};

}  // namespace raftlab::checkers
