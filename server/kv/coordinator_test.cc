#include "server/kv/coordinator.h"

#include <gtest/gtest.h>

namespace raftlab::kv {
namespace {

// Routing needs no running engine: a coordinator without engines reports which group a
// key maps to through its error, and the table through ForKey once engines exist. These
// tests check the table the coordinator routes with at range boundaries.
TEST(Coordinator, KeysAtRangeBoundariesGoToTheRangeTheyStart) {
  Coordinator c(RouteTable::Even(4));
  auto at = [&](const std::string& key) {
    auto t = c.ForKey(key);
    EXPECT_FALSE(t.ok()) << "no engines registered";
    return std::string(t.status().message());
  };
  EXPECT_NE(at(std::string(1, '\x3f')).find("group 1 "), std::string::npos);
  EXPECT_NE(at(std::string(1, '\x40')).find("group 2 "), std::string::npos);
  EXPECT_NE(at(std::string("\x7f\xff\xff", 3)).find("group 2 "), std::string::npos);
  EXPECT_NE(at(std::string(1, '\x80')).find("group 3 "), std::string::npos);
  EXPECT_NE(at(std::string(1, '\xc0')).find("group 4 "), std::string::npos);
  EXPECT_NE(at(std::string("\xff\xff", 2)).find("group 4 "), std::string::npos);
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
  auto r = c.ForRange(std::string(1, '\x3f'), std::string(1, '\x41'));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("group 1 "), std::string::npos) << "first route first";
}

}  // namespace
}  // namespace raftlab::kv
