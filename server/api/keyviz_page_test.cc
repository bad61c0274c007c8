#include "server/api/keyviz_page.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace raftlab::api {
namespace {

kv::KeyVizMatrix TwoColumns() {
  kv::KeyVizMatrix m;
  m.column_width_ms = 1000;
  m.column_start_ms = {5000, 6000};
  m.rows[2] = {kv::KeyVizCell{1, 2, 3, 4}, kv::KeyVizCell{5, 6, 7, 8}};
  m.rows[9] = {kv::KeyVizCell{}, kv::KeyVizCell{0, 1, 0, 10}};  // a route no longer in the table
  return m;
}

TEST(KeyVizPage, JsonHasEveryRouteOfTheTableThenGoneRoutes) {
  const auto doc = nlohmann::json::parse(KeyVizJson(TwoColumns(), kv::RouteTable::Even(2), 3));
  EXPECT_EQ(doc["node_id"], 3);
  EXPECT_EQ(doc["column_width_ms"], 1000);
  ASSERT_EQ(doc["rows"].size(), 3u);
  EXPECT_EQ(doc["rows"][0]["route_id"], 1);
  EXPECT_EQ(doc["rows"][0]["reads"], nlohmann::json::array({0, 0}));
  EXPECT_EQ(doc["rows"][0]["start_key"], "-");
  EXPECT_EQ(doc["rows"][0]["end_key"], "\\x80");
  EXPECT_EQ(doc["rows"][1]["writes"], nlohmann::json::array({2, 6}));
  EXPECT_EQ(doc["rows"][1]["write_bytes"], nlohmann::json::array({4, 8}));
  EXPECT_EQ(doc["rows"][2]["route_id"], 9);
  EXPECT_EQ(doc["rows"][2]["group_id"], 0);
}

TEST(KeyVizPage, ProtoCarriesCellsInColumnOrder) {
  const auto p = KeyVizToProto(TwoColumns(), kv::RouteTable::Even(2));
  EXPECT_EQ(p.column_width_ms(), 1000u);
  ASSERT_EQ(p.rows_size(), 3);
  ASSERT_EQ(p.rows(1).cells_size(), 2);
  EXPECT_EQ(p.rows(1).cells(1).reads(), 5u);
  EXPECT_EQ(p.rows(0).cells(0).reads(), 0u);
}

TEST(KeyVizPage, HtmlIsSelfContainedAndEmbedsTheData) {
  kv::KeyVizMatrix m = TwoColumns();
  auto table = kv::RouteTable::Make(1, {{1, "", "</script>", 1}, {2, "</script>", "", 1}});
  ASSERT_TRUE(table.ok());
  const std::string html = KeyVizHtml(m, *table, 1);
  EXPECT_NE(html.find("createElementNS"), std::string::npos) << "the SVG is built by the inline script";
  EXPECT_EQ(html.find("http://"), html.find("http://www.w3.org/2000/svg")) << "no fetch of anything";
  EXPECT_EQ(html.find("https://"), std::string::npos);
  EXPECT_EQ(html.find("src="), std::string::npos);
  EXPECT_EQ(html.find("</script>"), html.rfind("</script>")) << "keys cannot end the script early";
  EXPECT_NE(html.find("\"write_bytes\":[4,8]"), std::string::npos);
}

}  // namespace
}  // namespace raftlab::api
