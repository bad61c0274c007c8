// The command line: each bad flag gives a clear error naming it, and the binary exits 3.
#include "harness/flags.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "harness/test_util.h"

namespace raftlab::harness {
namespace {

absl::StatusOr<Command> Parse(std::vector<const char*> args) {
  args.insert(args.begin(), "raftlab-harness");
  return ParseCommandLine(static_cast<int>(args.size()), args.data());
}

void ExpectError(std::vector<const char*> args, const std::string& needle) {
  auto c = Parse(args);
  ASSERT_FALSE(c.ok()) << "accepted: " << needle;
  EXPECT_NE(c.status().message().find(needle), std::string::npos) << c.status().message();
}

TEST(CommandLine, GoodTestCommandKeepsEveryValueAndTheExactCommand) {
  auto c = Parse({"test", "--workload", "set", "--nemesis", "partition-ring,kill-leader,clock", "--nodes", "5",
                  "--time-limit", "12.5", "--rate", "300", "--concurrency", "7", "--dispatcher-lanes", "4",
                  "--fsm-sync-mode", "nosync", "--seed", "42", "--out", "/tmp/x y"});
  ASSERT_TRUE(c.ok()) << c.status();
  const auto& t = std::get<TestOptions>(*c);
  EXPECT_EQ(t.workload, "set");
  EXPECT_EQ(t.nemesis, (std::vector<std::string>{"partition-ring", "kill-leader", "clock"}));
  EXPECT_EQ(t.nodes, 5);
  EXPECT_DOUBLE_EQ(t.time_limit_s, 12.5);
  EXPECT_EQ(t.concurrency, 7);
  EXPECT_EQ(t.dispatcher_lanes, 4);
  EXPECT_EQ(t.fsm_sync_mode, "nosync");
  EXPECT_EQ(t.seed, 42u);
  EXPECT_NE(t.command.find("--out '/tmp/x y'"), std::string::npos) << t.command;
}

TEST(CommandLine, AnalyzeTakesAFolder) {
  auto c = Parse({"analyze", "/tmp/run"});
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(std::get<AnalyzeCommand>(*c).dir, "/tmp/run");
}

TEST(CommandLine, EachWorkloadDefaultsToItsOwnFaults) {
  auto has = [](const std::vector<std::string>& v, const char* name) {
    return std::find(v.begin(), v.end(), name) != v.end();
  };
  auto lease = Parse({"test", "--workload", "lease-register", "--out", "/tmp/x"});
  ASSERT_TRUE(lease.ok()) << lease.status();
  const auto& l = std::get<TestOptions>(*lease).nemesis;
  EXPECT_TRUE(has(l, "stall-leader"));
  EXPECT_TRUE(has(l, "transfer"));
  auto reg = Parse({"test", "--workload", "register", "--out", "/tmp/x"});
  ASSERT_TRUE(reg.ok()) << reg.status();
  EXPECT_TRUE(has(std::get<TestOptions>(*reg).nemesis, "crash-point"));
  EXPECT_TRUE(has(std::get<TestOptions>(*reg).nemesis, "snapshot-install"));
  EXPECT_TRUE(has(std::get<TestOptions>(*reg).nemesis, "partition-leader-slow")) << "read bugs need a late step-down";
  auto append = Parse({"test", "--workload", "list-append", "--out", "/tmp/x"});
  ASSERT_TRUE(append.ok()) << append.status();
  EXPECT_TRUE(has(std::get<TestOptions>(*append).nemesis, "power-loss")) << "the default durability test";
  EXPECT_TRUE(has(std::get<TestOptions>(*append).nemesis, "kill"));
  auto none = Parse({"test", "--workload", "register", "--nemesis", "none", "--out", "/tmp/x"});
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(std::get<TestOptions>(*none).nemesis.empty());
  auto ends = Parse({"test", "--endpoints", "127.0.0.1:1", "--out", "/tmp/x"});
  ASSERT_TRUE(ends.ok()) << ends.status();
  EXPECT_TRUE(std::get<TestOptions>(*ends).nemesis.empty()) << "no faults against nodes the harness did not start";
}

TEST(CommandLine, BadFlagsNameTheFlag) {
  ExpectError({"test", "--workload", "bank", "--out", "/tmp/x"}, "--workload: unknown workload \"bank\"");
  ExpectError({"test", "--nemesis", "partition,meteor", "--out", "/tmp/x"}, "--nemesis: unknown fault \"meteor\"");
  ExpectError({"test", "--nodes", "4", "--out", "/tmp/x"}, "--nodes: must be 1, 3 or 5");
  ExpectError({"test", "--dispatcher-lanes", "3", "--out", "/tmp/x"}, "--dispatcher-lanes: must be 2 or 4");
  ExpectError({"test", "--fsm-sync-mode", "maybe", "--out", "/tmp/x"}, "--fsm-sync-mode: must be sync or nosync");
  ExpectError({"test", "--time-limit", "0", "--out", "/tmp/x"}, "--time-limit");
  ExpectError({"test", "--rate", "-1", "--out", "/tmp/x"}, "--rate");
  ExpectError({"test", "--concurrency", "0", "--out", "/tmp/x"}, "--concurrency");
  ExpectError({"test", "--rate", "fast", "--out", "/tmp/x"}, "--rate");
  ExpectError({"test", "--frobnicate", "--out", "/tmp/x"}, "--frobnicate");
  ExpectError({"test"}, "--out");
  ExpectError({"test", "--out", "/tmp/x", "--nemesis", "kill", "--endpoints", "127.0.0.1:1"}, "--endpoints");
  ExpectError({"test", "--read-target", "follower", "--out", "/tmp/x"}, "--read-target: must be leader, any or mixed");
  ExpectError({"test", "--crash-point", "raftlab/wal/fsync", "--out", "/tmp/x"}, "--crash-point");
  ExpectError({"test", "--snapshot-every", "0", "--out", "/tmp/x"}, "--snapshot-every");
  ExpectError({"test", "--election-ticks", "30", "--out", "/tmp/x"},
              "--lease-margin-ms: 300 leaves no lease: it must be below the election timeout");
  ExpectError({"launch"}, "unknown command \"launch\"");
  ExpectError({}, "expected a command: test, analyze, validate, matrix, matrix-merge or bench-compare");
}

TEST(CommandLine, BinaryExitsThreeWithTheMessage) {
  auto r = testing::RunCommand(std::string(RAFTLAB_HARNESS_BIN) + " test --nodes 4 --out /tmp/never-created");
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.output.find("--nodes: must be 1, 3 or 5, not 4"), std::string::npos) << r.output;
  r = testing::RunCommand(std::string(RAFTLAB_HARNESS_BIN) + " analyze /nonexistent/run");
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.output.find("not a run folder"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace raftlab::harness
