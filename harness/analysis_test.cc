// Analysis of a run folder: results.json and report.html from a history with faults, a
// counterexample on its timeline with the overlapping fault named, and the report
// rendered by headless Chromium (the screenshot is kept in test-output/).
#include "harness/analysis.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "harness/recorder.h"
#include "harness/test_util.h"

namespace raftlab::harness {
namespace {

using checkers::Value;
using workloads::OpRequest;
using workloads::OpResult;
using workloads::Outcome;

// A run folder whose key r1 has a stale read inside a partition, plus valid traffic.
void WriteStaleRun(const std::string& dir) {
  nlohmann::json params = {{"workload", "stale-register"}, {"model", "cas-register"}, {"nemesis", "partition"},
                           {"nodes", 3},  {"seed", 7},  {"command", "raftlab-harness test --workload stale-register"}};
  std::ofstream(dir + "/params.json") << params.dump(2);
  std::ofstream(dir + "/node1.log") << "log\n";
  std::filesystem::create_directories(dir + "/metrics");
  std::ofstream(dir + "/metrics/start-node1.prom") << "# metrics\n";
  auto rec = HistoryRecorder::Open(dir + "/history.jsonl");
  ASSERT_TRUE(rec.ok());
  auto ok = [](Value v, const char* node) {
    OpResult r;
    r.outcome = Outcome::kOk;
    r.value = std::move(v);
    r.node = node;
    return r;
  };
  for (int64_t v = 1; v <= 20; ++v) {
    OpRequest w{"write", "r0", Value::Int(v)};
    (*rec)->Invoke(0, w);
    (*rec)->Complete(0, w, ok(Value::Int(v), "n1"), nullptr);
  }
  OpRequest w1{"write", "r1", Value::Int(1)};
  (*rec)->Invoke(1, w1);
  (*rec)->Complete(1, w1, ok(Value::Int(1), "n1"), nullptr);
  (*rec)->Nemesis(true, "partition-halves", "[3] | [1,2]");
  OpRequest w2{"write", "r1", Value::Int(2)};
  (*rec)->Invoke(1, w2);
  (*rec)->Complete(1, w2, ok(Value::Int(2), "n1"), nullptr);
  OpRequest r{"read", "r1", Value::Null()};
  (*rec)->Invoke(2, r);
  (*rec)->Complete(2, r, ok(Value::Int(1), "n3"), "stale");
  (*rec)->Nemesis(false, "partition-halves", "[3] | [1,2]");
}

TEST(AnalyzeRunDir, StaleReadIsInvalidWithTheOverlappingFaultNamed) {
  testing::TempDir dir;
  WriteStaleRun(dir.path());
  std::string summary;
  auto code = AnalyzeRunDir(dir.path(), 10, &summary);
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(*code, 1);
  EXPECT_EQ(summary.rfind("invalid: key r1", 0), 0u) << summary;
  auto results = nlohmann::json::parse(testing::ReadAll(dir.path() + "/results.json"));
  EXPECT_EQ(results["verdict"], "invalid");
  EXPECT_EQ(results["params"]["seed"], 7);
  ASSERT_EQ(results["nemesis"].size(), 1u);
  EXPECT_EQ(results["nemesis"][0]["fault"], "partition-halves");
  const std::string html = testing::ReadAll(dir.path() + "/report.html");
  EXPECT_NE(html.find("Key r1: invalid"), std::string::npos);
  EXPECT_NE(html.find("Faults overlapping this window"), std::string::npos);
  EXPECT_NE(html.find("<b>partition-halves</b> [3] | [1,2]"), std::string::npos);
  EXPECT_NE(html.find("raftlab-harness test --workload stale-register"), std::string::npos);
  EXPECT_NE(html.find("href='node1.log'"), std::string::npos);
  EXPECT_NE(html.find("href='metrics/start-node1.prom'"), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos) << "the report must not need scripts";
  EXPECT_EQ(html.find("http://"), html.find("http://www.w3.org/2000/svg")) << "no external resources";
}

TEST(AnalyzeRunDir, NotARunFolderIsAnError) {
  testing::TempDir dir;
  auto code = AnalyzeRunDir(dir.path(), 10, nullptr);
  ASSERT_FALSE(code.ok());
  EXPECT_NE(code.status().message().find("not a run folder"), std::string::npos);
}

TEST(AnalyzeRunDir, MalformedHistoryNamesFileAndLine) {
  testing::TempDir dir;
  WriteStaleRun(dir.path());
  std::ofstream(dir.path() + "/history.jsonl", std::ios::app) << "{\"index\":99,\"type\":\"ok\"\n";
  auto code = AnalyzeRunDir(dir.path(), 10, nullptr);
  ASSERT_FALSE(code.ok());
  EXPECT_NE(code.status().message().find("history.jsonl:"), std::string::npos) << code.status();
}

TEST(ReportHtml, RendersInHeadlessChromium) {
  const std::string chromium = "/usr/bin/chromium";
  if (access(chromium.c_str(), X_OK) != 0) {
    GTEST_SKIP() << chromium << " is missing (ci/install-deps.sh installs the chromium package)";
  }
  testing::TempDir dir, profile;
  WriteStaleRun(dir.path());
  ASSERT_TRUE(AnalyzeRunDir(dir.path(), 10, nullptr).ok());
  const std::string out_dir = RAFTLAB_TEST_OUTPUT_DIR;
  std::filesystem::create_directories(out_dir);
  const std::string shot = out_dir + "/report-stale-register.png";
  std::filesystem::remove(shot);
  std::filesystem::copy_file(dir.path() + "/report.html", out_dir + "/report-stale-register.html",
                             std::filesystem::copy_options::overwrite_existing);
  auto r = testing::RunCommand(chromium +
                               " --headless --no-sandbox --disable-gpu --disable-quic --no-first-run"
                               " --disable-background-networking --disable-component-update --disable-sync"
                               " --window-size=1000,1400 --user-data-dir=" + profile.path() +
                               " --screenshot=" + shot + " file://" + dir.path() + "/report.html");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  ASSERT_TRUE(std::filesystem::exists(shot)) << r.output;
  EXPECT_GT(std::filesystem::file_size(shot), 10000u) << "a blank page would be tiny";
}

}  // namespace
}  // namespace raftlab::harness
