// Partition shapes as pure functions of the node list.
#include "harness/grudge.h"

#include <gtest/gtest.h>

namespace raftlab::harness {
namespace {

const NodeIds kFive = {1, 2, 3, 4, 5};

// Whether a can hear b under the grudge.
bool Hears(const Grudge& g, uint64_t a, uint64_t b) {
  auto it = g.find(a);
  return it == g.end() || !it->second.count(b);
}

TEST(Grudge, HalvesCutEveryLinkAcrossAndNoneWithin) {
  const auto parts = SplitHalves(kFive);
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0], (NodeIds{1, 2}));
  const Grudge g = CompleteGrudge(kFive, parts);
  EXPECT_TRUE(IsSymmetric(g));
  EXPECT_TRUE(Hears(g, 1, 2));
  EXPECT_TRUE(Hears(g, 3, 5));
  EXPECT_FALSE(Hears(g, 1, 3));
  EXPECT_FALSE(Hears(g, 5, 2));
  EXPECT_EQ(DescribeComponents(parts), "[1,2] | [3,4,5]");
}

TEST(Grudge, IsolatedNodeHearsNobodyAndIsHeardByNobody) {
  const Grudge g = CompleteGrudge(kFive, IsolateNode(kFive, 3));
  for (uint64_t other : {1, 2, 4, 5}) {
    EXPECT_FALSE(Hears(g, 3, other));
    EXPECT_FALSE(Hears(g, other, 3));
  }
  EXPECT_TRUE(Hears(g, 1, 5));
  EXPECT_EQ(BidirectionalPeers(g, 3), (std::set<uint64_t>{1, 2, 4, 5}));
  EXPECT_EQ(BidirectionalPeers(g, 1), (std::set<uint64_t>{3}));
}

TEST(Grudge, RingGivesEveryNodeADifferentMajority) {
  const Grudge g = RingGrudge(kFive);
  EXPECT_TRUE(IsSymmetric(g));
  std::set<std::set<uint64_t>> views;
  for (uint64_t a : kFive) {
    std::set<uint64_t> view;
    for (uint64_t b : kFive) {
      if (a == b || Hears(g, a, b)) view.insert(b);
    }
    EXPECT_EQ(view.size(), 3u) << "node " << a;
    views.insert(view);
  }
  EXPECT_EQ(views.size(), 5u);
}

TEST(Grudge, BridgeTalksToBothHalvesThatCannotTalk) {
  const Grudge g = BridgeGrudge(kFive);
  for (uint64_t other : {2, 3, 4, 5}) {
    EXPECT_TRUE(Hears(g, 1, other));
    EXPECT_TRUE(Hears(g, other, 1));
  }
  EXPECT_FALSE(Hears(g, 2, 4));
  EXPECT_TRUE(Hears(g, 2, 3));
  EXPECT_TRUE(BridgeGrudge({1, 2}).empty());
}

TEST(Grudge, OneWayCutsOnlyOneDirection) {
  const Grudge in = OneWayGrudge({1, 2, 3}, 1, Direction::kInbound);
  EXPECT_FALSE(Hears(in, 1, 2));
  EXPECT_TRUE(Hears(in, 2, 1));
  EXPECT_FALSE(IsSymmetric(in));
  const Grudge out = OneWayGrudge({1, 2, 3}, 1, Direction::kOutbound);
  EXPECT_TRUE(Hears(out, 1, 2));
  EXPECT_FALSE(Hears(out, 3, 1));
  // The senders' view: node 1's messages to 2 and 3 are the ones to drop.
  EXPECT_EQ(DroppedOutbound(out), (std::map<uint64_t, std::set<uint64_t>>{{1, {2, 3}}}));
  EXPECT_EQ(DescribeGrudge(in), "1<-{2,3}");
}

}  // namespace
}  // namespace raftlab::harness
