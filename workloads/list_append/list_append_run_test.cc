// list-append through the raftlab-harness binary against real raftlab-server processes,
// with fast server timings so a run takes seconds: under partitions and kills the correct
// server's transactions are strictly serializable, and a server whose restart replays
// entries it had already applied (the planted bug fsm-replay-ignores-applied-index)
// appends elements twice, which the checker reports.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "harness/test_util.h"

namespace raftlab::workloads {
namespace {

namespace ht = raftlab::harness::testing;

const std::string kFast = " --tick-ms 5 --election-ticks 40 --heartbeat-ticks 4 --lease-margin-ms 50 --server-binary " +
                          std::string(RAFTLAB_SERVER_BIN);

int Count(const std::string& text, const std::string& needle) {
  int n = 0;
  for (size_t p = text.find(needle); p != std::string::npos; p = text.find(needle, p + 1)) ++n;
  return n;
}

TEST(ListAppendRun, PartitionsAndKillsOnTheCorrectServerAreStrictSerializable) {
  ht::TempDir dir;
  const std::string out = dir.path() + "/run";
  auto r = ht::RunCommand(std::string(RAFTLAB_HARNESS_BIN) +
                          " test --workload list-append --nemesis partition,kill --nodes 3 --time-limit 8"
                          " --rate 150 --concurrency 6 --nemesis-interval-ms 1500 --nemesis-duration-ms 1500"
                          " --op-timeout-ms 1000 --seed 2 --out " + out + kFast);
  if (r.exit_code != 0) dir.Keep();
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto results = nlohmann::json::parse(ht::ReadAll(out + "/results.json"));
  EXPECT_EQ(results["verdict"], "valid");
  EXPECT_GE(results["nemesis"].size(), 2u) << "faults ran";
  const auto& la = results["checker"]["list_append"];
  EXPECT_EQ(la["strongest_model"], "strict-serializable") << la.dump();
  EXPECT_GT(la["ok"].get<int>(), 200) << la.dump();
  EXPECT_GT(la["edges"].get<int>(), 100) << "dependencies were inferred";
  const std::string history = ht::ReadAll(out + "/history.jsonl");
  EXPECT_GT(Count(history, "[\"append\""), 200);
  EXPECT_GT(Count(history, "\"read_mode\":\"linearizable\""), 0);
  EXPECT_NE(ht::ReadAll(out + "/report.html").find("List-append"), std::string::npos);
}

TEST(ListAppendRun, ReplayOfAppliedEntriesIsCaught) {
  const std::string harness = RAFTLAB_HARNESS_BIN;
  if (ht::RunCommand(harness + " test --help").output.find("--unsafe-bug") == std::string::npos) {
    GTEST_SKIP() << "this raftlab-harness has no --unsafe-bug (the planted-bug catalogue)";
  }
  ht::TempDir dir;
  const std::string out = dir.path() + "/run";
  // Kills make nodes replay their log; without fsync of the state machine they replay
  // entries whose effects are already on disk.
  auto r = ht::RunCommand(harness +
                          " test --workload list-append --nemesis kill --nodes 3 --time-limit 8 --rate 300"
                          " --concurrency 20 --nemesis-interval-ms 2000 --nemesis-duration-ms 1000"
                          " --fsm-sync-mode nosync --op-timeout-ms 1000 --seed 4"
                          " --unsafe-bug fsm-replay-ignores-applied-index --out " + out + kFast);
  if (r.exit_code != 1) dir.Keep();
  ASSERT_EQ(r.exit_code, 1) << r.output;
  auto results = nlohmann::json::parse(ht::ReadAll(out + "/results.json"));
  const auto& counts = results["checker"]["list_append"]["anomaly_counts"];
  EXPECT_TRUE(counts.contains("duplicate-elements") || counts.contains("incompatible-order")) << counts.dump();
}

}  // namespace
}  // namespace raftlab::workloads
