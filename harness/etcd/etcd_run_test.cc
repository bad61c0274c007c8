// etcd as the system under test, and real network partitions (network namespaces), through
// the raftlab-harness binary: etcd's register with linearizable reads stays valid under
// netns partitions, kills and proxy delays (the proxy holds bytes for its delay); its serializable reads under a partition are caught (exit 1,
// a counterexample); raftlab under --network netns with partitions stays valid; etcd on
// raftlab-powerfs keeps every acknowledged write through power losses, and loses some on a
// disk lying about the WAL's fsyncs; a stopped or killed harness leaves no namespace,
// bridge, veth, rule, process or mount behind.
// Skipped with a message when etcd is not installed or the test is not root.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "harness/etcd/etcd_client.h"
#include "harness/etcd/etcd_cluster.h"
#include "harness/flags.h"
#include "harness/netns/link_proxy.h"
#include "harness/netns/netns_network.h"
#include "harness/process.h"
#include "harness/test_util.h"

namespace raftlab::harness {
namespace {

using std::chrono::milliseconds;

// etcd: heartbeat 50 ms, election 500 ms. raftlab: elections after 200 ms.
const std::string kEtcdTimings = " --tick-ms 10 --heartbeat-ticks 5 --election-ticks 50";
const std::string kRaftlabTimings = " --tick-ms 5 --election-ticks 40 --heartbeat-ticks 4 --lease-margin-ms 50"
                                    " --server-binary " + std::string(RAFTLAB_SERVER_BIN);

std::vector<std::string> Split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string w;
  while (ss >> w) out.push_back(w);
  return out;
}

// Pids of processes whose command line mentions `needle` (the run folder).
std::vector<int> ProcessesMentioning(const std::string& needle) {
  std::vector<int> out;
  for (const auto& e : std::filesystem::directory_iterator("/proc")) {
    const std::string name = e.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos || std::stoi(name) == getpid()) continue;
    std::ifstream in(e.path() / "cmdline");
    std::string cmd((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const std::string argv0 = cmd.substr(0, cmd.find('\0'));
    const bool harness = argv0.size() >= 15 && argv0.compare(argv0.size() - 15, 15, "raftlab-harness") == 0;
    if (cmd.find(needle) != std::string::npos && !harness) {
      out.push_back(std::stoi(name));
    }
  }
  return out;
}

// Why a test cannot run here, or "" when it can.
std::string Unsupported(bool etcd, bool netns) {
  if (etcd && !FindEtcd().ok()) return "etcd is not installed (ci/install-deps.sh installs etcd-server)";
  if (netns && geteuid() != 0) return "--network netns needs root";
  return "";
}

struct HarnessRun {
  ExitInfo exit;
  std::string output;
  int harness_pid = 0;
};

// Runs raftlab-harness with `args` (and `env`, NAME=VALUE entries) to the end.
HarnessRun RunHarness(const testing::TempDir& dir, const std::string& args, std::vector<std::string> env = {}) {
  ProcessSpec spec;
  spec.program = RAFTLAB_HARNESS_BIN;
  spec.args = Split(args);
  spec.env = std::move(env);
  spec.log_path = dir.path() + "/harness.log";
  auto child = ChildProcess::Start(spec);
  EXPECT_TRUE(child.ok()) << child.status();
  HarnessRun r;
  if (!child.ok()) return r;
  r.harness_pid = child->pid();
  auto e = child->WaitFor(milliseconds(240000));
  r.exit = e ? *e : child->Kill();
  r.output = testing::ReadAll(spec.log_path);
  return r;
}

// What of a run is left after its harness ended: network objects, processes, mounts.
std::string Leftovers(int harness_pid, const std::string& out) {
  std::string left;
  std::ifstream mounts("/proc/self/mountinfo");
  for (std::string line; std::getline(mounts, line);) {
    if (line.find(" " + out + "/") != std::string::npos) left += "mount " + line + "; ";
  }
  for (const auto& o : NetnsObjects(NetnsPrefix(harness_pid))) left += o + "; ";
  for (int pid : ProcessesMentioning(out)) {
    left += "process " + std::to_string(pid) + "; ";
    kill(pid, SIGKILL);
  }
  return left;
}

int Count(const std::string& text, const std::string& needle) {
  int n = 0;
  for (size_t p = text.find(needle); p != std::string::npos; p = text.find(needle, p + 1)) ++n;
  return n;
}

TEST(EtcdList, EncodesAndDecodesElements) {
  EXPECT_EQ(EncodeList({"1", "22", "3"}), "1,22,3");
  EXPECT_EQ(DecodeList("1,22,3"), (std::vector<std::string>{"1", "22", "3"}));
  EXPECT_TRUE(DecodeList("").empty());
  EXPECT_EQ(DecodeList(EncodeList({"7"})), std::vector<std::string>{"7"});
}

// A one-shot echo server on 127.0.0.1; returns its port.
int EchoOnce(std::thread* server) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  listen(fd, 1);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  *server = std::thread([fd] {
    const int c = accept(fd, nullptr, nullptr);
    char buf[64];
    const ssize_t n = recv(c, buf, sizeof buf, 0);
    if (n > 0) send(c, buf, static_cast<size_t>(n), 0);
    close(c);
    close(fd);
  });
  return ntohs(a.sin_port);
}

// Round trip of one message through `proxy`, in milliseconds; -1 on failure.
double RoundTripMs(const LinkProxy& proxy) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(proxy.port()));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const auto start = std::chrono::steady_clock::now();
  char buf[8] = "ping";
  const bool ok = connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 && send(fd, buf, 4, 0) == 4 &&
                  recv(fd, buf, sizeof buf, MSG_WAITALL) == 4;
  close(fd);
  if (!ok) return -1;
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

TEST(LinkProxy, HoldsBytesForTheDelayOfEachDirection) {
  std::thread echo;
  auto proxy = LinkProxy::Start("127.0.0.1", "127.0.0.1", "127.0.0.1", EchoOnce(&echo));
  ASSERT_TRUE(proxy.ok()) << proxy.status();
  (*proxy)->SetDelay(milliseconds(150), milliseconds(100));
  const double ms = RoundTripMs(**proxy);
  echo.join();
  EXPECT_GE(ms, 250) << "forward and backward delays both held the bytes";
  std::thread echo2;
  auto direct = LinkProxy::Start("127.0.0.1", "127.0.0.1", "127.0.0.1", EchoOnce(&echo2));
  ASSERT_TRUE(direct.ok()) << direct.status();
  EXPECT_GE(RoundTripMs(**direct), 0) << "without delay the bytes pass";
  echo2.join();
}

TEST(EtcdFlags, AdminFaultsAreRefusedNamingTheFault) {
  for (const char* fault : {"stall", "link", "crash-point", "snapshot", "transfer", "fiu", "clock"}) {
    const char* argv[] = {"raftlab-harness", "test", "--system", "etcd", "--nemesis", fault, "--out", "/nonexistent/x"};
    auto c = ParseCommandLine(8, argv);
    ASSERT_FALSE(c.ok()) << fault;
    EXPECT_NE(c.status().message().find(std::string("--nemesis ") + fault + ":"), std::string::npos) << c.status();
    EXPECT_NE(c.status().message().find("Admin API"), std::string::npos) << c.status();
  }
  const char* loopback[] = {"raftlab-harness", "test", "--system", "etcd", "--nemesis", "partition", "--out", "/x"};
  auto c = ParseCommandLine(8, loopback);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("--network netns"), std::string::npos) << c.status();
  for (const char* fault : {"net-delay", "net-delay-leader-inbound"}) {
    const char* delay[] = {"raftlab-harness", "test", "--nemesis", fault, "--out", "/x"};
    c = ParseCommandLine(6, delay);
    ASSERT_FALSE(c.ok()) << fault;
    EXPECT_NE(c.status().message().find(std::string("--nemesis ") + fault + ": "), std::string::npos) << c.status();
  }
  // Power loss needs only the data directories on raftlab-powerfs, which etcd's are too.
  for (const char* fault : {"power-loss", "torn-write"}) {
    const char* argv[] = {"raftlab-harness", "test", "--system", "etcd", "--nemesis", fault, "--out", "/x"};
    EXPECT_TRUE(ParseCommandLine(8, argv).ok()) << fault;
  }
  const char* bad[] = {"raftlab-harness", "test", "--system", "zookeeper", "--out", "/x"};
  c = ParseCommandLine(6, bad);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("--system"), std::string::npos) << c.status();
}

TEST(EtcdRun, RegisterWithNetnsPartitionsKillsAndDelaysIsValid) {
  if (auto why = Unsupported(true, true); !why.empty()) GTEST_SKIP() << why;
  testing::TempDir dir;
  const std::string out = dir.path() + "/run";
  HarnessRun r = RunHarness(dir, "test --system etcd --network netns --workload register"
                          " --nemesis partition,kill,net-delay --nemesis-all-at-once --nodes 3 --time-limit 12 --rate 100 --concurrency 6 --nemesis-interval-ms 1500"
                          " --nemesis-duration-ms 2000 --op-timeout-ms 1000 --seed 1 --out " + out + kEtcdTimings);
  if (!r.exit.exited || r.exit.exit_code != 0) dir.Keep();
  ASSERT_TRUE(r.exit.exited && r.exit.exit_code == 0) << r.exit.ToString() << "\n" << r.output;
  auto results = nlohmann::json::parse(testing::ReadAll(out + "/results.json"));
  EXPECT_EQ(results["verdict"], "valid");
  const std::string history = testing::ReadAll(out + "/history.jsonl");
  EXPECT_GT(Count(history, "\"type\":\"ok\""), 200);
  EXPECT_GE(Count(history, "\"f\":\"start\""), 2) << "faults ran";
  EXPECT_NE(history.find("\"f\":\"start\",\"fault\":\"partition"), std::string::npos) << "a partition ran";
  EXPECT_NE(history.find("\"fault\":\"net-delay\",\"value\":null,\"detail\":\"node"), std::string::npos);
  EXPECT_EQ(Count(history, "(error:"), 0) << "every fault was applied";
  EXPECT_EQ(Leftovers(r.harness_pid, out), "");
}

TEST(EtcdRun, SerializableReadsUnderAPartitionAreInvalid) {
  if (auto why = Unsupported(true, true); !why.empty()) GTEST_SKIP() << why;
  testing::TempDir dir;
  const std::string out = dir.path() + "/run";
  // Few keys, long partitions of a minority: its serializable reads miss the majority's writes.
  HarnessRun r = RunHarness(dir, "test --system etcd --network netns --workload stale-register --nemesis partition-majority"
                          " --nodes 3 --time-limit 10 --rate 200 --concurrency 6 --keys 2 --ops-per-key 100000"
                          " --nemesis-interval-ms 1000 --nemesis-duration-ms 3000 --op-timeout-ms 1000 --seed 3 --out " +
                              out + kEtcdTimings);
  if (!r.exit.exited || r.exit.exit_code != 1) dir.Keep();
  ASSERT_TRUE(r.exit.exited && r.exit.exit_code == 1) << r.exit.ToString() << "\n" << r.output;
  auto results = nlohmann::json::parse(testing::ReadAll(out + "/results.json"));
  EXPECT_EQ(results["verdict"], "invalid");
  const auto& cex = results["checker"]["counterexamples"];
  ASSERT_FALSE(cex.empty()) << results["checker"].dump().substr(0, 2000);
  EXPECT_NE(cex[0].value("explanation", "").find("read of "), std::string::npos) << cex[0].dump();
  EXPECT_EQ(Leftovers(r.harness_pid, out), "");
}

TEST(NetnsRun, RaftlabRegisterWithPartitionsIsValid) {
  if (auto why = Unsupported(false, true); !why.empty()) GTEST_SKIP() << why;
  testing::TempDir dir;
  const std::string out = dir.path() + "/run";
  HarnessRun r = RunHarness(dir, "test --system raftlab --network netns --workload register --nemesis partition"
                          " --nodes 3 --time-limit 10 --rate 150 --concurrency 6 --nemesis-interval-ms 1500"
                          " --nemesis-duration-ms 1500 --op-timeout-ms 1000 --seed 2 --out " + out + kRaftlabTimings);
  if (!r.exit.exited || r.exit.exit_code != 0) dir.Keep();
  ASSERT_TRUE(r.exit.exited && r.exit.exit_code == 0) << r.exit.ToString() << "\n" << r.output;
  auto results = nlohmann::json::parse(testing::ReadAll(out + "/results.json"));
  EXPECT_EQ(results["verdict"], "valid");
  const std::string history = testing::ReadAll(out + "/history.jsonl");
  EXPECT_GT(Count(history, "\"type\":\"ok\""), 200);
  EXPECT_GE(Count(history, "\"f\":\"start\""), 2) << "faults ran";
  EXPECT_EQ(Count(history, "(error:"), 0) << "every partition was applied";
  EXPECT_EQ(Leftovers(r.harness_pid, out), "");
}

int PowerLosses(const nlohmann::json& results) {
  int n = 0;
  for (const auto& f : results["nemesis"]) n += f["fault"] == "power-loss" ? 1 : 0;
  return n;
}

// Every member's data directory on raftlab-powerfs: whole-cluster and single-member power
// losses, with real partitions and kills in between. etcd fsyncs its WAL and its database
// before it acknowledges, so nothing acknowledged may be lost.
TEST(EtcdPowerLoss, RegisterUnderPowerLossPartitionsAndKillsIsValid) {
  if (auto why = Unsupported(true, true); !why.empty()) GTEST_SKIP() << why;
  testing::TempDir dir;
  const std::string out = dir.path() + "/run";
  HarnessRun r = RunHarness(dir, "test --system etcd --network netns --workload register --nemesis power-loss,partition,kill"
                          " --nodes 3 --time-limit 15 --rate 100 --concurrency 6 --nemesis-interval-ms 1000"
                          " --nemesis-duration-ms 1200 --op-timeout-ms 1000 --seed 2 --out " + out + kEtcdTimings);
  if (!r.exit.exited || r.exit.exit_code != 0) dir.Keep();
  ASSERT_TRUE(r.exit.exited && r.exit.exit_code == 0) << r.exit.ToString() << "\n" << r.output;
  auto results = nlohmann::json::parse(testing::ReadAll(out + "/results.json"));
  EXPECT_EQ(results["verdict"], "valid");
  EXPECT_GE(PowerLosses(results), 2) << "a whole-cluster and a single-member power loss";
  const std::string history = testing::ReadAll(out + "/history.jsonl");
  EXPECT_NE(history.find("\"detail\":\"whole cluster: n1 dropped"), std::string::npos);
  EXPECT_GT(Count(history, "\"type\":\"ok\""), 200);
  EXPECT_EQ(Count(history, "(error:"), 0) << "every fault was applied";
  EXPECT_EQ(Leftovers(r.harness_pid, out), "");
}

// A disk that acknowledges the WAL's fsyncs without making them durable (etcd 3.4 has no
// --unsafe-no-fsync to do it from inside): the whole-cluster power loss takes the writes
// acknowledged since the database's last commit, and the final reads find them gone.
TEST(EtcdPowerLoss, DiskLyingAboutWalFsyncsLosesAcknowledgedWrites) {
  if (auto why = Unsupported(true, false); !why.empty()) GTEST_SKIP() << why;
  testing::TempDir dir;
  const std::string out = dir.path() + "/run";
  HarnessRun r = RunHarness(dir, "test --system etcd --workload register --nemesis power-loss --nodes 3 --time-limit 8"
                          " --rate 100 --concurrency 6 --nemesis-interval-ms 1500 --nemesis-duration-ms 1500"
                          " --op-timeout-ms 1000 --seed 1 --out " + out + kEtcdTimings,
                          {"RAFTLAB_POWERFS_LIE_ON_FSYNC=.wal"});
  if (!r.exit.exited || r.exit.exit_code != 1) dir.Keep();
  ASSERT_TRUE(r.exit.exited && r.exit.exit_code == 1) << r.exit.ToString() << "\n" << r.output;
  auto results = nlohmann::json::parse(testing::ReadAll(out + "/results.json"));
  const auto& cex = results["checker"]["counterexamples"];
  ASSERT_FALSE(cex.empty()) << results["checker"].dump().substr(0, 2000);
  // The precheck names a lost write when the lost write began after the surviving value's
  // write ended; when the two overlapped (timing decides), the linearizability search finds it.
  const std::string kind = cex[0].value("kind", "");
  EXPECT_TRUE(kind == "lost-write" || kind == "search") << cex[0].dump();
  const std::string html = testing::ReadAll(out + "/report.html");
  const size_t overlap = html.find("Faults overlapping this window");
  ASSERT_NE(overlap, std::string::npos);
  EXPECT_NE(html.find("<b>power-loss</b> whole cluster", overlap), std::string::npos);
  EXPECT_EQ(Leftovers(r.harness_pid, out), "");
}

// raftlab's power loss with its members in network namespaces: the disks are mounted in
// the host's mount namespace, which every member's namespace inherits.
TEST(NetnsRun, RaftlabPowerLossWithPartitionsIsValid) {
  if (auto why = Unsupported(false, true); !why.empty()) GTEST_SKIP() << why;
  testing::TempDir dir;
  const std::string out = dir.path() + "/run";
  HarnessRun r = RunHarness(dir, "test --system raftlab --network netns --workload register --nemesis power-loss,partition"
                          " --nodes 3 --time-limit 12 --rate 150 --concurrency 6 --nemesis-interval-ms 1000"
                          " --nemesis-duration-ms 1000 --op-timeout-ms 1000 --seed 2 --out " + out + kRaftlabTimings);
  if (!r.exit.exited || r.exit.exit_code != 0) dir.Keep();
  ASSERT_TRUE(r.exit.exited && r.exit.exit_code == 0) << r.exit.ToString() << "\n" << r.output;
  auto results = nlohmann::json::parse(testing::ReadAll(out + "/results.json"));
  EXPECT_EQ(results["verdict"], "valid");
  EXPECT_GE(PowerLosses(results), 2);
  const std::string history = testing::ReadAll(out + "/history.jsonl");
  EXPECT_NE(history.find("\"f\":\"start\",\"fault\":\"partition"), std::string::npos) << "a partition ran";
  EXPECT_GT(Count(history, "\"type\":\"ok\""), 200);
  EXPECT_EQ(Count(history, "(error:"), 0) << "every fault was applied";
  EXPECT_EQ(Leftovers(r.harness_pid, out), "");
}

// Starts a long etcd netns run and waits until it serves traffic under a partition.
std::unique_ptr<ChildProcess> StartLongRun(const testing::TempDir& dir, const std::string& out) {
  ProcessSpec spec;
  spec.program = RAFTLAB_HARNESS_BIN;
  spec.args = Split("test --system etcd --network netns --workload register --nemesis partition --nodes 3"
                    " --time-limit 60 --rate 50 --concurrency 2 --nemesis-interval-ms 200 --nemesis-duration-ms 60000"
                    " --seed 5 --out " + out + kEtcdTimings);
  spec.log_path = dir.path() + "/harness.log";
  auto child = ChildProcess::Start(spec);
  EXPECT_TRUE(child.ok()) << child.status();
  if (!child.ok()) return nullptr;
  bool partitioned = false;
  for (int i = 0; i < 300 && !partitioned; ++i) {
    std::this_thread::sleep_for(milliseconds(100));
    partitioned = testing::ReadAll(out + "/history.jsonl").find("\"f\":\"start\"") != std::string::npos;
  }
  EXPECT_TRUE(partitioned) << testing::ReadAll(spec.log_path);
  EXPECT_EQ(ProcessesMentioning(out).size(), 3u);
  EXPECT_FALSE(NetnsObjects(NetnsPrefix(child->pid())).empty());
  return std::make_unique<ChildProcess>(std::move(*child));
}

TEST(NetnsTeardown, SigtermOfTheHarnessRemovesEverything) {
  if (auto why = Unsupported(true, true); !why.empty()) GTEST_SKIP() << why;
  testing::TempDir dir;
  const std::string out = dir.path() + "/run";
  auto child = StartLongRun(dir, out);
  ASSERT_TRUE(child != nullptr);
  const int pid = child->pid();
  ExitInfo e = child->Stop(milliseconds(30000));
  EXPECT_TRUE(e.exited && e.exit_code == 3) << e.ToString() << "\n" << testing::ReadAll(dir.path() + "/harness.log");
  EXPECT_EQ(Leftovers(pid, out), "");
}

TEST(NetnsTeardown, SigkillOfTheHarnessIsSweptAtTheNextStart) {
  if (auto why = Unsupported(true, true); !why.empty()) GTEST_SKIP() << why;
  testing::TempDir dir;
  const std::string out = dir.path() + "/run";
  auto child = StartLongRun(dir, out);
  ASSERT_TRUE(child != nullptr);
  const int pid = child->pid();
  child->Kill();
  // The members die with the harness (PR_SET_PDEATHSIG); the namespaces and the bridge
  // stay until the next harness's sweep, which is what Create runs first.
  EXPECT_FALSE(NetnsObjects(NetnsPrefix(pid)).empty()) << "SIGKILL leaves the network for the sweep";
  EXPECT_GT(SweepStaleNetworks(), 0);
  EXPECT_EQ(Leftovers(pid, out), "");
}

}  // namespace
}  // namespace raftlab::harness
