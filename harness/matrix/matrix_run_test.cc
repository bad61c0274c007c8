// raftlab-harness matrix through the binary against real servers (5 ms ticks, 4-second
// runs): a two-cell matrix whose second cell runs servers with a planted bug publishes
// index.html (the invalid cell first), junit.xml (valid against ci/junit.xsd, one failure)
// and exits 1; two shards merged give the cells one run gives; bad matrix files and
// incomplete merges are refused with named errors.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <tuple>

#include <nlohmann/json.hpp>

#include "harness/test_util.h"

namespace raftlab::harness {
namespace {

namespace fs = std::filesystem;

const std::string kFast =
    "--nodes 3 --tick-ms 5 --election-ticks 40 --heartbeat-ticks 4 --lease-margin-ms 50 --op-timeout-ms 1000 "
    "--nemesis-interval-ms 1000 --nemesis-duration-ms 1500";

// One correct-server cell and one whose servers answer linearizable reads from a follower's
// local state (faults/bugs.h), the configuration validate uses for that bug.
std::string TwoCellMatrix() {
  return R"({
  "time_limit_s": 4, "overhead_s": 10,
  "flags": ")" + kFast + R"( --rate 150 --concurrency 6",
  "axes": {"workload": ["register"], "nemesis": {"partitions": "--nemesis partition"}},
  "cells": [{"name": "follower-local-read",
             "flags": ")" + kFast + R"( --workload register --nemesis partition --rate 400 --concurrency 20 --keys 2 --unsafe-bug follower-local-read"}]
})";
}

std::string Harness() { return RAFTLAB_HARNESS_BIN; }
std::string Server() { return RAFTLAB_SERVER_BIN; }

std::string WriteMatrix(const testing::TempDir& dir, const std::string& text) {
  const std::string path = dir.path() + "/m.json";
  std::ofstream(path) << text;
  return path;
}

testing::CommandResult Matrix(const std::string& file, const std::string& out, const std::string& more = "") {
  return testing::RunCommand(Harness() + " matrix --file " + file + " --seeds 1 --out " + out +
                             " --server-binary " + Server() + " " + more);
}

// (id, status, verdict) of every cell of a summary.json, in plan order.
std::vector<std::tuple<std::string, std::string, std::string>> Cells(const std::string& dir) {
  auto j = nlohmann::json::parse(testing::ReadAll(dir + "/summary.json"));
  std::vector<std::tuple<std::string, std::string, std::string>> out;
  for (const auto& c : j["cells"]) out.emplace_back(c["id"], c["status"], c["verdict"]);
  return out;
}

TEST(MatrixRun, PlantedBugCellFailsTheMatrixAndIsListedFirst) {
  testing::TempDir dir;
  const std::string out = dir.path() + "/matrix";
  auto r = Matrix(WriteMatrix(dir, TwoCellMatrix()), out);
  if (r.exit_code != 1) dir.Keep();
  ASSERT_EQ(r.exit_code, 1) << r.output;

  using Row = std::tuple<std::string, std::string, std::string>;
  const std::vector<Row> want = {Row{"register-partitions-s1", "passed", "valid"},
                                 Row{"follower-local-read-s1", "failed", "invalid"}};
  EXPECT_EQ(Cells(out), want);
  auto summary = nlohmann::json::parse(testing::ReadAll(out + "/summary.json"));
  for (const auto& c : summary["cells"]) {
    EXPECT_GT(c["ops"].get<int>(), 100) << c["id"];
    EXPECT_GE(c["fault_count"].get<int>(), 1) << c["id"];
    EXPECT_TRUE(fs::exists(out + "/" + c["report"].get<std::string>())) << c["report"];
    EXPECT_NE(c["reproduce"].get<std::string>().find("--seed 1"), std::string::npos);
  }
  EXPECT_EQ(summary["exit_code"], 1);

  const std::string html = testing::ReadAll(out + "/index.html");
  const size_t bug = html.find("<b>follower-local-read-s1</b>"), ok = html.find("<b>register-partitions-s1</b>");
  ASSERT_NE(bug, std::string::npos) << html;
  ASSERT_NE(ok, std::string::npos) << html;
  EXPECT_LT(bug, ok) << "the invalid cell comes first";
  EXPECT_NE(html.find("href=\"cells/follower-local-read-s1/report.html\""), std::string::npos);

  auto lint = testing::RunCommand("xmllint --noout --schema " + std::string(RAFTLAB_SOURCE_DIR) + "/ci/junit.xsd " +
                                  out + "/junit.xml");
  EXPECT_EQ(lint.exit_code, 0) << lint.output;
  const std::string xml = testing::ReadAll(out + "/junit.xml");
  EXPECT_NE(xml.find("tests=\"2\" failures=\"1\" errors=\"0\" skipped=\"0\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("name=\"follower-local-read-s1\""), std::string::npos);
}

TEST(MatrixRun, MergedShardsGiveWhatOneRunGives) {
  testing::TempDir dir;
  const std::string file = WriteMatrix(dir, TwoCellMatrix());
  auto whole = Matrix(file, dir.path() + "/whole");
  auto s1 = Matrix(file, dir.path() + "/shard1", "--shard 1/2");
  auto s2 = Matrix(file, dir.path() + "/shard2", "--shard 2/2");
  EXPECT_EQ(whole.exit_code, 1) << whole.output;
  EXPECT_EQ(s1.exit_code, 0) << "shard 1 holds the correct-server cell: " << s1.output;
  EXPECT_EQ(s2.exit_code, 1) << "shard 2 holds the planted bug: " << s2.output;
  EXPECT_EQ(Cells(dir.path() + "/shard1").size(), 1u);
  auto merged = testing::RunCommand(Harness() + " matrix-merge --out " + dir.path() + "/merged " + dir.path() +
                                    "/shard2 " + dir.path() + "/shard1");
  if (merged.exit_code != 1) dir.Keep();
  EXPECT_EQ(merged.exit_code, 1) << merged.output;
  EXPECT_EQ(Cells(dir.path() + "/merged"), Cells(dir.path() + "/whole"));
  auto m = nlohmann::json::parse(testing::ReadAll(dir.path() + "/merged/summary.json"));
  EXPECT_EQ(m["shards"], nlohmann::json::array({1, 2}));
  for (const auto& c : m["cells"]) {
    EXPECT_TRUE(fs::exists(dir.path() + "/merged/" + c["report"].get<std::string>())) << "copied: " << c["report"];
  }
  auto lint = testing::RunCommand("xmllint --noout --schema " + std::string(RAFTLAB_SOURCE_DIR) + "/ci/junit.xsd " +
                                  dir.path() + "/merged/junit.xml");
  EXPECT_EQ(lint.exit_code, 0) << lint.output;

  // A merge missing a shard says so and does not pass.
  auto partial = testing::RunCommand(Harness() + " matrix-merge --out " + dir.path() + "/partial " + dir.path() +
                                     "/shard1");
  EXPECT_EQ(partial.exit_code, 3) << partial.output;
  EXPECT_NE(partial.output.find("shard(s) 2 of 2 missing"), std::string::npos) << partial.output;
}

TEST(MatrixRun, BadCellsAndFlagsAreRefusedBeforeAnythingRuns) {
  testing::TempDir dir;
  const std::string file =
      WriteMatrix(dir, R"({"axes": {"workload": ["register"], "nemesis": {"odd": "--nemesis earthquake"}}})");
  auto r = Matrix(file, dir.path() + "/out");
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.output.find("m.json: cell register-odd-s1: "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("earthquake"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(dir.path() + "/out/summary.json"));
  for (auto [flag, needle] : {std::pair{"--shard 3/2", "--shard"}, std::pair{"--budget 5x", "--budget"}}) {
    auto b = Matrix(file, dir.path() + "/out", flag);
    EXPECT_EQ(b.exit_code, 3) << flag;
    EXPECT_NE(b.output.find(needle), std::string::npos) << b.output;
  }
  auto missing = Matrix(dir.path() + "/nonexistent.json", dir.path() + "/out");
  EXPECT_EQ(missing.exit_code, 3);
  EXPECT_NE(missing.output.find("nonexistent.json: cannot read"), std::string::npos) << missing.output;
  // --dry-run lists the plan of a shard without running it.
  const std::string two = WriteMatrix(dir, TwoCellMatrix());
  auto dry = Matrix(two, dir.path() + "/dry", "--dry-run --shard 2/2");
  EXPECT_EQ(dry.exit_code, 0) << dry.output;
  EXPECT_NE(dry.output.find("follower-local-read-s1"), std::string::npos) << dry.output;
  EXPECT_EQ(dry.output.find("register-partitions-s1 "), std::string::npos) << dry.output;
  EXPECT_FALSE(fs::exists(dir.path() + "/dry"));
}

TEST(MatrixRun, ShippedMatrixFilesAreAccepted) {
  // Every cell of the shipped matrices passes the harness's own flag checks.
  for (auto [file, cells] : {std::pair{"nightly.json", "97 configurations x 1 seed(s) = 97 cells"},
                             std::pair{"smoke.json", "3 configurations x 1 seed(s) = 3 cells"}}) {
    auto r = testing::RunCommand(Harness() + " matrix --dry-run --seeds 1 --file " + std::string(RAFTLAB_SOURCE_DIR) +
                                 "/ci/matrix/" + file);
    EXPECT_EQ(r.exit_code, 0) << file << ": " << r.output;
    EXPECT_NE(r.output.find(cells), std::string::npos) << r.output;
  }
}

}  // namespace
}  // namespace raftlab::harness
