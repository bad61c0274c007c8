// Runs every server/raft/testdata/*.txt scenario over the in-memory environment.
// RAFTLAB_REWRITE=1 writes the actual output back into the files (review the diff).

#include <filesystem>

#include "gtest/gtest.h"
#include "server/raft/scenario_env.h"

namespace raftlab::raft::scenario {
namespace {

class ScenarioTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ScenarioTest, MatchesExpectedOutput) {
  Env env;
  for (const std::string& failure : RunScenarioFile(GetParam(), env)) ADD_FAILURE() << failure;
}

std::string TestName(const ::testing::TestParamInfo<std::string>& info) {
  std::string name = std::filesystem::path(info.param).stem().string();
  for (char& ch : name) {
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(Testdata, ScenarioTest,
                         ::testing::ValuesIn(ScenarioFiles(RAFTLAB_SCENARIO_DIR)), TestName);

// The interpreter itself: bad scripts are errors naming file and line, not passes.
TEST(ScenarioScript, UnknownCommandNamesFileAndLine) {
  const std::string path = ::testing::TempDir() + "/scenario_bad.txt";
  {
    std::FILE* f = std::fopen(path.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fputs("add-nodes 1\n----\nok\n\nfly 1\n----\nok\n", f);
    std::fclose(f);
  }
  Env env;
  auto failures = RunScenarioFile(path, env);
  ASSERT_EQ(failures.size(), 1u);
  EXPECT_NE(failures[0].find("scenario_bad.txt:5: unknown command 'fly'"), std::string::npos) << failures[0];
  std::remove(path.c_str());
}

TEST(ScenarioScript, MismatchIsReportedWithDiff) {
  const std::string path = ::testing::TempDir() + "/scenario_mismatch.txt";
  {
    std::FILE* f = std::fopen(path.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fputs("add-nodes 1\n----\nok\n\nstatus 1\n----\n1: leader\n", f);
    std::fclose(f);
  }
  Env env;
  auto failures = RunScenarioFile(path, env);
  ASSERT_EQ(failures.size(), 1u);
  EXPECT_NE(failures[0].find(":5: status 1"), std::string::npos) << failures[0];
  EXPECT_NE(failures[0].find("- 1: leader"), std::string::npos) << failures[0];
  EXPECT_NE(failures[0].find("+ 1: follower term=0"), std::string::npos) << failures[0];
  std::remove(path.c_str());
}

TEST(ScenarioScript, MissingSeparatorIsAnError) {
  auto c = ParseCommand("f.txt", 3, "campaign 1 voters=(1,2");
  EXPECT_FALSE(c.ok());
  EXPECT_NE(std::string(c.status().message()).find("f.txt:3: unbalanced"), std::string::npos);
}

}  // namespace
}  // namespace raftlab::raft::scenario
