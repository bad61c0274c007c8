// The "follower that never catches up" finding: targets, catching up, the bound.
#include "harness/catch_up.h"

#include <gtest/gtest.h>

namespace raftlab::harness {
namespace {

TEST(CatchUpWatch, AFollowerThatReachesTheHealedCommitIsNoFinding) {
  CatchUpWatch w(10);
  w.Observe(0, {{1, 1, 500, 500}, {2, 1, 500, 480}, {3, 1, 300, 200}});
  EXPECT_FALSE(w.AllCaughtUp());
  w.Observe(1, {{1, 1, 510, 510}, {2, 1, 510, 505}, {3, 1, 505, 500}});
  EXPECT_TRUE(w.AllCaughtUp()) << "500 is the target: later commits do not move it";
  w.Observe(11, {{1, 1, 600, 600}, {2, 1, 600, 600}, {3, 1, 600, 600}});
  EXPECT_TRUE(w.Findings().empty());
}

TEST(CatchUpWatch, AFollowerStuckBelowTheTargetPastTheBoundIsAFinding) {
  CatchUpWatch w(10);
  w.Observe(0, {{1, 1, 500, 500}, {2, 1, 500, 500}, {3, 1, 120, 120}});
  w.Observe(5, {{1, 1, 700, 700}, {2, 1, 700, 700}, {3, 1, 120, 120}});
  EXPECT_FALSE(w.Expired());
  EXPECT_TRUE(w.Findings().empty()) << "no finding before the bound";
  w.Observe(10.5, {{1, 1, 900, 900}, {2, 1, 900, 900}, {3, 1, 499, 499}});
  ASSERT_TRUE(w.Expired());
  const auto f = w.Findings();
  ASSERT_EQ(f.size(), 1u);
  EXPECT_NE(f[0].find("node 3 never caught up in group 1"), std::string::npos) << f[0];
  EXPECT_NE(f[0].find("applied index 499 stayed below 500"), std::string::npos) << f[0];
}

TEST(CatchUpWatch, GroupsAreJudgedApartAndANodeFirstSeenLateIsJudgedToo) {
  CatchUpWatch w(2);
  w.Observe(0, {{1, 1, 50, 50}, {1, 2, 900, 900}, {2, 2, 900, 10}});
  // Node 3 answers only from the second poll (it was restarting): group 2's target stands.
  w.Observe(1, {{1, 1, 50, 50}, {1, 2, 900, 900}, {2, 2, 900, 900}, {3, 2, 900, 40}, {3, 1, 50, 50}});
  EXPECT_FALSE(w.AllCaughtUp());
  w.Observe(2, {{1, 1, 50, 50}, {1, 2, 900, 900}, {2, 2, 900, 900}, {3, 2, 900, 40}, {3, 1, 50, 50}});
  const auto f = w.Findings();
  ASSERT_EQ(f.size(), 1u);
  EXPECT_NE(f[0].find("node 3 never caught up in group 2"), std::string::npos) << f[0];
}

}  // namespace
}  // namespace raftlab::harness
