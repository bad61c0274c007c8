#pragma once
// Partitions as data, Jepsen-style: a Grudge maps each node to the peers whose raft
// traffic it drops on the way in ("a holds a grudge against b": nothing from b reaches a).
// Every partition the nemesis makes is a pure function of the node list (and, where it
// picks nodes, of an explicit choice), so the shapes are unit-tested without a cluster
// and composed freely. How a grudge is enforced (symmetric filters or one-way link drops)
// is the nemesis's business.

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace raftlab::harness {

using NodeIds = std::vector<uint64_t>;
using Grudge = std::map<uint64_t, std::set<uint64_t>>;

// Every node drops traffic from every node outside its own component. Nodes in no
// component are cut off from everyone.
Grudge CompleteGrudge(const NodeIds& nodes, const std::vector<NodeIds>& components);

// The first floor(n/2) nodes against the rest.
std::vector<NodeIds> SplitHalves(const NodeIds& nodes);
// `node` alone against the others.
std::vector<NodeIds> IsolateNode(const NodeIds& nodes, uint64_t node);
// The first k nodes against the rest (a minority when k < n/2).
std::vector<NodeIds> SplitFirst(const NodeIds& nodes, size_t k);

// Each node reaches only itself and its two ring neighbours in the given order; with 5
// nodes every node sees a majority but no two see the same one.
Grudge RingGrudge(const NodeIds& nodes);
// Two halves that cannot talk, with nodes[0] (the bridge) talking to both.
Grudge BridgeGrudge(const NodeIds& nodes);

enum class Direction {
  kInbound,   // the node hears nobody, while its own messages still arrive
  kOutbound,  // nobody hears the node, while it still hears everyone
};
// A one-way cut of `node` from every other node.
Grudge OneWayGrudge(const NodeIds& nodes, uint64_t node, Direction direction);

// Whether every dropped link is dropped both ways.
bool IsSymmetric(const Grudge& grudge);
// For a node whose filter drops both directions of a link: every peer it must not talk to.
std::set<uint64_t> BidirectionalPeers(const Grudge& grudge, uint64_t node);
// The sender-side view of a grudge: sender -> receivers that drop its traffic.
std::map<uint64_t, std::set<uint64_t>> DroppedOutbound(const Grudge& grudge);

// "[1,2] | [3]" for components; "1<-{2,3} 2<-{1}" for a general grudge.
std::string DescribeComponents(const std::vector<NodeIds>& components);
std::string DescribeGrudge(const Grudge& grudge);

}  // namespace raftlab::harness
