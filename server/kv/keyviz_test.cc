#include "server/kv/keyviz.h"

#include <gtest/gtest.h>

namespace raftlab::kv {
namespace {

struct FakeNow {
  int64_t ms = 10'000;
};

KeyVizSampler Make(FakeNow* now, int columns = 4) {
  KeyVizOptions o;
  o.column_width = std::chrono::milliseconds(1000);
  o.columns = columns;
  o.now_ms = [now] { return now->ms; };
  return KeyVizSampler(o);
}

TEST(KeyViz, CountsReadsWritesAndBytesPerRouteInTheCurrentColumn) {
  FakeNow now;
  auto s = Make(&now);
  s.Observe(1, KeyVizOp::kRead, 3, 10);
  s.Observe(1, KeyVizOp::kRead, 3, 0);
  s.Observe(1, KeyVizOp::kWrite, 3, 5);
  s.Observe(2, KeyVizOp::kWrite, 1, 1);
  const KeyVizMatrix m = s.Snapshot();
  EXPECT_EQ(m.column_width_ms, 1000);
  ASSERT_EQ(m.column_start_ms.size(), 4u);
  EXPECT_EQ(m.column_start_ms.back(), 10'000);
  EXPECT_EQ(m.column_start_ms.front(), 7'000);
  ASSERT_EQ(m.rows.size(), 2u);
  EXPECT_EQ(m.rows.at(1).back(), (KeyVizCell{2, 1, 16, 8}));
  EXPECT_EQ(m.rows.at(2).back(), (KeyVizCell{0, 1, 0, 2}));
  EXPECT_EQ(m.rows.at(1).front(), KeyVizCell{}) << "older columns are empty";
}

TEST(KeyViz, ColumnsMoveWithTimeAndOldOnesFallOutOfTheRing) {
  FakeNow now;
  auto s = Make(&now, 3);
  s.Observe(7, KeyVizOp::kWrite, 1, 0);  // column 10
  now.ms = 11'500;
  s.Observe(7, KeyVizOp::kRead, 1, 0);  // column 11
  KeyVizMatrix m = s.Snapshot();
  ASSERT_EQ(m.rows.at(7).size(), 3u);
  EXPECT_EQ(m.rows.at(7)[1].writes, 1u);
  EXPECT_EQ(m.rows.at(7)[2].reads, 1u);
  now.ms = 13'000;  // column 13: the ring holds 11..13, column 10 is gone
  s.Observe(8, KeyVizOp::kRead, 1, 0);
  m = s.Snapshot();
  EXPECT_EQ(m.column_start_ms.front(), 11'000);
  EXPECT_EQ(m.rows.at(7)[0].reads, 1u);
  EXPECT_EQ(m.rows.at(7)[0].writes, 0u);
  now.ms = 16'000;  // column 16 reuses column 13's slot (16 % 3 == 13 % 3) and clears it
  s.Observe(9, KeyVizOp::kRead, 1, 0);
  m = s.Snapshot();
  EXPECT_EQ(m.rows.count(7), 0u);
  EXPECT_EQ(m.rows.count(8), 0u);
  EXPECT_EQ(m.rows.at(9).back().reads, 1u);
}

}  // namespace
}  // namespace raftlab::kv
