#include "harness/grudge.h"

#include <algorithm>

namespace raftlab::harness {
namespace {

std::string JoinIds(const NodeIds& ids) {
  std::string s;
  for (uint64_t id : ids) s += (s.empty() ? "" : ",") + std::to_string(id);
  return s;
}

}  // namespace

Grudge CompleteGrudge(const NodeIds& nodes, const std::vector<NodeIds>& components) {
  std::map<uint64_t, size_t> component_of;
  for (size_t c = 0; c < components.size(); ++c) {
    for (uint64_t id : components[c]) component_of[id] = c;
  }
  Grudge g;
  for (uint64_t a : nodes) {
    for (uint64_t b : nodes) {
      if (a == b) continue;
      auto ca = component_of.find(a), cb = component_of.find(b);
      if (ca == component_of.end() || cb == component_of.end() || ca->second != cb->second) g[a].insert(b);
    }
  }
  return g;
}

std::vector<NodeIds> SplitFirst(const NodeIds& nodes, size_t k) {
  k = std::min(k, nodes.size());
  return {NodeIds(nodes.begin(), nodes.begin() + static_cast<long>(k)),
          NodeIds(nodes.begin() + static_cast<long>(k), nodes.end())};
}

std::vector<NodeIds> SplitHalves(const NodeIds& nodes) { return SplitFirst(nodes, nodes.size() / 2); }

std::vector<NodeIds> IsolateNode(const NodeIds& nodes, uint64_t node) {
  NodeIds rest;
  for (uint64_t id : nodes) {
    if (id != node) rest.push_back(id);
  }
  return {{node}, rest};
}

Grudge RingGrudge(const NodeIds& nodes) {
  const size_t n = nodes.size();
  Grudge g;
  for (size_t i = 0; i < n; ++i) {
    const std::set<uint64_t> near = {nodes[i], nodes[(i + 1) % n], nodes[(i + n - 1) % n]};
    for (uint64_t other : nodes) {
      if (!near.count(other)) g[nodes[i]].insert(other);
    }
  }
  return g;
}

Grudge BridgeGrudge(const NodeIds& nodes) {
  if (nodes.size() < 3) return {};
  // nodes[0] holds no grudge and is held in none: it talks to both halves of the rest.
  const NodeIds rest(nodes.begin() + 1, nodes.end());
  return CompleteGrudge(rest, SplitHalves(rest));
}

Grudge OneWayGrudge(const NodeIds& nodes, uint64_t node, Direction direction) {
  Grudge g;
  for (uint64_t other : nodes) {
    if (other == node) continue;
    if (direction == Direction::kInbound) {
      g[node].insert(other);
    } else {
      g[other].insert(node);
    }
  }
  return g;
}

bool IsSymmetric(const Grudge& grudge) {
  for (const auto& [a, from] : grudge) {
    for (uint64_t b : from) {
      auto it = grudge.find(b);
      if (it == grudge.end() || !it->second.count(a)) return false;
    }
  }
  return true;
}

std::set<uint64_t> BidirectionalPeers(const Grudge& grudge, uint64_t node) {
  std::set<uint64_t> out;
  if (auto it = grudge.find(node); it != grudge.end()) out = it->second;
  for (const auto& [a, from] : grudge) {
    if (from.count(node)) out.insert(a);
  }
  return out;
}

std::map<uint64_t, std::set<uint64_t>> DroppedOutbound(const Grudge& grudge) {
  std::map<uint64_t, std::set<uint64_t>> out;
  for (const auto& [receiver, senders] : grudge) {
    for (uint64_t s : senders) out[s].insert(receiver);
  }
  return out;
}

std::string DescribeComponents(const std::vector<NodeIds>& components) {
  std::string s;
  for (const auto& c : components) s += (s.empty() ? "[" : " | [") + JoinIds(c) + "]";
  return s;
}

std::string DescribeGrudge(const Grudge& grudge) {
  std::string s;
  for (const auto& [a, from] : grudge) {
    if (from.empty()) continue;
    s += (s.empty() ? "" : " ") + std::to_string(a) + "<-{" + JoinIds(NodeIds(from.begin(), from.end())) + "}";
  }
  return s.empty() ? "none" : s;
}

}  // namespace raftlab::harness
