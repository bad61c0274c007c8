#include "faults/link_faults.h"

#include <gtest/gtest.h>

namespace raftlab::faults {
namespace {

TEST(LinkFaults, OnlyTheNamedPeerMisbehaves) {
  LinkFaults links(7);
  links.Set({{2, std::chrono::milliseconds(30), 1.0, 0, {}}});
  EXPECT_TRUE(links.Decide(2, "normal").drop);
  EXPECT_EQ(links.Decide(2, "normal").delay, std::chrono::milliseconds(30));
  const LinkDecision other = links.Decide(3, "normal");
  EXPECT_FALSE(other.drop);
  EXPECT_FALSE(other.duplicate);
  EXPECT_EQ(other.delay.count(), 0);
}

TEST(LinkFaults, ProbabilitiesAreRoughlyHonouredAndSeeded) {
  LinkFaults a(11), b(11);
  a.Set({{2, {}, 0.3, 0.5, {}}});
  b.Set({{2, {}, 0.3, 0.5, {}}});
  int drops = 0, dups = 0;
  for (int i = 0; i < 4000; ++i) {
    const LinkDecision x = a.Decide(2, "normal"), y = b.Decide(2, "normal");
    EXPECT_EQ(x.drop, y.drop);
    EXPECT_EQ(x.duplicate, y.duplicate);
    EXPECT_FALSE(x.drop && x.duplicate);
    drops += x.drop;
    dups += x.duplicate;
  }
  EXPECT_NEAR(drops / 4000.0, 0.3, 0.05);
  EXPECT_NEAR(dups / 4000.0, 0.7 * 0.5, 0.05);
}

TEST(LinkFaults, EmptySetHealsEveryLink) {
  LinkFaults links;
  links.Set({{2, {}, 1.0, 0, {}}, {3, {}, 1.0, 0, {}}});
  EXPECT_EQ(links.Get().size(), 2u);
  links.Set({});
  EXPECT_TRUE(links.Get().empty());
  EXPECT_FALSE(links.Decide(2, "normal").drop);
}

TEST(LinkFaults, ALaneListLimitsTheFaultToThoseLanes) {
  LinkFaults links(3);
  const LinkFault slow{2, std::chrono::milliseconds(400), 1.0, 0, {"normal", "replication"}};
  links.Set({slow});
  EXPECT_TRUE(links.Decide(2, "replication").drop);
  EXPECT_EQ(links.Decide(2, "normal").delay, std::chrono::milliseconds(400));
  const LinkDecision heartbeat = links.Decide(2, "heartbeat");
  EXPECT_FALSE(heartbeat.drop);
  EXPECT_EQ(heartbeat.delay.count(), 0);
  EXPECT_EQ(links.Get().front().lanes, slow.lanes);
}

TEST(LinkFaults, AnEmptyLaneListMeansEveryLane) {
  LinkFault all{2, std::chrono::milliseconds(5), 0, 0, {}};
  EXPECT_TRUE(AppliesToLane(all, "heartbeat"));
  EXPECT_TRUE(AppliesToLane(all, "snapshot"));
  all.lanes = {"snapshot"};
  EXPECT_FALSE(AppliesToLane(all, "heartbeat"));
  EXPECT_TRUE(AppliesToLane(all, "snapshot"));
}

}  // namespace
}  // namespace raftlab::faults
