// Power loss through the raftlab-harness binary: the data directories on raftlab-powerfs,
// whole-cluster and single-node power losses, and the durability verdict. With the WAL
// fsynced nothing acknowledged may be lost in either FSM sync mode (a failure here caught
// group directories created without fsyncing their parents); with a WAL whose fsyncs are
// not kept the lost write is reported, with the power loss that overlaps it.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "harness/process.h"
#include "harness/test_util.h"

namespace raftlab::harness {
namespace {

// Fast server timings: 5 ms ticks, elections after 200 ms.
const std::string kFast =
    " --tick-ms 5 --election-ticks 40 --heartbeat-ticks 4 --lease-margin-ms 50 --server-binary " +
    std::string(RAFTLAB_SERVER_BIN);

int MountsUnder(const std::string& dir) {
  std::ifstream in("/proc/self/mountinfo");
  int n = 0;
  for (std::string line; std::getline(in, line);) {
    if (line.find(" " + dir + "/") != std::string::npos) ++n;
  }
  return n;
}
bool AnyMountUnder(const std::string& dir) { return MountsUnder(dir) > 0; }

struct PowerRun {
  testing::CommandResult result;
  nlohmann::json results;
  std::string out;
};

PowerRun RunRegister(const testing::TempDir& dir, const std::string& extra, const std::string& env = "") {
  PowerRun r;
  r.out = dir.path() + "/run";
  r.result = testing::RunCommand(env + std::string(RAFTLAB_HARNESS_BIN) +
                                 " test --workload register --nemesis power-loss --nodes 3 --time-limit 6"
                                 " --rate 150 --concurrency 6 --keys 4 --nemesis-interval-ms 1000"
                                 " --nemesis-duration-ms 800 --op-timeout-ms 1000 --seed 1 --out " +
                                 r.out + kFast + extra);
  r.results = nlohmann::json::parse(testing::ReadAll(r.out + "/results.json"), nullptr, false);
  return r;
}

// The power losses the run recorded, with what they dropped.
void ExpectPowerLosses(const PowerRun& r) {
  ASSERT_TRUE(r.results.is_object()) << r.result.output;
  int losses = 0, whole = 0;
  for (const auto& n : r.results["nemesis"]) {
    if (n["fault"] != "power-loss") continue;
    ++losses;
    const std::string detail = n["detail"];
    EXPECT_NE(detail.find(" dropped "), std::string::npos) << detail;
    EXPECT_EQ(detail.find("error"), std::string::npos) << detail;
    if (detail.rfind("whole cluster", 0) == 0) ++whole;
  }
  EXPECT_GE(losses, 2) << "the run must reach its power losses";
  EXPECT_GE(whole, 1) << "the first power loss takes the whole cluster";
}

TEST(PowerLoss, RegisterInSyncModeLosesNothingAcknowledged) {
  testing::TempDir dir;
  PowerRun r = RunRegister(dir, " --fsm-sync-mode sync");
  if (r.result.exit_code != 0) dir.Keep();
  EXPECT_EQ(r.result.exit_code, 0) << r.result.output;
  ExpectPowerLosses(r);
  EXPECT_FALSE(AnyMountUnder(r.out)) << "every powerfs unmounted";
  EXPECT_FALSE(std::filesystem::exists(r.out + "/node1.disk")) << "a valid run removes the backing folders";
}

TEST(PowerLoss, RegisterInNosyncModeLosesNothingAcknowledged) {
  testing::TempDir dir;
  PowerRun r = RunRegister(dir, " --fsm-sync-mode nosync");
  if (r.result.exit_code != 0) dir.Keep();
  EXPECT_EQ(r.result.exit_code, 0) << r.result.output;
  ExpectPowerLosses(r);
  EXPECT_FALSE(AnyMountUnder(r.out));
}

// A disk that acknowledges the WAL's fsyncs without persisting re-creates "WAL without
// fsync": the whole-cluster power loss takes acknowledged entries from every node, and the
// final reads find the writes gone.
TEST(PowerLoss, WalWithoutFsyncLosesAcknowledgedWrites) {
  testing::TempDir dir;
  PowerRun r = RunRegister(dir, " --fsm-sync-mode nosync", "env RAFTLAB_POWERFS_LIE_ON_FSYNC=.wal ");
  if (r.result.exit_code != 1) dir.Keep();
  ASSERT_EQ(r.result.exit_code, 1) << r.result.output;
  ASSERT_TRUE(r.results.is_object());
  const auto& cex = r.results["checker"]["counterexamples"];
  ASSERT_FALSE(cex.empty());
  const std::string kind = cex[0].value("kind", "");
  EXPECT_TRUE(kind == "lost-write" || kind == "stale-read") << cex[0].dump();
  EXPECT_NE(cex[0].value("explanation", "").find("read of "), std::string::npos) << cex[0].dump();
  // The report names the power loss among the faults around the counterexample.
  const std::string html = testing::ReadAll(r.out + "/report.html");
  const size_t overlap = html.find("Faults overlapping this window");
  ASSERT_NE(overlap, std::string::npos);
  EXPECT_NE(html.find("<b>power-loss</b> whole cluster", overlap), std::string::npos);
  EXPECT_FALSE(AnyMountUnder(r.out));
}

// The filesystems die with the harness (PR_SET_PDEATHSIG) and their mounts go with them:
// fusermount3's auto_unmount, and raftlab-powerfs's own unmount watcher for the deaths
// fusermount3 misses (its probe meets ECONNABORTED; unmount_watcher.h).
TEST(PowerLoss, KilledHarnessLeavesNoMount) {
  testing::TempDir dir;
  const std::string out = dir.path() + "/run";
  ProcessSpec spec;
  spec.program = RAFTLAB_HARNESS_BIN;
  spec.args = {"test", "--workload", "register", "--nemesis", "power-loss", "--nodes", "3", "--time-limit", "60",
               "--rate", "50", "--out", out, "--tick-ms", "5", "--election-ticks", "40", "--heartbeat-ticks", "4",
               "--lease-margin-ms", "50", "--server-binary", RAFTLAB_SERVER_BIN};
  spec.log_path = dir.path() + "/harness.log";
  auto harness = ChildProcess::Start(spec);
  ASSERT_TRUE(harness.ok()) << harness.status();
  // Killed once the run is under way (its history started), not while it still mounts: a
  // mount half made when its harness dies is not what this test is about.
  for (int i = 0; i < 1500 && !std::filesystem::exists(out + "/history.jsonl"); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_TRUE(std::filesystem::exists(out + "/history.jsonl")) << testing::ReadAll(spec.log_path);
  ASSERT_EQ(MountsUnder(out), 3) << testing::ReadAll(spec.log_path);
  harness->Kill();
  for (int i = 0; i < 250 && AnyMountUnder(out); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_FALSE(AnyMountUnder(out)) << "a mount outlived the SIGKILLed harness";
}

}  // namespace
}  // namespace raftlab::harness
