#include "server/api/client/ctl_flags.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace raftlab::client {
namespace {

std::vector<std::string> Args(std::vector<std::string> rest) {
  std::vector<std::string> args{"raftlab-ctl", "--endpoints", "127.0.0.1:7001,127.0.0.1:7002"};
  args.insert(args.end(), rest.begin(), rest.end());
  return args;
}

// The error message, or "" when the arguments parse.
std::string ErrorOf(const std::vector<std::string>& args) {
  auto r = ParseCtlArgs(args);
  if (r.ok()) return "";
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(r.status().message());
}

MATCHER_P(Names, what, "") { return arg.find(what) != std::string::npos; }

TEST(CtlFlags, ParsesGlobalFlagsAndPut) {
  auto r = ParseCtlArgs(Args({"--timeout-ms", "250", "put", "k", "v"}));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->name, "put");
  EXPECT_EQ(r->endpoints, (std::vector<std::string>{"127.0.0.1:7001", "127.0.0.1:7002"}));
  EXPECT_EQ(r->timeout_ms, 250);
  EXPECT_EQ(r->key, "k");
  EXPECT_EQ(r->value, "v");
}

TEST(CtlFlags, GlobalFlagsMayFollowTheCommand) {
  auto r = ParseCtlArgs({"raftlab-ctl", "get", "k", "--endpoints", "127.0.0.1:7001", "--timeout-ms", "9"});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->timeout_ms, 9);
}

TEST(CtlFlags, GetReadModes) {
  auto r = ParseCtlArgs(Args({"get", "--read-mode", "lease", "k"}));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->read_mode, kv::READ_MODE_LEASE);
  EXPECT_EQ(ParseCtlArgs(Args({"get", "k"}))->read_mode, kv::READ_MODE_LINEARIZABLE);
  EXPECT_THAT(ErrorOf(Args({"get", "--read-mode", "fast", "k"})), Names("--read-mode"));
}

TEST(CtlFlags, CasWithOldValueOrExpectAbsent) {
  auto r = ParseCtlArgs(Args({"cas", "k", "old", "new"}));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->expected, "old");
  EXPECT_EQ(r->value, "new");
  auto absent = ParseCtlArgs(Args({"cas", "--expect-absent", "k", "new"}));
  ASSERT_TRUE(absent.ok()) << absent.status();
  EXPECT_FALSE(absent->expected.has_value());
  EXPECT_EQ(absent->value, "new");
  EXPECT_THAT(ErrorOf(Args({"cas", "k", "new"})), Names("KEY OLD NEW"));
  EXPECT_THAT(ErrorOf(Args({"cas", "--expect-absent", "k", "a", "b"})), Names("--expect-absent"));
}

TEST(CtlFlags, ScanWithOptionalEnd) {
  auto r = ParseCtlArgs(Args({"scan", "--limit", "5", "a"}));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->start, "a");
  EXPECT_EQ(r->end, "");
  EXPECT_EQ(r->limit, 5u);
}

TEST(CtlFlags, AdminCommands) {
  auto fault = ParseCtlArgs(Args({"fault", "enable", "raftlab/wal/fsync", "--probability", "0.25"}));
  ASSERT_TRUE(fault.ok()) << fault.status();
  EXPECT_EQ(fault->fault_action, "enable");
  EXPECT_DOUBLE_EQ(fault->probability, 0.25);
  auto delay = ParseCtlArgs(Args({"fault", "enable", "raftlab/transport/delay", "--failnum", "50", "--one-shot"}));
  ASSERT_TRUE(delay.ok()) << delay.status();
  EXPECT_EQ(delay->failnum, 50);
  EXPECT_TRUE(delay->one_shot);
  auto part = ParseCtlArgs(Args({"partition", "127.0.0.1:7003", "--isolate", "1,2"}));
  ASSERT_TRUE(part.ok()) << part.status();
  EXPECT_EQ(part->node, "127.0.0.1:7003");
  EXPECT_EQ(part->isolate, (std::vector<uint64_t>{1, 2}));
  EXPECT_EQ(part->direction, admin::PARTITION_DIRECTION_BOTH);
  auto one_way = ParseCtlArgs(Args({"partition", "127.0.0.1:7003", "--isolate", "2", "--direction", "inbound"}));
  ASSERT_TRUE(one_way.ok()) << one_way.status();
  EXPECT_EQ(one_way->direction, admin::PARTITION_DIRECTION_INBOUND);
  auto clock = ParseCtlArgs(Args({"clock", "--offset-ms", "-20", "--rate", "1.5"}));
  ASSERT_TRUE(clock.ok()) << clock.status();
  EXPECT_EQ(clock->offset_ms, -20);
  auto transfer = ParseCtlArgs(Args({"transfer", "--group", "2", "--to", "3"}));
  ASSERT_TRUE(transfer.ok()) << transfer.status();
  EXPECT_EQ(transfer->group, 2u);
  EXPECT_EQ(transfer->to, 3u);
}

TEST(CtlFlags, BenchShapes) {
  auto r = ParseCtlArgs(Args({"bench", "get", "--clients", "100", "--conns", "10", "--total", "1000", "--read-mode",
                              "stale", "--key-space", "1000", "--target", "all", "--json", "/tmp/x.json"}));
  ASSERT_TRUE(r.ok()) << r.status();
  const BenchConfig& b = r->bench;
  EXPECT_EQ(b.op, BenchConfig::Op::kGet);
  EXPECT_EQ(b.clients, 100);
  EXPECT_EQ(b.conns, 10);
  EXPECT_EQ(b.total, 1000);
  EXPECT_EQ(b.read_mode, kv::READ_MODE_STALE);
  EXPECT_EQ(b.target, BenchConfig::Target::kAll);
  EXPECT_EQ(b.key_size, 8);
  EXPECT_EQ(b.val_size, 256);
  EXPECT_EQ(b.json_path, "/tmp/x.json");
}

TEST(CtlFlags, ErrorsNameTheArgument) {
  EXPECT_THAT(ErrorOf({"raftlab-ctl", "get", "k"}), Names("--endpoints"));
  EXPECT_THAT(ErrorOf({"raftlab-ctl", "--endpoints", "localhost", "get", "k"}), Names("--endpoints"));
  EXPECT_THAT(ErrorOf(Args({"--timeout-ms", "abc", "get", "k"})), Names("--timeout-ms"));
  EXPECT_THAT(ErrorOf(Args({"--timeout-ms", "0", "get", "k"})), Names("--timeout-ms"));
  EXPECT_THAT(ErrorOf(Args({"get"})), Names("KEY"));
  EXPECT_THAT(ErrorOf(Args({"put", "k"})), Names("VALUE"));
  EXPECT_THAT(ErrorOf(Args({"partition", "127.0.0.1:7003", "--isolate", "1,x"})), Names("--isolate"));
  EXPECT_THAT(ErrorOf(Args({"partition", "nohost", "--isolate", "1"})), Names("NODE_ENDPOINT"));
  EXPECT_THAT(ErrorOf(Args({"partition", "127.0.0.1:7003", "--isolate", "1", "--direction", "sideways"})),
              Names("--direction"));
  EXPECT_THAT(ErrorOf(Args({"fault", "enable"})), Names("NAME"));
  EXPECT_THAT(ErrorOf(Args({"fault", "enable", "x", "--probability", "2"})), Names("--probability"));
  EXPECT_THAT(ErrorOf(Args({"transfer"})), Names("--to"));
  EXPECT_THAT(ErrorOf(Args({"bench", "put", "--clients", "0"})), Names("--clients"));
  EXPECT_THAT(ErrorOf(Args({"bench", "put", "--conns", "x"})), Names("--conns"));
  EXPECT_THAT(ErrorOf(Args({"bench", "put", "--key-space", "1000000000"})), Names("--key-space"));
  EXPECT_THAT(ErrorOf(Args({"bench", "scan"})), Names("OP"));
  EXPECT_THAT(ErrorOf(Args({"bench", "put", "--target", "some"})), Names("--target"));
  EXPECT_THAT(ErrorOf(Args({"frob"})), Names("unknown command 'frob'"));
  EXPECT_THAT(ErrorOf(Args({})), Names("a command is required"));
}

TEST(CtlFlags, HelpIsNotAnError) {
  auto r = ParseCtlArgs({"raftlab-ctl", "--help"});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->help);
  EXPECT_THAT(r->usage, Names("bench"));
  auto sub = ParseCtlArgs({"raftlab-ctl", "bench", "--help"});
  ASSERT_TRUE(sub.ok());
  EXPECT_THAT(sub->usage, Names("--clients"));
}

}  // namespace
}  // namespace raftlab::client
