#include "server/api/client/ctl_run.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "server/api/client/fake_node.h"

namespace raftlab::client {
namespace {

using testing::FakeNode;

struct Outcome {
  int rc;
  std::string out, err;
};

Outcome Ctl(const std::vector<std::string>& endpoints, std::vector<std::string> rest) {
  std::string joined;
  for (const auto& e : endpoints) joined += (joined.empty() ? "" : ",") + e;
  std::vector<std::string> args{"raftlab-ctl", "--endpoints", joined, "--timeout-ms", "5000"};
  args.insert(args.end(), rest.begin(), rest.end());
  auto command = ParseCtlArgs(args);
  EXPECT_TRUE(command.ok()) << command.status();
  std::ostringstream out, err;
  int rc = RunCtl(*command, out, err);
  return {rc, out.str(), err.str()};
}

TEST(CtlRun, PutThenGetThroughARedirect) {
  FakeNode follower(1), leader(2);
  follower.RedirectTo(2, leader.address());
  EXPECT_EQ(Ctl({follower.address()}, {"put", "k", "hello"}).rc, 0);
  Outcome get = Ctl({follower.address()}, {"get", "k"});
  EXPECT_EQ(get.rc, 0);
  EXPECT_EQ(get.out, "hello\n");
  EXPECT_EQ(leader.Value("k"), "hello");
}

TEST(CtlRun, GetOfAnAbsentKeyExitsOneWithNotFound) {
  FakeNode node(1);
  Outcome get = Ctl({node.address()}, {"get", "missing"});
  EXPECT_EQ(get.rc, 1);
  EXPECT_EQ(get.out, "");
  EXPECT_EQ(get.err, "not found\n");
}

TEST(CtlRun, RpcErrorNamesTheGrpcCode) {
  FakeNode node(1);
  node.FailWith(grpc::StatusCode::PERMISSION_DENIED, "needs --allow-faults");
  Outcome r = Ctl({node.address()}, {"clock", "--offset-ms", "5"});
  EXPECT_EQ(r.rc, 1);
  EXPECT_NE(r.err.find("PERMISSION_DENIED"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("needs --allow-faults"), std::string::npos) << r.err;
}

TEST(CtlRun, CasReportsSwappedOrNot) {
  FakeNode node(1);
  node.SetValue("k", "a");
  EXPECT_EQ(Ctl({node.address()}, {"cas", "k", "b", "c"}).out, "not swapped: current value is a\n");
  Outcome ok = Ctl({node.address()}, {"cas", "k", "a", "c"});
  EXPECT_EQ(ok.rc, 0);
  EXPECT_EQ(ok.out, "swapped\n");
}

TEST(CtlRun, StatusPrintsOneLinePerNodeAndGroupWithTheLeader) {
  FakeNode a(1), b(2);
  b.RedirectTo(1, a.address());
  Outcome r = Ctl({a.address(), b.address()}, {"status"});
  EXPECT_EQ(r.rc, 0) << r.err;
  std::istringstream lines(r.out);
  std::string first, second;
  std::getline(lines, first);
  std::getline(lines, second);
  EXPECT_NE(first.find("node=1 "), std::string::npos) << first;
  EXPECT_NE(first.find(" leader=1 "), std::string::npos) << first;
  EXPECT_NE(first.find(" role=leader "), std::string::npos) << first;
  for (const char* field : {" term=3", " commit=10", " applied=9"}) EXPECT_NE(first.find(field), std::string::npos);
  EXPECT_NE(second.find("node=2 "), std::string::npos) << second;
  EXPECT_NE(second.find(" leader=1 "), std::string::npos) << second;
}

TEST(CtlRun, PartitionGoesToTheNamedNodeOnly) {
  FakeNode a(1), b(2);
  Outcome r = Ctl({a.address(), b.address()}, {"partition", b.address(), "--isolate", "1,3"});
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_TRUE(a.AdminLog().empty());
  EXPECT_EQ(b.AdminLog(), std::vector<std::string>{"SetPartition 1 3"});
  Ctl({a.address(), b.address()}, {"heal"});
  EXPECT_EQ(a.AdminLog(), std::vector<std::string>{"Heal"});
}

TEST(CtlRun, PartitionDirectionReachesTheNode) {
  FakeNode a(1);
  Outcome r = Ctl({a.address()}, {"partition", a.address(), "--isolate", "2", "--direction", "inbound"});
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_EQ(a.AdminLog(), std::vector<std::string>{"SetPartition 2 PARTITION_DIRECTION_INBOUND"});
  EXPECT_NE(r.out.find("direction=inbound"), std::string::npos) << r.out;
}

TEST(CtlRun, FaultEnableShowsOnlyThePointChanged) {
  FakeNode node(1);
  Outcome r = Ctl({node.address()}, {"fault", "enable", "raftlab/transport/delay", "--failnum", "20"});
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_EQ(r.out, node.address() + " raftlab/transport/delay on p=0\n");
}

TEST(CtlRun, FaultTransferAndSnapshot) {
  FakeNode node(1);
  EXPECT_EQ(Ctl({node.address()}, {"fault", "enable", "raftlab/wal/fsync", "--probability", "0.5"}).rc, 0);
  EXPECT_EQ(Ctl({node.address()}, {"transfer", "--to", "2"}).out, "group=1 leader=2\n");
  EXPECT_EQ(Ctl({node.address()}, {"snapshot", "--group", "1"}).rc, 0);
  EXPECT_EQ(node.AdminLog(), (std::vector<std::string>{"EnableFault raftlab/wal/fsync p=0.500000",
                                                       "TransferLeader 1 2", "TriggerSnapshot 1"}));
}

TEST(CtlRun, BenchPrintsTheSummaryAndWritesJson) {
  FakeNode node(1);
  char tmpl[] = "/tmp/raftlab-ctl-test-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  std::filesystem::path dir(tmpl);
  std::string json = (dir / "bench.json").string();
  Outcome r = Ctl({node.address()}, {"bench", "put", "--clients", "3", "--total", "60", "--json", json});
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_NE(r.out.find("Requests/sec:"), std::string::npos);
  EXPECT_NE(r.out.find("60 ok, 0 errors"), std::string::npos) << r.out;
  std::ifstream f(json);
  std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("\"ok\": 60"), std::string::npos) << text;
  std::filesystem::remove_all(dir);
}

TEST(CtlRun, ACommandBuiltWithoutTheParserIsCheckedToo) {
  CtlCommand command;
  command.name = "get";
  command.endpoints = {"127.0.0.1:1"};
  command.timeout_ms = 0;
  std::ostringstream out, err;
  EXPECT_EQ(RunCtl(command, out, err), 2);
  EXPECT_NE(err.str().find("timeout"), std::string::npos);
}

}  // namespace
}  // namespace raftlab::client
