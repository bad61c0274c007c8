#include "server/kv/route_table.h"

#include <gtest/gtest.h>

namespace raftlab::kv {
namespace {

TEST(RouteTable, EvenSplitCoversTheKeySpaceAndRoutesBoundariesRight) {
  const RouteTable t = RouteTable::Even(4);
  ASSERT_EQ(t.routes().size(), 4u);
  EXPECT_EQ(t.Lookup("").group_id, 1u);
  EXPECT_EQ(t.Lookup(std::string(1, '\x3f')).group_id, 1u);
  EXPECT_EQ(t.Lookup(std::string(1, '\x40')).group_id, 2u) << "a range's start belongs to it";
  EXPECT_EQ(t.Lookup(std::string("\x7f\xff", 2)).group_id, 2u);
  EXPECT_EQ(t.Lookup(std::string(1, '\x80')).group_id, 3u);
  EXPECT_EQ(t.Lookup(std::string("\xff\xff\xff", 3)).group_id, 4u);
  EXPECT_EQ(t.Groups(), (std::vector<uint64_t>{1, 2, 3, 4}));
}

TEST(RouteTable, OneGroupOwnsEverything) {
  const RouteTable t = RouteTable::Even(1);
  ASSERT_EQ(t.routes().size(), 1u);
  EXPECT_EQ(t.Lookup("anything").group_id, 1u);
  EXPECT_EQ(t.Lookup("").route_id, 1u);
}

TEST(RouteTable, OverlappingFindsEveryRouteOfARangeInOrder) {
  const RouteTable t = RouteTable::Even(4);
  auto all = t.Overlapping("", "");
  EXPECT_EQ(all.size(), 4u);
  auto mid = t.Overlapping(std::string(1, '\x50'), std::string(1, '\x90'));
  ASSERT_EQ(mid.size(), 2u);
  EXPECT_EQ(mid[0].group_id, 2u);
  EXPECT_EQ(mid[1].group_id, 3u);
  auto exact = t.Overlapping(std::string(1, '\x40'), std::string(1, '\x80'));
  ASSERT_EQ(exact.size(), 1u) << "an end equal to the next start excludes that route";
}

TEST(RouteTable, SplitKeepsTheGroupAndBumpsTheVersion) {
  const RouteTable t = RouteTable::Even(1);
  auto s = t.Split("m");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->version(), t.version() + 1);
  ASSERT_EQ(s->routes().size(), 2u);
  EXPECT_EQ(s->Lookup("a").route_id, 1u);
  EXPECT_EQ(s->Lookup("m").route_id, 2u);
  EXPECT_EQ(s->Lookup("z").group_id, 1u);
  EXPECT_FALSE(s->Split("m").ok()) << "splitting at an existing boundary";
}

TEST(RouteTable, MakeRejectsGapsOverlapsAndBadEnds) {
  EXPECT_FALSE(RouteTable::Make(1, {}).ok());
  EXPECT_FALSE(RouteTable::Make(1, {{1, "a", "", 1}}).ok()) << "must start at the empty key";
  EXPECT_FALSE(RouteTable::Make(1, {{1, "", "m", 1}, {2, "n", "", 1}}).ok()) << "gap";
  EXPECT_FALSE(RouteTable::Make(1, {{1, "", "m", 1}}).ok()) << "last must be unbounded";
  EXPECT_FALSE(RouteTable::Make(1, {{1, "", "m", 1}, {1, "m", "", 2}}).ok()) << "duplicate id";
  EXPECT_FALSE(RouteTable::Make(1, {{1, "", "", 0}}).ok()) << "group 0";
  auto err = RouteTable::Make(1, {{1, "", "m", 1}, {2, "n", "", 1}});
  EXPECT_NE(err.status().message().find("route 2"), std::string::npos) << err.status();
  EXPECT_TRUE(RouteTable::Make(3, {{1, "", "m", 1}, {2, "m", "", 2}}).ok());
}

}  // namespace
}  // namespace raftlab::kv

namespace raftlab::kv {
namespace {

TEST(RouteTable, EncodeDecodeRoundTripsAndRejectsDamage) {
  auto t = RouteTable::Even(4).Split(std::string("\x41\x00z", 3));
  ASSERT_TRUE(t.ok()) << t.status();
  const std::string image = t->Encode();
  auto back = RouteTable::Decode(image);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, *t);
  EXPECT_FALSE(RouteTable::Decode(image.substr(0, image.size() - 1)).ok()) << "truncated";
  EXPECT_FALSE(RouteTable::Decode(image + "x").ok()) << "trailing bytes";
  EXPECT_FALSE(RouteTable::Decode("XX" + image.substr(2)).ok()) << "magic";
}

}  // namespace
}  // namespace raftlab::kv
