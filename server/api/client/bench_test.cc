#include "server/api/client/bench_runner.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "server/api/client/bench_report.h"
#include "server/api/client/fake_node.h"

namespace raftlab::client {
namespace {

using testing::FakeNode;

// "CODE: message x count" for each error the run saw, for a failure's message.
std::string ErrorsOf(const BenchResult& r) {
  std::string out;
  for (const auto& [error, count] : r.error_counts)
    out += error + " x" + std::to_string(count) + "; ";
  return out;
}

TEST(Bench, PutCompletesTheRequestedTotal) {
  FakeNode node(1);
  BenchConfig c;
  c.clients = 10;
  c.conns = 3;
  c.total = 500;
  c.key_space = 50;
  auto r = RunBench(c, {node.address()});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->ok, 500);
  EXPECT_EQ(r->errors, 0) << ErrorsOf(*r);
  EXPECT_EQ(r->summary.count, 500);
  EXPECT_EQ(node.kv_calls(), 500 + 1) << ErrorsOf(*r);  // and the leader probe
  ASSERT_EQ(r->targets, std::vector<std::string>{node.address()});
  EXPECT_EQ(node.Value(BenchKey(0, 8))->size(), 256u);
}

TEST(Bench, LeaderTargetFollowsTheRedirect) {
  FakeNode follower(1), leader(2);
  follower.RedirectTo(2, leader.address());
  BenchConfig c;
  c.op = BenchConfig::Op::kGet;
  c.clients = 4;
  c.total = 100;
  auto r = RunBench(c, {follower.address(), leader.address()});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->targets, std::vector<std::string>{leader.address()});
  EXPECT_EQ(r->ok, 100);
  EXPECT_EQ(follower.kv_calls(), 1);
}

TEST(Bench, LeaderTargetIsTheLeaderEvenWhenFollowersServeReads) {
  FakeNode follower(1), leader(2);
  follower.ReportLeader(2);
  leader.ReportLeader(2);
  BenchConfig c;
  c.clients = 2;
  c.total = 20;
  auto r = RunBench(c, {follower.address(), leader.address()});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->targets, std::vector<std::string>{leader.address()});
  EXPECT_EQ(leader.kv_calls(), 20);
}

TEST(Bench, GetsAreCountedByReadPath) {
  FakeNode node(1);
  BenchConfig c;
  c.op = BenchConfig::Op::kGet;
  c.read_mode = kv::READ_MODE_LEASE;
  c.clients = 3;
  c.total = 90;
  auto r = RunBench(c, {node.address()});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->read_paths, (std::map<std::string, int64_t>{{"lease", 90}}));
  EXPECT_NE(FormatBenchReport(c, *r).find("Read paths: lease=90"), std::string::npos);
}

TEST(Bench, ErrorsAreCountedNotHidden) {
  FakeNode a(1), b(2);
  b.FailWith(grpc::StatusCode::RESOURCE_EXHAUSTED, "busy");
  BenchConfig c;
  c.op = BenchConfig::Op::kGet;
  c.read_mode = kv::READ_MODE_STALE;
  c.target = BenchConfig::Target::kAll;
  c.clients = 4;
  c.conns = 2;  // connection 0 to a, connection 1 to b
  c.total = 200;
  auto r = RunBench(c, {a.address(), b.address()});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->ok + r->errors, 200);
  EXPECT_EQ(r->ok, a.kv_calls());
  EXPECT_EQ(r->errors, b.kv_calls());
  EXPECT_GT(r->errors, 0);
  EXPECT_EQ(r->error_counts.at("RESOURCE_EXHAUSTED: busy"), r->errors);
  std::string text = FormatBenchReport(c, *r);
  EXPECT_NE(text.find("Error distribution:"), std::string::npos);
}

TEST(Bench, JsonCarriesTheFigures) {
  FakeNode node(1);
  BenchConfig c;
  c.total = 50;
  c.clients = 2;
  auto r = RunBench(c, {node.address()});
  ASSERT_TRUE(r.ok());
  auto j = nlohmann::json::parse(BenchJson(c, *r));
  EXPECT_EQ(j["ok"], 50);
  EXPECT_EQ(j["errors"], 0);
  EXPECT_EQ(j["op"], "put");
  EXPECT_TRUE(j["percentiles_ms"].contains("p99.9"));
  EXPECT_GT(j["requests_per_s"].get<double>(), 0);
}

TEST(Bench, NoReachableLeaderIsAnError) {
  FakeNode node(1);
  node.FailWith(grpc::StatusCode::UNAVAILABLE);
  BenchConfig c;
  c.total = 10;
  auto r = RunBench(c, {node.address()});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("finding the leader"), std::string::npos);
}

TEST(BenchConfig, ValidationNamesTheFlag) {
  BenchConfig c;
  c.key_space = 1000;
  c.key_size = 2;
  EXPECT_NE(ValidateBenchConfig(c).message().find("--key-space"), std::string::npos);
  c = BenchConfig{};
  c.clients = 0;
  EXPECT_NE(ValidateBenchConfig(c).message().find("--clients"), std::string::npos);
  c = BenchConfig{};
  c.conns = 0;
  EXPECT_NE(ValidateBenchConfig(c).message().find("--conns"), std::string::npos);
  EXPECT_TRUE(ValidateBenchConfig(BenchConfig{}).ok());
}

TEST(BenchConfig, KeysArePaddedToKeySize) {
  EXPECT_EQ(BenchKey(42, 8), "00000042");
  EXPECT_EQ(BenchKey(0, 1), "0");
}

}  // namespace
}  // namespace raftlab::client
