#include "server/storage/sync_mode.h"

#include <stdlib.h>

#include <gtest/gtest.h>

namespace raftlab::storage {
namespace {

TEST(SyncMode, ParsesCaseInsensitively) {
  for (const char* v : {"sync", "SYNC", "Sync"}) {
    auto c = ParseSyncMode(v, "--fsm-sync-mode");
    EXPECT_EQ(c.mode, SyncMode::kSync) << v;
    EXPECT_EQ(c.warning, "") << v;
  }
  for (const char* v : {"nosync", "NOSYNC", "NoSync"}) {
    auto c = ParseSyncMode(v, "--fsm-sync-mode");
    EXPECT_EQ(c.mode, SyncMode::kNoSync) << v;
    EXPECT_EQ(c.warning, "") << v;
  }
}

TEST(SyncMode, UnknownOrEmptyFallsBackToSyncWithAWarningNamingTheValue) {
  auto c = ParseSyncMode("fast", "RAFTLAB_FSM_SYNC_MODE");
  EXPECT_EQ(c.mode, SyncMode::kSync);
  EXPECT_NE(c.warning.find("'fast'"), std::string::npos) << c.warning;
  EXPECT_NE(c.warning.find("RAFTLAB_FSM_SYNC_MODE"), std::string::npos) << c.warning;
  c = ParseSyncMode("", "--fsm-sync-mode");
  EXPECT_EQ(c.mode, SyncMode::kSync);
  EXPECT_NE(c.warning.find("empty"), std::string::npos) << c.warning;
  EXPECT_NE(c.warning.find("--fsm-sync-mode"), std::string::npos) << c.warning;
  c = ParseSyncMode(" nosync", "--fsm-sync-mode");
  EXPECT_EQ(c.mode, SyncMode::kSync);
  EXPECT_NE(c.warning.find("' nosync'"), std::string::npos) << c.warning;
}

TEST(SyncMode, FlagWinsOverEnvironmentWhichWinsOverDefault) {
  ::unsetenv(kSyncModeEnv);
  EXPECT_EQ(ResolveSyncMode(std::nullopt).mode, SyncMode::kSync);
  EXPECT_EQ(ResolveSyncMode(std::nullopt).warning, "");
  ::setenv(kSyncModeEnv, "NoSync", 1);
  EXPECT_EQ(ResolveSyncMode(std::nullopt).mode, SyncMode::kNoSync);
  EXPECT_EQ(ResolveSyncMode(std::string("sync")).mode, SyncMode::kSync);
  ::setenv(kSyncModeEnv, "", 1);
  auto c = ResolveSyncMode(std::nullopt);
  EXPECT_EQ(c.mode, SyncMode::kSync);
  EXPECT_NE(c.warning.find(kSyncModeEnv), std::string::npos) << c.warning;
  ::unsetenv(kSyncModeEnv);
  EXPECT_EQ(SyncModeName(SyncMode::kNoSync), "nosync");
}

}  // namespace
}  // namespace raftlab::storage
