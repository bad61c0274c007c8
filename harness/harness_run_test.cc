// Whole tests through the raftlab-harness binary against real raftlab-server processes,
// with fast server timings so each takes seconds: a register test under partitions and
// kills is valid on the correct server; stale-register under partitions is caught
// (exit 1, with a counterexample); SIGKILL of the harness leaves no server behind; SIGTERM
// stops the run, tears the cluster down, checks the recorded prefix and exits 3.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <thread>

#include <nlohmann/json.hpp>

#include "harness/process.h"
#include "harness/test_util.h"

namespace raftlab::harness {
namespace {

using std::chrono::milliseconds;

// Fast server timings: 5 ms ticks, elections after 200 ms.
const std::string kFast =
    " --tick-ms 5 --election-ticks 40 --heartbeat-ticks 4 --lease-margin-ms 50 --server-binary " +
    std::string(RAFTLAB_SERVER_BIN);

std::string Harness() { return RAFTLAB_HARNESS_BIN; }

int CountLines(const std::string& text, const std::string& needle) {
  int n = 0;
  for (size_t p = text.find(needle); p != std::string::npos; p = text.find(needle, p + 1)) ++n;
  return n;
}

// Pids of processes whose command line mentions `needle`.
std::vector<int> ProcessesMentioning(const std::string& needle) {
  std::vector<int> out;
  for (const auto& e : std::filesystem::directory_iterator("/proc")) {
    const std::string name = e.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(e.path() / "cmdline");
    std::string cmd((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const std::string argv0 = cmd.substr(0, cmd.find('\0'));
    const bool server = argv0.size() >= 14 && argv0.compare(argv0.size() - 14, 14, "raftlab-server") == 0;
    if (server && cmd.find(needle) != std::string::npos) {
      out.push_back(std::stoi(name));
    }
  }
  return out;
}

TEST(HarnessRun, RegisterWithPartitionsAndKillsIsValid) {
  testing::TempDir dir;
  const std::string out = dir.path() + "/run";
  auto r = testing::RunCommand(Harness() +
                               " test --workload register --nemesis partition,kill --nodes 3 --time-limit 10"
                               " --rate 150 --concurrency 6 --nemesis-interval-ms 1500 --nemesis-duration-ms 1500"
                               " --op-timeout-ms 1000 --seed 1 --out " + out + kFast);
  if (r.exit_code != 0) dir.Keep();
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("valid:"), std::string::npos) << r.output;
  auto results = nlohmann::json::parse(testing::ReadAll(out + "/results.json"));
  EXPECT_EQ(results["verdict"], "valid");
  EXPECT_GE(results["nemesis"].size(), 2u) << "faults ran";
  const std::string history = testing::ReadAll(out + "/history.jsonl");
  EXPECT_GT(CountLines(history, "\"type\":\"ok\""), 200);
  EXPECT_EQ(CountLines(history, "\"f\":\"start\""), CountLines(history, "\"f\":\"stop\"")) << "every fault healed";
  for (const char* f : {"report.html", "command.txt", "params.json", "node1.log", "metrics/start-node1.prom"}) {
    EXPECT_TRUE(std::filesystem::exists(out + "/" + f)) << f;
  }
  EXPECT_FALSE(std::filesystem::exists(out + "/node1")) << "data dirs of a valid run are removed";
  // Re-checking the stored folder gives the same verdict.
  auto again = testing::RunCommand(Harness() + " analyze " + out);
  EXPECT_EQ(again.exit_code, 0) << again.output;
}

// The faults that reach into the server (stall, one-way cut, crash point, link faults,
// snapshot install, clock drift within the margin) keep a correct server valid, each
// starts, and the run reports coverage and the schedule it executed.
TEST(HarnessRun, ServerSideFaultsKeepACorrectServerValid) {
  testing::TempDir dir;
  const std::string out = dir.path() + "/run";
  auto r = testing::RunCommand(Harness() +
                               " test --workload lease-register --nodes 3 --time-limit 12 --rate 150 --concurrency 8"
                               " --nemesis stall-leader,partition-leader-inbound,crash-point,link,snapshot-install,"
                               "clock-drift --nemesis-interval-ms 400 --nemesis-duration-ms 1200"
                               " --crash-probability 0.5 --snapshot-every 50 --op-timeout-ms 1000 --seed 2 --out " +
                               out + kFast);
  if (r.exit_code != 0) dir.Keep();
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto results = nlohmann::json::parse(testing::ReadAll(out + "/results.json"));
  EXPECT_EQ(results["verdict"], "valid");
  const auto& coverage = results["coverage"];
  EXPECT_GE(coverage["faults_started"].size(), 4u) << coverage.dump();
  EXPECT_GT(coverage["counters"]["lease_reads_by_lease"].get<double>(), 0) << coverage.dump();
  EXPECT_GT(coverage["counters"]["snapshots_taken"].get<double>(), 0) << coverage.dump();
  EXPECT_TRUE(coverage["availability"]["findings"].empty()) << coverage.dump();
  EXPECT_TRUE(std::filesystem::exists(out + "/schedule.json"));
}

// partition-leader-slow keeps the cut-off leader claiming leadership after its successor's
// election: a correct server stays valid (ReadIndex does not rely on the clock, so no
// beyond-the-margin warning), and a ReadIndex answered without a quorum round is caught.
TEST(HarnessRun, PartitionLeaderSlowExposesReadIndexWithoutQuorumAndKeepsACorrectServerValid) {
  testing::TempDir dir;
  const std::string flags =
      " test --workload register --nemesis partition-leader-slow --nodes 3 --time-limit 8 --rate 200"
      " --concurrency 10 --keys 2 --nemesis-interval-ms 800 --nemesis-duration-ms 2500 --op-timeout-ms 1000"
      " --seed 4" + kFast;
  const std::string correct = dir.path() + "/correct";
  auto r = testing::RunCommand(Harness() + flags + " --out " + correct);
  if (r.exit_code != 0) dir.Keep();
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto results = nlohmann::json::parse(testing::ReadAll(correct + "/results.json"));
  ASSERT_FALSE(results["nemesis"].empty());
  EXPECT_NE(results["nemesis"][0]["detail"].get<std::string>().find("clock rate"), std::string::npos)
      << results["nemesis"].dump();
  for (const auto& w : results["warnings"]) {
    EXPECT_EQ(w.get<std::string>().find("beyond the lease margin"), std::string::npos) << w;
  }
  const std::string buggy = dir.path() + "/buggy";
  auto b = testing::RunCommand(Harness() + flags + " --unsafe-bug read-index-without-quorum --out " + buggy);
  if (b.exit_code != 1) dir.Keep();
  EXPECT_EQ(b.exit_code, 1) << b.output;
}

TEST(HarnessRun, StaleRegisterUnderPartitionIsInvalid) {
  testing::TempDir dir;
  const std::string out = dir.path() + "/run";
  // Few keys, long partitions of one node: its stale reads miss the majority's writes.
  auto r = testing::RunCommand(Harness() +
                               " test --workload stale-register --nemesis partition-majority --nodes 3 --time-limit 8"
                               " --rate 200 --concurrency 6 --keys 2 --ops-per-key 100000 --nemesis-interval-ms 1000"
                               " --nemesis-duration-ms 3000 --op-timeout-ms 1000 --seed 3 --out " + out + kFast);
  if (r.exit_code != 1) dir.Keep();
  ASSERT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("invalid: key r"), std::string::npos) << r.output;
  auto results = nlohmann::json::parse(testing::ReadAll(out + "/results.json"));
  EXPECT_EQ(results["verdict"], "invalid");
  const auto& cex = results["checker"]["counterexamples"];
  ASSERT_FALSE(cex.empty()) << results["checker"].dump().substr(0, 2000);
  // A stale read, or a lost write when the stale read is the last one of its key.
  EXPECT_NE(cex[0].value("explanation", "").find("read of "), std::string::npos) << cex[0].dump();
  const std::string html = testing::ReadAll(out + "/report.html");
  // The counterexample's timeline, with the faults around it named (a lagging node can also
  // serve its stale read just after the partition heals, so either phrase may appear).
  EXPECT_NE(html.find("class='timeline'"), std::string::npos);
  EXPECT_TRUE(html.find("Faults overlapping this window") != std::string::npos ||
              html.find("No fault overlaps this window") != std::string::npos);
  EXPECT_TRUE(std::filesystem::exists(out + "/node1")) << "an invalid run keeps its data dirs";
  if (::testing::Test::HasFailure()) dir.Keep();
}

// Starts a long register test in the background and waits until it serves traffic.
std::unique_ptr<ChildProcess> StartLongRun(const testing::TempDir& dir, const std::string& out) {
  ProcessSpec spec;
  spec.program = Harness();
  std::string args = "test --workload register --nemesis partition --nodes 3 --time-limit 60 --rate 50"
                     " --concurrency 2 --seed 5 --out " + out + kFast;
  for (size_t s = 0; s < args.size();) {
    size_t sp = args.find(' ', s);
    if (sp != s) spec.args.push_back(args.substr(s, sp == std::string::npos ? std::string::npos : sp - s));
    if (sp == std::string::npos) break;
    s = sp + 1;
  }
  spec.log_path = dir.path() + "/harness.log";
  auto child = ChildProcess::Start(spec);
  EXPECT_TRUE(child.ok()) << child.status();
  if (!child.ok()) return nullptr;
  bool running = false;
  for (int i = 0; i < 300 && !running; ++i) {
    std::this_thread::sleep_for(milliseconds(100));
    running = CountLines(testing::ReadAll(out + "/history.jsonl"), "\"type\":\"ok\"") > 5;
  }
  EXPECT_TRUE(running) << testing::ReadAll(spec.log_path);
  EXPECT_EQ(ProcessesMentioning(out).size(), 3u);
  return std::make_unique<ChildProcess>(std::move(*child));
}

// Waits a few seconds for the servers of `out` to be gone; returns those left (killed).
size_t ServersLeft(const std::string& out) {
  std::vector<int> left;
  for (int i = 0; i < 50; ++i) {
    left = ProcessesMentioning(out);
    if (left.empty()) break;
    std::this_thread::sleep_for(milliseconds(100));
  }
  for (int pid : left) kill(pid, SIGKILL);
  return left.size();
}

TEST(HarnessRun, SigkillOfTheHarnessLeavesNoServerBehind) {
  testing::TempDir dir;
  const std::string out = dir.path() + "/run";
  auto child = StartLongRun(dir, out);
  ASSERT_TRUE(child != nullptr);
  ExitInfo e = child->Kill();
  EXPECT_TRUE(e.signaled && e.signal == SIGKILL) << e.ToString();
  EXPECT_EQ(ServersLeft(out), 0u) << "server(s) outlived the harness";
}

TEST(HarnessRun, SigtermStopsTheRunChecksThePrefixAndExitsThree) {
  testing::TempDir dir;
  const std::string out = dir.path() + "/run";
  auto child = StartLongRun(dir, out);
  ASSERT_TRUE(child != nullptr);
  ExitInfo e = child->Stop(milliseconds(30000));
  EXPECT_TRUE(e.exited && e.exit_code == 3) << e.ToString() << "\n" << testing::ReadAll(dir.path() + "/harness.log");
  EXPECT_EQ(ServersLeft(out), 0u);
  auto params = nlohmann::json::parse(testing::ReadAll(out + "/params.json"));
  EXPECT_EQ(params.value("interrupted", false), true);
  EXPECT_TRUE(std::filesystem::exists(out + "/report.html"));
  EXPECT_NE(testing::ReadAll(dir.path() + "/harness.log").find("interrupted"), std::string::npos);
}

}  // namespace
}  // namespace raftlab::harness
