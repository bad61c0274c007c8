#include "checkers/dep_graph.h"

#include <algorithm>
#include <deque>

namespace raftlab::checkers {

void DepGraph::Finish() {
  std::sort(pending_.begin(), pending_.end(), [](const Pending& a, const Pending& b) {
    return a.from != b.from ? a.from < b.from : a.to < b.to;
  });
  row_.assign(nodes_ + 1, 0);
  to_.clear();
  kinds_.clear();
  to_.reserve(pending_.size());
  kinds_.reserve(pending_.size());
  for (size_t i = 0; i < pending_.size(); ++i) {
    const Pending& e = pending_[i];
    if (i > 0 && pending_[i - 1].from == e.from && pending_[i - 1].to == e.to) {
      kinds_.back() |= e.kind;
      continue;
    }
    ++row_[e.from + 1];
    to_.push_back(e.to);
    kinds_.push_back(e.kind);
  }
  for (uint32_t u = 0; u < nodes_; ++u) row_[u + 1] += row_[u];
  pending_.clear();
  pending_.shrink_to_fit();
}

std::vector<int32_t> DepGraph::Components(uint8_t mask) const {
  constexpr uint32_t kUnseen = UINT32_MAX;
  std::vector<uint32_t> index(nodes_, kUnseen), low(nodes_, 0);
  std::vector<bool> on_stack(nodes_, false);
  std::vector<uint32_t> stack;
  std::vector<int32_t> comp(nodes_, -1);
  struct Frame {
    uint32_t node;
    uint64_t next;  // next edge of node to look at
  };
  std::vector<Frame> frames;
  uint32_t counter = 0;
  int32_t comps = 0;
  for (uint32_t root = 0; root < nodes_; ++root) {
    if (index[root] != kUnseen) continue;
    frames.push_back({root, row_[root]});
    index[root] = low[root] = counter++;
    stack.push_back(root);
    on_stack[root] = true;
    while (!frames.empty()) {
      Frame& f = frames.back();
      const uint32_t u = f.node;
      bool descended = false;
      while (f.next < row_[u + 1]) {
        const uint64_t i = f.next++;
        if ((kinds_[i] & mask) == 0) continue;
        const uint32_t v = to_[i];
        if (index[v] == kUnseen) {
          index[v] = low[v] = counter++;
          stack.push_back(v);
          on_stack[v] = true;
          frames.push_back({v, row_[v]});
          descended = true;
          break;
        }
        if (on_stack[v]) low[u] = std::min(low[u], index[v]);
      }
      if (descended) continue;
      if (low[u] == index[u]) {
        size_t start = stack.size();
        while (stack[start - 1] != u) --start;
        --start;
        const bool cyclic = stack.size() - start > 1;
        for (size_t k = start; k < stack.size(); ++k) {
          on_stack[stack[k]] = false;
          if (cyclic) comp[stack[k]] = comps;
        }
        if (cyclic) ++comps;
        stack.resize(start);
      }
      frames.pop_back();
      if (!frames.empty()) {
        const uint32_t parent = frames.back().node;
        low[parent] = std::min(low[parent], low[u]);
      }
    }
  }
  return comp;
}

std::optional<std::vector<uint32_t>> DepGraph::ShortestPath(uint32_t from, uint32_t to, uint8_t mask,
                                                            const std::vector<int32_t>& comps,
                                                            uint64_t* visited) const {
  const int32_t comp = comps[from];
  // (node, parent) for the nodes the search reached, sorted afterwards for lookup.
  std::vector<std::pair<uint32_t, uint32_t>> parents;
  std::deque<uint32_t> queue{from};
  std::vector<bool> seen(nodes_, false);
  seen[from] = true;
  parents.emplace_back(from, from);
  bool found = from == to;
  while (!queue.empty() && !found) {
    const uint32_t u = queue.front();
    queue.pop_front();
    ++*visited;
    for (uint64_t i = row_[u]; i < row_[u + 1]; ++i) {
      const uint32_t v = to_[i];
      if ((kinds_[i] & mask) == 0 || seen[v] || comps[v] != comp) continue;
      seen[v] = true;
      parents.emplace_back(v, u);
      if (v == to) {
        found = true;
        break;
      }
      queue.push_back(v);
    }
  }
  if (!found) return std::nullopt;
  std::sort(parents.begin(), parents.end());
  auto parent_of = [&](uint32_t n) {
    return std::lower_bound(parents.begin(), parents.end(), std::make_pair(n, 0u))->second;
  };
  std::vector<uint32_t> path{to};
  while (path.back() != from) path.push_back(parent_of(path.back()));
  std::reverse(path.begin(), path.end());
  return path;
}

uint8_t DepGraph::KindsOf(uint32_t from, uint32_t to) const {
  auto b = to_.begin() + static_cast<std::ptrdiff_t>(row_[from]);
  auto e = to_.begin() + static_cast<std::ptrdiff_t>(row_[from + 1]);
  auto it = std::lower_bound(b, e, to);
  return it != e && *it == to ? kinds_[static_cast<size_t>(it - to_.begin())] : 0;
}

}  // namespace raftlab::checkers
