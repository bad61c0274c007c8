#include "faults/points.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "faults/control.h"

namespace raftlab::faults {
namespace {

TEST(FaultCatalogue, HasNoDuplicateNames) {
  std::set<std::string> seen;
  for (const FaultPoint& p : AllFaultPoints()) {
    EXPECT_TRUE(seen.insert(p.name).second) << "duplicate fault point " << p.name;
  }
  EXPECT_EQ(seen.size(), kAllFaultPoints.size());
}

// raftlab/<component>/<what>, both parts lower-case identifiers.
bool FollowsPattern(std::string_view name) {
  constexpr std::string_view kPrefix = "raftlab/";
  if (!name.starts_with(kPrefix)) return false;
  name.remove_prefix(kPrefix.size());
  const size_t slash = name.find('/');
  if (slash == std::string_view::npos) return false;
  auto ident = [](std::string_view s) {
    if (s.empty() || !(s[0] >= 'a' && s[0] <= 'z')) return false;
    for (char c : s) {
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
    }
    return true;
  };
  return ident(name.substr(0, slash)) && ident(name.substr(slash + 1));
}

TEST(FaultCatalogue, NamesFollowComponentWhatPattern) {
  for (const FaultPoint& p : AllFaultPoints()) EXPECT_TRUE(FollowsPattern(p.name)) << p.name;
  EXPECT_FALSE(FollowsPattern("raftlab/wal"));
  EXPECT_FALSE(FollowsPattern("raftlab/wal/fsync/x"));
  EXPECT_FALSE(FollowsPattern("raftlab/Wal/fsync"));
  EXPECT_FALSE(FollowsPattern("posix/io/sync/fsync"));
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

  constexpr std::string_view kDecl = "inline constexpr FaultPoint k";
  std::string line, previous;
  int declared = 0;
  bool expect_name = false;
  while (std::getline(in, line)) {
    if (line.starts_with(kDecl)) {
      ++declared;
      EXPECT_TRUE(previous.rfind("//", 0) == 0) << line << ": no comment above it";
      expect_name = true;
    }
    const size_t quote = line.find("\"raftlab/");
    if (expect_name && quote != std::string::npos) {
      const size_t end = line.find('"', quote + 1);
      ASSERT_NE(end, std::string::npos) << line;
      const std::string name = line.substr(quote + 1, end - quote - 1);
      EXPECT_TRUE(listed.count(name)) << name << " is declared but not in kAllFaultPoints";
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
