// The published pages of a matrix: failed cells first in index.html, junit.xml in the shape
// CI systems accept (xmllint against ci/junit.xsd) with the right counts, summary.json read
// back as written, exit codes.
#include "harness/matrix/publish.h"

#include <gtest/gtest.h>

#include <fstream>

#include "harness/test_util.h"

namespace raftlab::harness {
namespace {

CellResult Cell(int order, const std::string& id, const std::string& status, const std::string& verdict) {
  CellResult r;
  r.cell.order = order;
  r.cell.id = id;
  r.cell.command = "test";
  r.cell.axes = {{"workload", "register"}, {"nemesis", "partitions"}};
  r.cell.seed = 1;
  r.cell.flags = {"--workload", "register"};
  r.status = status;
  r.verdict = verdict;
  r.summary = verdict + ": <summary> & \"quotes\"\x01";
  r.dir = "cells/" + id;
  r.report = r.dir + "/report.html";
  r.log = r.dir + ".log";
  r.ops = 100 + order;
  r.faults = {"partition"};
  r.fault_count = 2;
  r.coverage = {{"leader_changes_seen_by_nodes", 3}, {"lane_drops", nlohmann::json::object()}};
  r.wall_s = 5.5;
  return r;
}

MatrixSummary Summary() {
  MatrixSummary s;
  s.matrix = "m.json";
  s.digest = "123";
  s.seeds = 1;
  s.shard_count = 1;
  s.shards = {1};
  s.planned = 4;
  s.cells = {Cell(0, "passing", "passed", "valid"), Cell(1, "caught", "failed", "invalid"),
             Cell(2, "broken", "error", "error"), Cell(3, "late", "skipped", "skipped")};
  return s;
}

TEST(MatrixPublish, IndexListsFailedCellsFirstWithLinks) {
  const std::string html = MatrixIndexHtml(Summary());
  const size_t caught = html.find("<b>caught</b>"), broken = html.find("<b>broken</b>"),
               late = html.find("<b>late</b>"), passing = html.find("<b>passing</b>");
  ASSERT_NE(caught, std::string::npos);
  EXPECT_LT(caught, broken);
  EXPECT_LT(broken, late);
  EXPECT_LT(late, passing);
  EXPECT_NE(html.find("href=\"cells/caught/report.html\""), std::string::npos);
  EXPECT_NE(html.find("1 passed, 1 failed, 1 errors, 1 skipped of 4 planned"), std::string::npos);
  EXPECT_NE(html.find("leader_changes_seen_by_nodes 3"), std::string::npos);
  EXPECT_EQ(html.find("<summary>"), std::string::npos) << "escaped";
}

TEST(MatrixPublish, JunitHasTheShapeCiSystemsRead) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/junit.xml";
  MatrixSummary s = Summary();
  // The failure message is cut at 200 bytes: not inside a UTF-8 character.
  s.cells[2].summary = std::string(199, 'a') + "\xc3\xa9 after";
  const std::string xml = MatrixJunitXml(s);
  std::ofstream(path) << xml;
  auto r = testing::RunCommand("xmllint --noout --schema " + std::string(RAFTLAB_SOURCE_DIR) + "/ci/junit.xsd " + path);
  EXPECT_EQ(r.exit_code, 0) << r.output << xml;
  EXPECT_NE(xml.find("tests=\"4\" failures=\"1\" errors=\"1\" skipped=\"1\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("<testcase classname=\"matrix.test.register\" name=\"caught\""), std::string::npos);
  EXPECT_NE(xml.find("<failure message=\"invalid: invalid: &lt;summary&gt;"), std::string::npos);
  EXPECT_NE(xml.find("type=\"harness-error\""), std::string::npos);
  EXPECT_EQ(xml.find('\x01'), std::string::npos) << "characters XML forbids are dropped";
}

TEST(MatrixPublish, SchemaRejectsAMalformedReport) {
  // The schema check can fail: a testcase without a name is refused.
  testing::TempDir dir;
  const std::string path = dir.path() + "/junit.xml";
  std::ofstream(path) << "<testsuites><testsuite name=\"a\" tests=\"1\"><testcase classname=\"c\"/></testsuite>"
                         "</testsuites>\n";
  auto r = testing::RunCommand("xmllint --noout --schema " + std::string(RAFTLAB_SOURCE_DIR) + "/ci/junit.xsd " + path);
  EXPECT_NE(r.exit_code, 0) << r.output;
}

TEST(MatrixPublish, SummaryRoundTripsAndGivesTheExitCode) {
  MatrixSummary s = Summary();
  const nlohmann::json j = SummaryJson(s);
  EXPECT_EQ(j["exit_code"], 1);
  EXPECT_EQ(j["counts"]["failed"], 1);
  auto back = ParseSummaryJson(j.dump(), "summary.json");
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(SummaryJson(*back), j);
  EXPECT_FALSE(ParseSummaryJson("{\"matrix\": 1}", "x/summary.json").ok());

  std::vector<CellResult> cells = {Cell(0, "a", "passed", "valid"), Cell(1, "b", "skipped", "skipped")};
  EXPECT_EQ(MatrixExitCode(cells), 0) << "skipped cells alone do not fail";
  cells.push_back(Cell(2, "c", "error", "error"));
  EXPECT_EQ(MatrixExitCode(cells), 3);
  cells.push_back(Cell(3, "d", "failed", "unknown"));
  EXPECT_EQ(MatrixExitCode(cells), 1);
}

}  // namespace
}  // namespace raftlab::harness
