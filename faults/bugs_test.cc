#include "faults/bugs.h"

#include <cstdlib>
#include <fstream>
#include <set>
#include <string>

#include <gtest/gtest.h>

namespace raftlab::faults {
namespace {

// Restores "no bug" whatever a test switched on.
class PlantedBugsTest : public testing::Test {
 protected:
  void TearDown() override { SetPlantedBugs(0); }
};

TEST_F(PlantedBugsTest, EntriesAreInEnumOrderWithUniqueKebabNames) {
  std::set<std::string> names;
  for (size_t i = 0; i < kAllPlantedBugs.size(); ++i) {
    const PlantedBug& b = kAllPlantedBugs[i];
    EXPECT_EQ(static_cast<size_t>(b.bug), i) << b.name << " is out of enum order";
    EXPECT_TRUE(names.insert(b.name).second) << "duplicate " << b.name;
    const std::string n = b.name;
    EXPECT_EQ(n.find_first_not_of("abcdefghijklmnopqrstuvwxyz-"), std::string::npos) << n;
  }
}

TEST_F(PlantedBugsTest, EveryEntryDocumentsClassBugAndConfiguration) {
  const std::set<std::string_view> classes = {"lease", "read", "election", "durability", "replication"};
  for (const PlantedBug& b : AllPlantedBugs()) {
    EXPECT_TRUE(classes.count(b.bug_class)) << b.name << ": class " << b.bug_class;
    EXPECT_GE(b.recreates.size(), 20u) << b.name;
    EXPECT_NE(b.exposed_by.find("--workload "), std::string_view::npos) << b.name;
    EXPECT_NE(b.exposed_by.find("--nemesis "), std::string_view::npos) << b.name;
    EXPECT_EQ(b.exposed_by.find("--seed"), std::string_view::npos) << b.name << ": validate supplies the seed";
    EXPECT_EQ(b.exposed_by.find("--out"), std::string_view::npos) << b.name;
    EXPECT_GE(b.bar, 1);
    EXPECT_LE(b.bar, 10);
  }
}

TEST_F(PlantedBugsTest, ContainsTheRequiredBugs) {
  for (const char* want : {"lease-without-term-gate", "lease-from-ack-receipt", "lease-outlives-election",
                           "read-index-without-quorum", "follower-local-read", "vote-not-persisted",
                           "wal-without-fsync", "fsm-replay-ignores-applied-index",
                           "heartbeat-commit-beyond-match", "dropped-lane-not-reported",
                           "restart-after-snapshot", "lease-survives-transfer"}) {
    EXPECT_NE(FindPlantedBug(want), nullptr) << want;
  }
  EXPECT_EQ(FindPlantedBug("no-such-bug"), nullptr);
}

TEST_F(PlantedBugsTest, ParseSwitchesOnExactlyTheNamedBugs) {
  auto mask = ParsePlantedBugs("follower-local-read,vote-not-persisted");
  ASSERT_TRUE(mask.ok()) << mask.status();
  EXPECT_FALSE(BugOn(Bug::kFollowerLocalRead)) << "parsing alone switches nothing on";
  SetPlantedBugs(*mask);
  EXPECT_TRUE(BugOn(Bug::kFollowerLocalRead));
  EXPECT_TRUE(BugOn(Bug::kVoteNotPersisted));
  EXPECT_FALSE(BugOn(Bug::kWalWithoutFsync));
  EXPECT_EQ(PlantedBugNames(), "follower-local-read,vote-not-persisted");
  SetPlantedBugs(0);
  EXPECT_FALSE(BugOn(Bug::kFollowerLocalRead));
  EXPECT_EQ(PlantedBugNames(), "");
}

TEST_F(PlantedBugsTest, EmptyListIsNoBug) {
  auto mask = ParsePlantedBugs("");
  ASSERT_TRUE(mask.ok());
  EXPECT_EQ(*mask, 0u);
}

TEST_F(PlantedBugsTest, UnknownNameIsAnErrorNamingItAndTheKnownOnes) {
  auto mask = ParsePlantedBugs("follower-local-read,lease-too-long");
  ASSERT_FALSE(mask.ok());
  const std::string msg(mask.status().message());
  EXPECT_NE(msg.find("--unsafe-bug"), std::string::npos) << msg;
  EXPECT_NE(msg.find("\"lease-too-long\""), std::string::npos) << msg;
  EXPECT_NE(msg.find("lease-outlives-election"), std::string::npos) << msg;
  EXPECT_FALSE(ParsePlantedBugs("follower-local-read,").ok()) << "an empty entry is no name";
}

// Reads bugs.h itself: every entry declared there has a comment directly above it.
TEST_F(PlantedBugsTest, EveryDeclaredBugIsDocumented) {
  const char* root = std::getenv("RAFTLAB_SOURCE_DIR");
  if (root == nullptr) GTEST_SKIP() << "RAFTLAB_SOURCE_DIR not set (run through ctest)";
  std::ifstream in(std::string(root) + "/faults/bugs.h");
  ASSERT_TRUE(in) << root << "/faults/bugs.h";
  constexpr std::string_view kDecl = "inline constexpr PlantedBug k";
  std::string line, previous;
  int declared = 0;
  while (std::getline(in, line)) {
    if (line.starts_with(kDecl)) {
      ++declared;
      EXPECT_TRUE(previous.rfind("//", 0) == 0) << line << ": no comment above it";
    }
    previous = line;
  }
  EXPECT_EQ(declared, static_cast<int>(kAllPlantedBugs.size()));
}

}  // namespace
}  // namespace raftlab::faults
