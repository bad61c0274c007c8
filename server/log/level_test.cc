#include "server/log/level.h"

#include <gtest/gtest.h>

namespace raftlab::log {
namespace {

TEST(LogLevel, ParsesTheFiveSelectableNames) {
  EXPECT_EQ(*ParseLevel("trace"), Level::kTrace);
  EXPECT_EQ(*ParseLevel("debug"), Level::kDebug);
  EXPECT_EQ(*ParseLevel("info"), Level::kInfo);
  EXPECT_EQ(*ParseLevel("warn"), Level::kWarn);
  EXPECT_EQ(*ParseLevel("error"), Level::kError);
}

TEST(LogLevel, RefusesOtherNamesNamingTheValueAndTheChoices) {
  for (const char* bad : {"critical", "INFO", "warning", "", "off"}) {
    auto l = ParseLevel(bad);
    ASSERT_FALSE(l.ok()) << bad;
    {
      const std::string msg(l.status().message());
      EXPECT_NE(msg.find(std::string("'") + bad + "'"), std::string::npos) << msg;
      EXPECT_NE(msg.find("trace, debug, info, warn or error"), std::string::npos) << msg;
    }
  }
}

TEST(LogLevel, FlagWinsOverEnvironment) {
  auto c = ResolveLevel(std::string("debug"), "error");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->level, Level::kDebug);
  EXPECT_TRUE(c->warning.empty());
}

TEST(LogLevel, BadFlagIsAnErrorNamingTheFlag) {
  auto c = ResolveLevel(std::string("loud"), nullptr);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(std::string(c.status().message()).rfind("--log-level: unknown log level 'loud'", 0), 0u)
      << c.status().message();
}

TEST(LogLevel, EnvironmentAppliesWithoutTheFlag) {
  auto c = ResolveLevel(std::nullopt, "warn");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->level, Level::kWarn);
  auto unset = ResolveLevel(std::nullopt, nullptr);
  ASSERT_TRUE(unset.ok());
  EXPECT_EQ(unset->level, Level::kInfo);
}

TEST(LogLevel, BadEnvironmentFallsBackToInfoWithAWarningNamingIt) {
  auto c = ResolveLevel(std::nullopt, "verbose");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->level, Level::kInfo);
  EXPECT_NE(c->warning.find("RAFTLAB_LOG_LEVEL"), std::string::npos) << c->warning;
  EXPECT_NE(c->warning.find("'verbose'"), std::string::npos) << c->warning;
}

}  // namespace
}  // namespace raftlab::log
