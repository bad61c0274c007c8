// Election Safety from node logs: two nodes winning one (group, term) is reported, one
// node or different terms/groups are not.
#include "harness/election_safety.h"

#include <gtest/gtest.h>

namespace raftlab::harness {
namespace {

std::string Won(uint64_t node, uint64_t group, uint64_t term) {
  return "2026-12-01T00:00:00Z mono=1.0 level=info node=" + std::to_string(node) +
         " event=role_changed group=" + std::to_string(group) + " term=" + std::to_string(term) +
         " from=candidate to=leader\n";
}

TEST(ElectionSafety, TwoLeadersOfOneGroupInOneTermAreReported) {
  const auto v = ElectionSafetyViolations({{1, Won(1, 1, 7)}, {2, Won(2, 1, 6)}, {3, Won(3, 1, 7)}});
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0], "election safety violated: nodes 1, 3 each became leader of group 1 in term 7");
}

TEST(ElectionSafety, DistinctTermsGroupsAndStepDownsAreFine) {
  const std::string step_down =
      "t mono=1 level=info node=1 event=role_changed group=1 term=7 from=leader to=follower\n";
  EXPECT_TRUE(ElectionSafetyViolations({{1, Won(1, 1, 7) + step_down + Won(1, 1, 9)},
                                        {2, Won(2, 0, 7) + Won(2, 1, 8)},
                                        {3, "garbage line\nevent=role_changed to=leader\n"}})
                  .empty());
}

TEST(ElectionSafety, OneNodeWinningATermTwiceInItsLogIsNotTwoLeaders) {
  EXPECT_TRUE(ElectionSafetyViolations({{1, Won(1, 1, 3) + Won(1, 1, 3)}}).empty());
}

}  // namespace
}  // namespace raftlab::harness
