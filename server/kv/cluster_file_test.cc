#include "server/kv/cluster_file.h"

#include <gtest/gtest.h>

namespace raftlab::kv {
namespace {

TEST(ClusterFile, ParsesRoutesWithEscapesCommentsAndOpenEnds) {
  auto t = ParseClusterFile(
      "# four ranges over two groups\n"
      "route -    \\x40 1\n"
      "\n"
      "route \\x40 m    2   # text keys work too\n"
      "route m    \\xc0 1\n"
      "route \\xc0 -    2\n",
      "c.txt");
  ASSERT_TRUE(t.ok()) << t.status();
  ASSERT_EQ(t->routes().size(), 4u);
  EXPECT_EQ(t->version(), 1u);
  EXPECT_EQ(t->routes()[1].start, "\x40");
  EXPECT_EQ(t->routes()[1].end, "m");
  EXPECT_EQ(t->routes()[3].route_id, 4u);
  EXPECT_EQ(t->Lookup("\xc1").group_id, 2u);
  EXPECT_EQ(t->Groups(), (std::vector<uint64_t>{1, 2}));
}

void ExpectError(const std::string& text, const std::string& where) {
  auto t = ParseClusterFile(text, "c.txt");
  ASSERT_FALSE(t.ok()) << text;
  EXPECT_NE(t.status().message().find(where), std::string::npos) << t.status();
}

TEST(ClusterFile, ErrorsNameFileLineAndField) {
  ExpectError("route - m 1\nrange m - 2\n", "c.txt:2: directive");
  ExpectError("route - m\n", "c.txt:1: directive");
  ExpectError("route a m 1\nroute m - 2\n", "c.txt:1: start");
  ExpectError("route - m 1\nroute n - 2\n", "c.txt:2: start");
  ExpectError("route - m 1\nroute m a 2\nroute a - 1\n", "c.txt:2: end");
  ExpectError("route - m 1\nroute m - x\n", "c.txt:2: group");
  ExpectError("route - m 0\nroute m - 1\n", "c.txt:1: group");
  ExpectError("route - \\xZZ 1\n", "c.txt:1: end");
  ExpectError("route - m 1\n", "c.txt:1: end");
  ExpectError("# nothing\n", "no 'route' lines");
}

TEST(ClusterFile, PrintableKeyRoundTripsThroughTheParser) {
  const std::string key("a\\b\x01-\xff", 6);
  auto t = ParseClusterFile("route - " + PrintableKey(key) + " 1\nroute " + PrintableKey(key) + " - 1\n", "c");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->routes()[0].end, key);
  EXPECT_EQ(PrintableKey(""), "-");
  EXPECT_EQ(PrintableKey("-"), "\\x2d");
}

TEST(ClusterFile, MissingFileIsNamed) {
  auto t = LoadClusterFile("/nonexistent/raftlab-cluster");
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.status().message().find("/nonexistent/raftlab-cluster"), std::string::npos);
}

}  // namespace
}  // namespace raftlab::kv
