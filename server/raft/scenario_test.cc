// Runs every server/raft/testdata/*.txt scenario over the in-memory environment.
// RAFTLAB_REWRITE=1 writes the actual output back into the files (review the diff).

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "gtest/gtest.h"
#include "server/raft/scenario_env.h"

namespace raftlab::raft::scenario {
namespace {

class ScenarioTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ScenarioTest, MatchesExpectedOutput) {
  Env env;
  for (const std::string& failure :
       RunScenarioFile(std::string(RAFTLAB_SCENARIO_DIR) + "/" + GetParam(), env))
    ADD_FAILURE() << failure;
}

std::string TestName(const ::testing::TestParamInfo<std::string>& info) {
  std::string name = std::filesystem::path(info.param).stem().string();
  for (char& ch : name) {
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(Testdata, ScenarioTest,
                         ::testing::ValuesIn(ScenarioNames(RAFTLAB_SCENARIO_DIR)), TestName);

// The interpreter itself: bad scripts are errors naming file and line, not passes.
std::string WriteScript(const std::string& name, const std::string& text) {
  const std::string path = ::testing::TempDir() + "/" + name;
  std::ofstream(path, std::ios::trunc) << text;
  return path;
}

std::string ReadAll(const std::string& path) {
  std::stringstream out;
  out << std::ifstream(path).rdbuf();
  return out.str();
}

TEST(ScenarioScript, UnknownCommandNamesFileAndLine) {
  const std::string path =
      WriteScript("scenario_bad.txt", "add-nodes 1\n----\nok\n\nfly 1\n----\nok\n");
  Env env;
  auto failures = RunScenarioFile(path, env);
  ASSERT_EQ(failures.size(), 1u);
  EXPECT_NE(failures[0].find("scenario_bad.txt:5: unknown command 'fly'"), std::string::npos)
      << failures[0];
  std::remove(path.c_str());
}

TEST(ScenarioScript, MissingSeparatorNamesFileAndLine) {
  const std::string path = WriteScript("scenario_nosep.txt", "# c\nadd-nodes 1\nok\n");
  Env env;
  auto failures = RunScenarioFile(path, env);
  ASSERT_EQ(failures.size(), 1u);
  EXPECT_NE(failures[0].find("scenario_nosep.txt:2: expected a '----'"), std::string::npos)
      << failures[0];
  std::remove(path.c_str());
}

TEST(ScenarioScript, MismatchIsReportedWithDiff) {
  const std::string path =
      WriteScript("scenario_mismatch.txt", "add-nodes 1\n----\nok\n\nstatus 1\n----\n1: leader\n");
  Env env;
  auto failures = RunScenarioFile(path, env);
  ASSERT_EQ(failures.size(), 1u);
  EXPECT_NE(failures[0].find(":5: status 1"), std::string::npos) << failures[0];
  EXPECT_NE(failures[0].find("- 1: leader"), std::string::npos) << failures[0];
  EXPECT_NE(failures[0].find("+ 1: follower term=0"), std::string::npos) << failures[0];
  std::remove(path.c_str());
}

TEST(ScenarioScript, RewriteReplacesOnlyExpectedOutput) {
  const std::string path =
      WriteScript("scenario_rewrite.txt",
                  "# keep me\nadd-nodes 2\n----\nstale\nlines\n\n\n# and me\nlease 1\n----\n");
  Env env;
  auto result = RunScript(
      path, [&](const Command& c) { return env.Handle(c); }, /*rewrite=*/true);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->cases, 2);
  EXPECT_EQ(ReadAll(path),
            "# keep me\nadd-nodes 2\n----\nok\n\n\n# and me\nlease 1\n----\n"
            "1: Lease Round:0 CommittedInTerm:false\n");
  Env again;
  EXPECT_TRUE(RunScenarioFile(path, again).empty()) << "a rewritten script passes";
  std::remove(path.c_str());
}

TEST(ScenarioScript, UnbalancedParenthesisIsAnError) {
  auto c = ParseCommand("f.txt", 3, "campaign 1 voters=(1,2");
  EXPECT_FALSE(c.ok());
  EXPECT_NE(std::string(c.status().message()).find("f.txt:3: unbalanced"), std::string::npos);
}

TEST(ScenarioScript, ArgumentsParse) {
  auto c = ParseCommand("f.txt", 1, "add-nodes 3 voters=(1, 2,3) pre-vote=false");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->name, "add-nodes");
  EXPECT_EQ(c->args, std::vector<std::string>{"3"});
  EXPECT_EQ(*c->Uints("voters"), (std::vector<uint64_t>{1, 2, 3}));
  EXPECT_FALSE(*c->Bool("pre-vote", true));
  EXPECT_FALSE(c->Bool("voters", true).ok()) << "a list is not a bool";
  auto bad = ParseCommand("f.txt", 1, "tick 1 count=x");
  ASSERT_TRUE(bad.ok());
  EXPECT_NE(std::string(bad->Uint("count", 1).status().message()).find("f.txt:1: count"),
            std::string::npos);
}

}  // namespace
}  // namespace raftlab::raft::scenario
