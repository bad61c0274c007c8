#include "server/api/server_flags.h"

#include <gtest/gtest.h>

#include "faults/bugs.h"


namespace raftlab::api {
namespace {

std::vector<std::string> Base() {
  return {"raftlab-server", "--id", "2", "--peers", "1=127.0.0.1:7001,2=127.0.0.1:7002,3=127.0.0.1:7003",
          "--data-dir", "/tmp/x"};
}

std::string ErrorOf(std::vector<std::string> args) {
  auto r = ParseServerFlags(args);
  return r.ok() ? "" : std::string(r.status().message());
}

TEST(ServerFlags, DefaultsAreLoopbackAndDesignValues) {
  auto r = ParseServerFlags(Base());
  ASSERT_TRUE(r.ok()) << r.status();
  const ServerConfig& c = r->config;
  EXPECT_EQ(c.id, 2u);
  EXPECT_EQ(c.listen.ToString(), "127.0.0.1:7002");
  EXPECT_EQ(c.http.host, "127.0.0.1");
  EXPECT_EQ(c.tick_ms, 10);
  EXPECT_EQ(c.election_ticks, 200);
  EXPECT_EQ(c.heartbeat_ticks, 20);
  EXPECT_EQ(c.lease_margin_ms, 300);
  EXPECT_FALSE(c.allow_faults);
  EXPECT_EQ(c.peers.size(), 3u);
  EXPECT_FALSE(c.dispatcher_lanes.has_value()) << "unset: the environment decides later";
  EXPECT_FALSE(c.fsm_sync_mode.has_value());
  EXPECT_EQ(c.groups, 1u);
  EXPECT_EQ(c.compaction_lag, 1000u);
  EXPECT_EQ(c.rpc_threads, 1);
}

TEST(ServerFlags, CompactionLagIsKeptAndMustBeANumber) {
  auto args = Base();
  args.insert(args.end(), {"--compaction-lag", "20"});
  auto r = ParseServerFlags(args);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->config.compaction_lag, 20u);
  args.back() = "many";
  EXPECT_NE(ErrorOf(args).find("--compaction-lag"), std::string::npos) << ErrorOf(args);
}

TEST(ServerFlags, RpcThreadsIsKeptAndMustBeInRange) {
  auto args = Base();
  args.insert(args.end(), {"--rpc-threads", "3"});
  auto r = ParseServerFlags(args);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->config.rpc_threads, 3);
  for (const char* bad : {"0", "65", "two"}) {
    args.back() = bad;
    EXPECT_NE(ErrorOf(args).find("--rpc-threads"), std::string::npos)
        << bad << ": " << ErrorOf(args);
  }
}

TEST(ServerFlags, GivenValuesAreKeptRawForTheirOwners) {
  auto args = Base();
  args.insert(args.end(), {"--dispatcher-lanes", "3", "--fsm-sync-mode", "NoSync", "--allow-faults",
                           "--groups", "4"});
  auto r = ParseServerFlags(args);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->config.dispatcher_lanes, std::optional<std::string>("3"));
  EXPECT_EQ(r->config.fsm_sync_mode, std::optional<std::string>("NoSync"));
  EXPECT_TRUE(r->config.allow_faults);
  EXPECT_EQ(r->config.groups, 4u);
}

TEST(ServerFlags, UnsafeBugNeedsAllowFaultsAndAKnownName) {
  auto with = [](std::vector<std::string> extra) {
    auto a = Base();
    a.insert(a.end(), extra.begin(), extra.end());
    return ParseServerFlags(a);
  };
  EXPECT_EQ(with({})->config.unsafe_bugs, 0u) << "no planted bug by default";
  auto refused = with({"--unsafe-bug", "follower-local-read"});
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("--allow-faults"), std::string::npos) << refused.status();
  auto unknown = with({"--allow-faults", "--unsafe-bug", "follower-local-reads"});
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("\"follower-local-reads\""), std::string::npos) << unknown.status();
  auto ok = with({"--allow-faults", "--unsafe-bug", "follower-local-read,vote-not-persisted"});
  ASSERT_TRUE(ok.ok()) << ok.status();
  const uint32_t want = (1u << static_cast<unsigned>(faults::Bug::kFollowerLocalRead)) |
                        (1u << static_cast<unsigned>(faults::Bug::kVoteNotPersisted));
  EXPECT_EQ(ok->config.unsafe_bugs, want);
}

TEST(ServerFlags, BadFlagsNameTheFlag) {
  auto with = [](std::vector<std::string> extra) {
    auto a = Base();
    a.insert(a.end(), extra.begin(), extra.end());
    return ErrorOf(a);
  };
  EXPECT_NE(with({"--tick-ms", "0"}).find("--tick-ms"), std::string::npos);
  EXPECT_NE(with({"--tick-ms", "abc"}).find("--tick-ms"), std::string::npos);
  EXPECT_NE(with({"--election-ticks", "10"}).find("--election-ticks"), std::string::npos);
  EXPECT_NE(with({"--http", "nowhere"}).find("--http"), std::string::npos);
  EXPECT_NE(with({"--listen", "x:99999"}).find("--listen"), std::string::npos);
  EXPECT_NE(with({"--no-such-flag"}).find("no-such-flag"), std::string::npos);
  EXPECT_NE(with({"--groups", "0"}).find("--groups"), std::string::npos);
  EXPECT_NE(ErrorOf({"raftlab-server", "--id", "9", "--peers", "1=a:1", "--data-dir", "d"}).find("--id"),
            std::string::npos);
  EXPECT_NE(ErrorOf({"raftlab-server", "--id", "1", "--data-dir", "d"}).find("--peers"), std::string::npos);
}

TEST(ServerFlags, ALeaseMustEndATickPlusADriftAllowanceBeforeTheElectionTimeout) {
  auto with = [](std::vector<std::string> extra) {
    auto a = Base();
    a.insert(a.end(), extra.begin(), extra.end());
    return ErrorOf(a);
  };
  EXPECT_NE(with({"--lease-margin-ms", "0"}).find("--lease-margin-ms"), std::string::npos);
  EXPECT_NE(with({"--lease-margin-ms", "-5"}).find("--lease-margin-ms"), std::string::npos);
  // Exactly one tick: the timer granularity is covered but nothing is left for drift.
  EXPECT_NE(with({"--tick-ms", "10", "--lease-margin-ms", "10"}).find("exceed one tick"), std::string::npos);
  EXPECT_EQ(with({"--tick-ms", "10", "--lease-margin-ms", "11"}), "");
  // A margin as long as the election timeout leaves no lease.
  EXPECT_NE(with({"--tick-ms", "10", "--election-ticks", "30", "--lease-margin-ms", "300"}).find("no lease"),
            std::string::npos);
  EXPECT_EQ(with({"--tick-ms", "10", "--election-ticks", "30", "--lease-margin-ms", "299"}), "");
}

TEST(ServerFlags, HelpStatesTheClockDriftBound) {
  auto r = ParseServerFlags({"raftlab-server", "--help"});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_NE(r->usage.find("drift"), std::string::npos) << r->usage;
}

TEST(ServerFlags, LogLevelIsKeptWhenItNamesALevel) {
  auto args = Base();
  args.insert(args.end(), {"--log-level", "debug"});
  auto r = ParseServerFlags(args);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->config.log_level, std::optional<std::string>("debug"));
  auto unset = ParseServerFlags(Base());
  ASSERT_TRUE(unset.ok());
  EXPECT_FALSE(unset->config.log_level.has_value()) << "unset: RAFTLAB_LOG_LEVEL decides later";
}

TEST(ServerFlags, BadLogLevelIsAFlagErrorListingTheLevels) {
  auto args = Base();
  args.insert(args.end(), {"--log-level", "loud"});
  EXPECT_EQ(ErrorOf(args),
            "--log-level: unknown log level 'loud' (want trace, debug, info, warn or error)");
}

TEST(ServerFlags, HelpIsReportedNotAnError) {
  auto r = ParseServerFlags({"raftlab-server", "--help"});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->help);
  EXPECT_NE(r->usage.find("--dispatcher-lanes"), std::string::npos);
  EXPECT_NE(r->usage.find("--log-level"), std::string::npos);
}

}  // namespace
}  // namespace raftlab::api

namespace raftlab::api {
namespace {

TEST(ServerFlags, KeyvizIsOffByDefaultWithMinuteColumns) {
  auto r = ParseServerFlags(Base());
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_FALSE(r->config.keyviz);
  EXPECT_EQ(r->config.keyviz_column_ms, 60000);
  auto args = Base();
  args.insert(args.end(), {"--keyviz", "--keyviz-column-ms", "1000", "--cluster-file", "/tmp/c"});
  r = ParseServerFlags(args);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->config.keyviz);
  EXPECT_EQ(r->config.keyviz_column_ms, 1000);
  EXPECT_EQ(r->config.cluster_file, "/tmp/c");
}

TEST(ServerFlags, GroupsIsRecordedAsGivenAndKeyvizColumnsMustBePositive) {
  auto args = Base();
  args.insert(args.end(), {"--cluster-file", "/tmp/c", "--groups", "4"});
  auto r = ParseServerFlags(args);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->config.groups_given) << "the node checks it against the file";
  EXPECT_FALSE(ParseServerFlags(Base())->config.groups_given);
  args = Base();
  args.insert(args.end(), {"--keyviz-column-ms", "0"});
  EXPECT_NE(ErrorOf(args).find("--keyviz-column-ms"), std::string::npos);
}

}  // namespace
}  // namespace raftlab::api
