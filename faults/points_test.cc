#include "faults/points.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "faults/control.h"
#include "faults/fail_stop.h"

namespace raftlab::faults {
namespace {

TEST(FaultCatalogue, HasNoDuplicateNames) {
  std::set<std::string> seen;
  for (const FaultPoint& p : AllFaultPoints()) {
    EXPECT_TRUE(seen.insert(p.name).second) << "duplicate fault point " << p.name;
  }
  EXPECT_EQ(seen.size(), kAllFaultPoints.size());
}

TEST(FaultCatalogue, NamesFollowComponentWhatPattern) {
  const std::regex pattern("raftlab/[a-z][a-z0-9_]*/[a-z][a-z0-9_]*");
  for (const FaultPoint& p : AllFaultPoints()) {
    EXPECT_TRUE(std::regex_match(p.name, pattern)) << p.name;
  }
}

TEST(FaultCatalogue, EveryPointHasADescription) {
  for (const FaultPoint& p : AllFaultPoints()) {
    EXPECT_GE(p.description.size(), 10u) << p.name;
  }
}

TEST(FaultCatalogue, ContainsTheStoragePoints) {
  std::set<std::string> names;
  for (const FaultPoint& p : AllFaultPoints()) names.insert(p.name);
  for (const char* want : {"raftlab/wal/write", "raftlab/wal/fsync", "raftlab/wal/open",
                           "raftlab/snapshot/write", "raftlab/snapshot/load",
                           "raftlab/fsm/commit"}) {
    EXPECT_TRUE(names.count(want)) << want;
  }
}

// Reads points.h itself: every point declared there has a comment directly above its
// declaration, and every declared name is in the enumerable list.
TEST(FaultCatalogue, EveryDeclaredPointIsDocumentedAndListed) {
  const char* root = std::getenv("RAFTLAB_SOURCE_DIR");
  if (root == nullptr) GTEST_SKIP() << "RAFTLAB_SOURCE_DIR not set (run through ctest)";
  std::ifstream in(std::string(root) + "/faults/points.h");
  ASSERT_TRUE(in) << root << "/faults/points.h";
  std::set<std::string> listed;
  for (const FaultPoint& p : AllFaultPoints()) listed.insert(p.name);

  const std::regex decl(R"(^inline constexpr FaultPoint (k\w+)\{)");
  const std::regex literal(R"re(^\s*"(raftlab/[^"]+)")re");
  std::string line, previous;
  int declared = 0;
  bool expect_name = false;
  while (std::getline(in, line)) {
    std::smatch m;
    if (std::regex_search(line, m, decl)) {
      ++declared;
      EXPECT_TRUE(previous.rfind("//", 0) == 0) << m[1] << " has no comment above it";
      expect_name = true;
    } else if (expect_name && std::regex_search(line, m, literal)) {
      EXPECT_TRUE(listed.count(m[1])) << m[1] << " is declared but not in kAllFaultPoints";
      expect_name = false;
    }
    previous = line;
  }
  EXPECT_EQ(declared, static_cast<int>(kAllFaultPoints.size()));
}

TEST(FaultControl, EnablingAPointMakesTheGuardedCodeFail) {
  if (!FaultsCompiledIn()) GTEST_SKIP() << "RAFTLAB_FAULTS=OFF";
  EXPECT_FALSE(ShouldFail(kFsmCommit));
  ASSERT_TRUE(Enable(kFsmCommit.name).ok());
  EXPECT_TRUE(ShouldFail(kFsmCommit));
  EXPECT_TRUE(ShouldFail(kFsmCommit));
  EXPECT_FALSE(ShouldFail(kWalWrite)) << "only the enabled point fails";
  ASSERT_TRUE(Disable(kFsmCommit.name).ok());
  EXPECT_FALSE(ShouldFail(kFsmCommit));
}

TEST(FaultControl, OnceFailsExactlyOnce) {
  if (!FaultsCompiledIn()) GTEST_SKIP() << "RAFTLAB_FAULTS=OFF";
  ASSERT_TRUE(Enable(kSnapshotLoad.name, /*once=*/true).ok());
  EXPECT_TRUE(ShouldFail(kSnapshotLoad));
  EXPECT_FALSE(ShouldFail(kSnapshotLoad));
}

TEST(FaultControl, RandomWithProbabilityOneAlwaysFails) {
  if (!FaultsCompiledIn()) GTEST_SKIP() << "RAFTLAB_FAULTS=OFF";
  ASSERT_TRUE(EnableRandom(kWalOpen.name, 1.0).ok());
  EXPECT_TRUE(ShouldFail(kWalOpen));
  ASSERT_TRUE(Disable(kWalOpen.name).ok());
  EXPECT_FALSE(EnableRandom(kWalOpen.name, 1.5).ok());
}

TEST(FaultControl, RejectsMisspeltRaftlabNames) {
  if (!FaultsCompiledIn()) GTEST_SKIP() << "RAFTLAB_FAULTS=OFF";
  absl::Status s = Enable("raftlab/wal/fsycn");
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_NE(s.message().find("raftlab/wal/fsycn"), std::string::npos) << s;
  EXPECT_TRUE(Enable("raftlab/wal/*").ok()) << "wildcards pass";
  EXPECT_TRUE(ShouldFail(kWalFsync));
  EXPECT_TRUE(Disable("raftlab/wal/*").ok());
  EXPECT_FALSE(ShouldFail(kWalFsync));
}

TEST(FaultControl, CompiledOutPointsNeverFail) {
  if (FaultsCompiledIn()) GTEST_SKIP() << "RAFTLAB_FAULTS=ON";
  EXPECT_EQ(Enable(kWalFsync.name).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_FALSE(ShouldFail(kWalFsync));
}

TEST(FaultControlDeathTest, FailStopLogsOneLineAndExitsWithTheStorageCode) {
  EXPECT_EXIT(FailStop("wal", "fsync", "/tmp/x/0001.wal: Input/output error"),
              testing::ExitedWithCode(kStorageFailStopExitCode),
              "raftlab: fail-stop: wal: fsync: /tmp/x/0001.wal: Input/output error");
}

TEST(FaultControl, RemoteControlFifoIsCreated) {
  if (!FaultsCompiledIn()) GTEST_SKIP() << "RAFTLAB_FAULTS=OFF";
  char dir[] = "/tmp/raftlab-faults-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  const std::string prefix = std::string(dir) + "/ctl";
  ASSERT_TRUE(OpenRemoteControl(prefix).ok());
  const std::string fifo_in = prefix + "-" + std::to_string(getpid()) + ".in";
  EXPECT_TRUE(std::filesystem::is_fifo(fifo_in)) << fifo_in << " is not a FIFO";
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace raftlab::faults
