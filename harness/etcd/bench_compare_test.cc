// bench-compare's parts that need no cluster: the fsync floor probe, the cluster file that
// spreads the bench keys over groups, the group-count flag.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "harness/etcd/bench_groups.h"
#include "harness/etcd/fsync_floor.h"
#include "harness/flags.h"
#include "harness/test_util.h"
#include "server/kv/cluster_file.h"

namespace raftlab::harness {
namespace {

TEST(FsyncFloor, MeasuresAPositiveLatencyAndLeavesNoFile) {
  testing::TempDir dir;
  auto p50 = FsyncFloorP50Ms(dir.path(), 5);
  ASSERT_TRUE(p50.ok()) << p50.status();
  EXPECT_GT(*p50, 0);
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

TEST(FsyncFloor, AMissingFolderIsAnErrorNamingTheFile) {
  testing::TempDir dir;
  auto p50 = FsyncFloorP50Ms(dir.path() + "/absent", 5);
  ASSERT_FALSE(p50.ok());
  EXPECT_NE(p50.status().message().find(dir.path() + "/absent/fsync-floor.probe"), std::string::npos)
      << p50.status();
}

TEST(BenchClusterFile, SplitsTheBenchKeysEvenlyOverTheGroups) {
  client::BenchConfig shape;
  shape.key_space = 1000;
  shape.key_size = 8;
  for (int groups : {1, 4, 16}) {
    auto table = kv::ParseClusterFile(BenchClusterFile(groups, shape), "bench.txt");
    ASSERT_TRUE(table.ok()) << table.status();
    std::map<uint64_t, int> keys_per_group;
    for (int64_t i = 0; i < shape.key_space; ++i) ++keys_per_group[table->Lookup(client::BenchKey(i, 8)).group_id];
    ASSERT_EQ(keys_per_group.size(), static_cast<size_t>(groups));
    for (const auto& [group, n] : keys_per_group) {
      EXPECT_GE(n, 1000 / groups) << groups << " groups, group " << group;
      EXPECT_LE(n, 1000 / groups + 1) << groups << " groups, group " << group;
    }
  }
}

absl::StatusOr<Command> Parse(std::vector<const char*> args) {
  args.insert(args.begin(), "raftlab-harness");
  return ParseCommandLine(static_cast<int>(args.size()), args.data());
}

TEST(BenchCompareFlags, GroupsDefaultToOneFourSixteenAndCanBeListedOrSkipped) {
  auto d = Parse({"bench-compare", "--out", "x"});
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(std::get<BenchCompareOptions>(*d).groups, (std::vector<int>{1, 4, 16}));
  auto listed = Parse({"bench-compare", "--out", "x", "--groups", "1,8"});
  ASSERT_TRUE(listed.ok()) << listed.status();
  EXPECT_EQ(std::get<BenchCompareOptions>(*listed).groups, (std::vector<int>{1, 8}));
  auto skipped = Parse({"bench-compare", "--out", "x", "--no-groups"});
  ASSERT_TRUE(skipped.ok()) << skipped.status();
  EXPECT_TRUE(std::get<BenchCompareOptions>(*skipped).groups.empty());
  auto bad = Parse({"bench-compare", "--out", "x", "--groups", "1,0"});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("--groups"), std::string::npos) << bad.status();
}

}  // namespace
}  // namespace raftlab::harness
