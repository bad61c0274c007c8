// Runs every server/engine/testdata/*.txt scenario over the engine-level environment
// (DurableLog storage, LeaseTracker per node). RAFTLAB_REWRITE=1 writes the actual output
// back into the files (review the diff).

#include <filesystem>

#include "gtest/gtest.h"
#include "server/engine/scenario_engine.h"

namespace raftlab::engine {
namespace {

class EngineScenarioTest : public ::testing::TestWithParam<std::string> {};

TEST_P(EngineScenarioTest, MatchesExpectedOutput) {
  auto env = NewEngineScenarioEnv();
  ASSERT_TRUE(env.ok()) << env.status();
  for (const std::string& failure : raft::scenario::RunScenarioFile(
           std::string(RAFTLAB_ENGINE_SCENARIO_DIR) + "/" + GetParam(), **env)) {
    ADD_FAILURE() << failure;
  }
}

std::string TestName(const ::testing::TestParamInfo<std::string>& info) {
  std::string name = std::filesystem::path(info.param).stem().string();
  for (char& ch : name) {
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(
    Testdata, EngineScenarioTest,
    ::testing::ValuesIn(raft::scenario::ScenarioNames(RAFTLAB_ENGINE_SCENARIO_DIR)), TestName);

}  // namespace
}  // namespace raftlab::engine
