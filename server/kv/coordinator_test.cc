#include "server/kv/coordinator.h"

#include <gtest/gtest.h>

namespace raftlab::kv {
namespace {

TEST(Coordinator, KeysAtRangeBoundariesGoToTheRangeTheyStart) {
  Coordinator c(RouteTable::Even(4));
  auto group = [&](const std::string& key) { return c.ForKey(key).group_id; };
  EXPECT_EQ(group(std::string(1, '\x3f')), 1u);
  EXPECT_EQ(group(std::string(1, '\x40')), 2u);
  EXPECT_EQ(group(std::string("\x7f\xff\xff", 3)), 2u);
  EXPECT_EQ(group(std::string(1, '\x80')), 3u);
  EXPECT_EQ(group(std::string(1, '\xc0')), 4u);
  EXPECT_EQ(group(std::string("\xff\xff", 2)), 4u);
}

TEST(Coordinator, InstallIfNewerNeverMovesBackAndInstallFollowsTheReplicatedTable) {
  Coordinator c(RouteTable::Even(2));
  auto split = RouteTable::Even(2).Split("m");
  ASSERT_TRUE(split.ok());
  EXPECT_TRUE(c.InstallIfNewer(*split));
  EXPECT_EQ(c.table().version(), 2u);
  EXPECT_FALSE(c.InstallIfNewer(RouteTable::Even(2))) << "older version";
  EXPECT_EQ(c.table(), *split);
  EXPECT_EQ(c.table().Lookup("m").route_id, 3u);
  c.Install(RouteTable::Even(1));
  EXPECT_EQ(c.table(), RouteTable::Even(1));
}

TEST(Coordinator, ForRangeListsEveryRouteAcrossAGroupBoundary) {
  Coordinator c(RouteTable::Even(4));
  std::vector<Route> r = c.ForRange(std::string(1, '\x3f'), std::string(1, '\x41'));
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].group_id, 1u) << "first route first";
  EXPECT_EQ(r[1].group_id, 2u);
}

TEST(Coordinator, ForKeysNamesBothGroupsWhenKeysSpanThem) {
  Coordinator c(RouteTable::Even(2));
  auto same = c.ForKeys({"a", "b"});
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(same->group_id, 1u);
  auto spanning = c.ForKeys({"a", std::string(1, '\x90')});
  ASSERT_FALSE(spanning.ok());
  EXPECT_TRUE(absl::IsInvalidArgument(spanning.status()));
  EXPECT_NE(spanning.status().message().find("keys span groups 1 and 2"), std::string::npos)
      << spanning.status().message();
}

}  // namespace
}  // namespace raftlab::kv
