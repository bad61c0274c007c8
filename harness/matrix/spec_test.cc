// The matrix file: parsing and its named errors, the cross product and excludes, seeds in a
// budget, shards that cover the plan once, durations.
#include "harness/matrix/spec.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

namespace raftlab::harness {
namespace {

const char* kMatrix = R"({
  "time_limit_s": 20, "overhead_s": 10,
  "seeds": {"default": 2, "max": 5},
  "flags": "--nodes 3",
  "axes": {
    "workload": ["register", "set"],
    "dispatcher-lanes": [2, 4],
    "nemesis": {"partitions": "--nemesis partition", "kills": "--nemesis kill,pause"}
  },
  "exclude": [{"workload": "set", "nemesis": "kills"}],
  "cells": [
    {"name": "validate-quick", "command": "validate", "flags": "--quick --seeds 1", "estimate_s": 100},
    {"name": "bug", "flags": "--workload register --unsafe-bug follower-local-read", "expect": "invalid"}
  ]
})";

MatrixSpec Parse(const std::string& text) {
  auto s = ParseMatrixSpec(text, "m.json");
  EXPECT_TRUE(s.ok()) << s.status();
  return s.ok() ? *s : MatrixSpec{};
}

void ExpectError(const std::string& text, const std::string& needle) {
  auto s = ParseMatrixSpec(text, "m.json");
  ASSERT_FALSE(s.ok()) << text;
  EXPECT_NE(s.status().message().find(needle), std::string::npos) << s.status().message();
  EXPECT_NE(s.status().message().find("m.json"), std::string::npos) << "names the file";
}

TEST(MatrixSpec, CrossProductMinusExcludesThenExtraCells) {
  MatrixSpec spec = Parse(kMatrix);
  // 2 workloads x 2 lanes x 2 nemesis sets = 8, minus set+kills x 2 lanes = 6, plus 2 cells.
  EXPECT_EQ(ConfigurationCount(spec), 8u);
  auto cells = ExpandCells(spec, 2);
  ASSERT_EQ(cells.size(), 1u + 2 * 7u) << "validate once, the rest per seed";
  EXPECT_EQ(cells[0].id, "validate-quick");
  EXPECT_EQ(cells[0].command, "validate");
  EXPECT_EQ(cells[1].id, "register-2-partitions-s1");
  const std::vector<std::string> want = {"--nodes",  "3",      "--workload", "register",     "--dispatcher-lanes",
                                         "2",        "--nemesis", "partition", "--seed",     "1",
                                         "--time-limit", "20"};
  EXPECT_EQ(cells[1].flags, want);
  EXPECT_DOUBLE_EQ(cells[1].estimate_s, 30);
  std::set<std::string> ids;
  for (const auto& c : cells) {
    EXPECT_TRUE(ids.insert(c.id).second) << "unique id " << c.id;
    EXPECT_EQ(c.id.find("set-4-kills"), std::string::npos) << "excluded";
    EXPECT_EQ(c.id.find("set-2-kills"), std::string::npos) << "excluded";
  }
  EXPECT_EQ(cells[7].id, "bug-s1");
  EXPECT_EQ(cells[7].expect, "invalid");
  EXPECT_EQ(cells[8].id, "register-2-partitions-s2") << "seed-major: every configuration before seed 2";
  for (size_t i = 0; i < cells.size(); ++i) EXPECT_EQ(cells[i].order, static_cast<int>(i));
}

TEST(MatrixSpec, SeedsFitTheBudgetTimesShards) {
  MatrixSpec spec = Parse(kMatrix);
  // Per seed: 7 cells x 30 s = 210 s; the validate cell 100 s once.
  EXPECT_EQ(PlanSeeds(spec, 0, 0, 1), 2) << "no budget: the file's default";
  EXPECT_EQ(PlanSeeds(spec, 3, 10, 1), 3) << "--seeds wins";
  EXPECT_EQ(PlanSeeds(spec, 0, 100 + 2 * 210, 1), 2);
  EXPECT_EQ(PlanSeeds(spec, 0, 100 + 2 * 210 - 1, 1), 1);
  EXPECT_EQ(PlanSeeds(spec, 0, 10, 1), 1) << "at least one round";
  EXPECT_EQ(PlanSeeds(spec, 0, 3600, 1), 5) << "at most seeds.max";
  EXPECT_EQ(PlanSeeds(spec, 0, (100 + 4 * 210) / 2.0, 2), 4) << "budget per shard x shards";
  EXPECT_EQ(PlanSeeds(spec, 0, (100 + 4 * 210) / 2.0, 2), PlanSeeds(spec, 0, 100 + 4 * 210, 1))
      << "n shards of B plan what one run of n x B plans";
}

TEST(MatrixSpec, ShardsCoverThePlanOnce) {
  auto cells = ExpandCells(Parse(kMatrix), 3);
  for (int n : {1, 2, 3, 7, 40}) {
    std::multiset<std::string> seen;
    for (int i = 1; i <= n; ++i) {
      auto shard = ShardCells(cells, i, n);
      if (n <= static_cast<int>(cells.size())) {
        EXPECT_FALSE(shard.empty()) << i << "/" << n;
      }
      for (const auto& c : shard) seen.insert(c.id);
    }
    ASSERT_EQ(seen.size(), cells.size()) << n;
    double lo = 1e18, hi = 0;
    for (int i = 1; i <= n; ++i) {
      double load = 0;
      for (const auto& c : ShardCells(cells, i, n)) load += c.estimate_s;
      lo = std::min(lo, load);
      hi = std::max(hi, load);
    }
    EXPECT_LE(hi - lo, 100) << "balanced within the longest cell's estimate, " << n << " shards";
    for (const auto& c : cells) EXPECT_EQ(seen.count(c.id), 1u) << c.id << " in " << n << " shards";
  }
}

TEST(MatrixSpec, ErrorsNameTheField) {
  ExpectError("{", "not JSON");
  ExpectError("[]", "must be a JSON object");
  ExpectError(R"({"axes": {"workload": ["register"]}, "colour": 1})", "field colour: unknown field");
  ExpectError(R"({"axes": {"workload": []}})", "field axes.workload: must not be empty");
  ExpectError(R"({"axes": {"workload": ["a b"]}})", "field axes.workload[0]");
  ExpectError(R"({"axes": {"workload": [1.5]}})", "field axes.workload[0]: must be a string or an integer");
  ExpectError(R"({"axes": {"nemesis": {"x": 3}}})", "field axes.nemesis.x: must be a string");
  ExpectError(R"({"axes": {"workload": ["register"]}, "time_limit_s": -1})", "field time_limit_s: must be a positive");
  ExpectError(R"({"axes": {"workload": ["register"]}, "seeds": {"default": 0}})", "field seeds.default");
  ExpectError(R"({"axes": {"workload": ["register"]}, "exclude": [{"lanes": 2}]})", "field exclude[0].lanes: no such axis");
  ExpectError(R"({"axes": {"workload": ["register"]}, "exclude": [{"workload": "set"}]})", "no such value");
  ExpectError(R"({"cells": [{"flags": "x"}]})", "field cells[0].name: required");
  ExpectError(R"({"cells": [{"name": "a"}, {"name": "a"}]})", "field cells[1].name: \"a\" is used twice");
  ExpectError(R"({"cells": [{"name": "a", "command": "run"}]})", "field cells[0].command: must be test or validate");
  ExpectError(R"({"cells": [{"name": "a", "expect": "maybe"}]})", "field cells[0].expect");
  ExpectError(R"({"axes": {"workload": ["register"]}, "exclude": [{"workload": "register"}]})", "has no cell");
  ExpectError(R"({})", "has no cell");
}

TEST(MatrixSpec, DurationsAndShards) {
  EXPECT_DOUBLE_EQ(*ParseDurationSeconds("90s", "--budget"), 90);
  EXPECT_DOUBLE_EQ(*ParseDurationSeconds("60m", "--budget"), 3600);
  EXPECT_DOUBLE_EQ(*ParseDurationSeconds("1h30m", "--budget"), 5400);
  EXPECT_DOUBLE_EQ(*ParseDurationSeconds("120", "--budget"), 120);
  for (const char* bad : {"", "m", "5x", "1h30", "0", "-5m"}) {
    auto d = ParseDurationSeconds(bad, "--budget");
    ASSERT_FALSE(d.ok()) << bad;
    EXPECT_NE(d.status().message().find("--budget"), std::string::npos);
  }
  EXPECT_EQ(*ParseShard("2/4"), (std::pair{2, 4}));
  for (const char* bad : {"0/4", "5/4", "2", "2/0", "a/b", "1/2x"}) {
    auto s = ParseShard(bad);
    ASSERT_FALSE(s.ok()) << bad;
    EXPECT_NE(s.status().message().find("--shard"), std::string::npos);
  }
}

}  // namespace
}  // namespace raftlab::harness
