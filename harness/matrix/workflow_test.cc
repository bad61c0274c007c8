// The nightly workflow's structure, beside actionlint's syntax check: it runs on a
// schedule, spreads the matrix over a sharded job matrix whose size matches --shard i/N,
// merges the shards, uploads the folders, and runs the benchmarks.
#include <gtest/gtest.h>

#include <algorithm>
#include <regex>

#include "harness/test_util.h"

namespace raftlab::harness {
namespace {

TEST(NightlyWorkflow, ScheduledShardedMergedAndUploaded) {
  const std::string yml = testing::ReadAll(std::string(RAFTLAB_SOURCE_DIR) + "/.github/workflows/nightly.yml");
  ASSERT_FALSE(yml.empty());
  EXPECT_TRUE(std::regex_search(yml, std::regex(R"(\non:\n  schedule:\n    - cron: "[0-9*/, -]+ [0-9*/, -]+ \* \* \*")")))
      << "a daily schedule trigger";
  std::smatch shards;
  ASSERT_TRUE(std::regex_search(yml, shards, std::regex(R"(shard: \[([0-9, ]+)\])"))) << "a sharded job matrix";
  const std::string list = shards[1];
  const int count = static_cast<int>(std::count(list.begin(), list.end(), ',')) + 1;
  EXPECT_NE(yml.find("--shard \"$SHARD/" + std::to_string(count) + "\""), std::string::npos)
      << "--shard i/N with N = the " << count << " entries of the job matrix";
  EXPECT_NE(yml.find("bash ci/nightly.sh --budget"), std::string::npos);
  EXPECT_NE(yml.find("bash ci/nightly.sh merge"), std::string::npos) << "a merge job";
  EXPECT_NE(yml.find("needs: matrix"), std::string::npos);
  EXPECT_GE(std::count(yml.begin(), yml.end(), '\n'), 20);
  size_t uploads = 0;
  for (size_t p = yml.find("actions/upload-artifact@"); p != std::string::npos;
       p = yml.find("actions/upload-artifact@", p + 1)) {
    ++uploads;
  }
  EXPECT_GE(uploads, 3u) << "shard folders, the merged matrix, the benchmarks";
  EXPECT_NE(yml.find("fail-fast: false"), std::string::npos) << "one failing shard must not cancel the others";
  EXPECT_NE(yml.find("bash ci/bench.sh"), std::string::npos);
}

}  // namespace
}  // namespace raftlab::harness
