// Multi-raft tests of raftlab-server: three real processes hosting several Raft groups
// (plus the system group that stores the route table), driven through the KV and Admin
// APIs and the HTTP endpoints. Every process is killed when a test ends, pass or fail.

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include "harness/cluster_test_fixture.h"
#include "server/api/client/admin_client.h"
#include "server/api/client/kv_client.h"

namespace raftlab::harness {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// A key owned by group g of an even 4-group table (group g owns first bytes
// [(g-1)*64, g*64)).
std::string KeyOfGroup(uint64_t g, const std::string& suffix) {
  return std::string(1, static_cast<char>((g - 1) * 64 + 1)) + suffix;
}

class KvCluster : public ClusterTest {
 protected:
  // Moves group g's leadership to node `to`, asking whichever node leads it now.
  void MoveLeader(uint64_t g, uint64_t to) {
    ASSERT_TRUE(WaitFor([&] {
      if (cluster_->Leader(g) == to) return true;
      auto r = cluster_->admin().TransferLeader(g, to);
      return r.ok() && r->leader_id() == to;
    })) << "group " << g << " did not move to node " << to;
    ASSERT_TRUE(WaitFor([&] { return cluster_->Leader(g) == to; }));
  }

  // The route table version every running node serves, 0 if they differ.
  uint64_t AgreedTableVersion() {
    uint64_t v = 0;
    for (uint64_t id : cluster_->ids()) {
      if (!cluster_->Running(id)) continue;
      auto t = cluster_->admin().GetRouteTable(cluster_->endpoint(id));
      if (!t.ok() || (v != 0 && t->version() != v)) return 0;
      v = t->version();
    }
    return v;
  }
};

TEST_F(KvCluster, SetUpSweepsRunFoldersOfKilledTestsButKeepsFailedAndLiveOnes) {
  namespace fs = std::filesystem;
  const pid_t gone = fork();
  ASSERT_GE(gone, 0);
  if (gone == 0) _exit(0);
  ASSERT_EQ(waitpid(gone, nullptr, 0), gone);
  const std::string killed = std::string(kRunPrefix) + std::to_string(gone) + "-killed";
  const std::string failed = std::string(kRunPrefix) + std::to_string(gone) + "-failed";
  const std::string live = std::string(kRunPrefix) + std::to_string(getpid()) + "-live";
  fs::create_directories(killed + "/node1");
  fs::create_directories(failed);
  std::ofstream(failed + "/" + kFailedMarker) << "kept\n";
  fs::create_directories(live);
  SweepKilledRuns();
  EXPECT_FALSE(fs::exists(killed)) << "the folder of a killed test process stays";
  EXPECT_TRUE(fs::exists(failed)) << "a failing test's folder was swept";
  EXPECT_TRUE(fs::exists(live)) << "a running test's folder was swept";
  fs::remove_all(failed);
  fs::remove_all(live);
}

TEST_F(KvCluster, FourGroupsWithLeadersSpreadByTransferLeaderEachServeTheirKeys) {
  ASSERT_NO_FATAL_FAILURE(StartCluster(Options("spread", 4)));
  for (uint64_t g = 1; g <= 4; ++g) ASSERT_NO_FATAL_FAILURE(MoveLeader(g, (g - 1) % 3 + 1));
  std::set<uint64_t> leaders;
  for (uint64_t g = 1; g <= 4; ++g) leaders.insert(cluster_->Leader(g).value_or(0));
  EXPECT_EQ(leaders, (std::set<uint64_t>{1, 2, 3})) << "leaders sit on every node";
  for (uint64_t g = 1; g <= 4; ++g) {
    auto put = kv_->Put(KeyOfGroup(g, "k"), "v" + std::to_string(g));
    ASSERT_TRUE(put.ok()) << put.status();
    EXPECT_EQ(put->header().group_id(), g) << "routed to the group that owns the key";
    EXPECT_EQ(put->header().node_id(), (g - 1) % 3 + 1) << "applied by that group's leader";
  }
  // Range boundaries: the first key of each range belongs to it, the key before it does not.
  for (uint64_t g = 2; g <= 4; ++g) {
    const std::string start(1, static_cast<char>((g - 1) * 64));
    auto at = kv_->Put(start, "boundary");
    ASSERT_TRUE(at.ok()) << at.status();
    EXPECT_EQ(at->header().group_id(), g);
    auto before = kv_->Put(std::string(1, static_cast<char>((g - 1) * 64 - 1)) + "\xff", "x");
    ASSERT_TRUE(before.ok()) << before.status();
    EXPECT_EQ(before->header().group_id(), g - 1);
  }
  auto scan = kv_->Scan("", "", 100, kv::READ_MODE_LINEARIZABLE);
  ASSERT_TRUE(scan.ok()) << scan.status();
  ASSERT_EQ(scan->kvs_size(), 10) << "4 keys + 3 boundary keys + 3 keys just before them";
  for (int i = 1; i < scan->kvs_size(); ++i) {
    EXPECT_LT(scan->kvs(i - 1).key(), scan->kvs(i).key()) << "scan across groups is in key order";
  }
  // Every node lists every group, the system group last.
  auto st = cluster_->admin().Status(cluster_->endpoint(1));
  ASSERT_TRUE(st.ok()) << st.status();
  ASSERT_EQ(st->groups_size(), 5);
  EXPECT_EQ(st->groups(0).group_id(), 1u);
  EXPECT_EQ(st->groups(4).group_id(), 0u);
  auto metrics = cluster_->HttpGet(1, "/metrics");
  ASSERT_TRUE(metrics.ok()) << metrics.status();
  EXPECT_NE(metrics->find("group=\"4\""), std::string::npos) << "metrics carry the group";
  const size_t memtable = metrics->find("\nraftlab_fsm_memtable_bytes ");
  ASSERT_NE(memtable, std::string::npos) << *metrics;
  EXPECT_GT(
      std::stod(metrics->substr(memtable + std::string("\nraftlab_fsm_memtable_bytes ").size())), 0)
      << "the writes above sit in the state machine's memtables";
}

TEST_F(KvCluster, KillingANodeLeavesEveryGroupElectingAndWriting) {
  ASSERT_NO_FATAL_FAILURE(StartCluster(Options("kill", 4)));
  for (uint64_t g = 1; g <= 4; ++g) ASSERT_NO_FATAL_FAILURE(MoveLeader(g, g <= 2 ? 1 : 2));
  ASSERT_TRUE(cluster_->Kill(1).ok());
  for (uint64_t g = 1; g <= 4; ++g) {
    EXPECT_TRUE(WaitFor([&] {
      auto l = cluster_->Leader(g);
      return l.has_value() && *l != 1;
    })) << "group " << g << " elected no new leader";
    auto put = kv_->Put(KeyOfGroup(g, "after-kill"), "ok");
    ASSERT_TRUE(put.ok()) << "group " << g << ": " << put.status();
    EXPECT_NE(put->header().node_id(), 1u);
  }
  ASSERT_TRUE(cluster_->Restart(1).ok());
  ASSERT_TRUE(cluster_->WaitHealthy(seconds(30)).ok());
  client::CallOptions at1;
  at1.endpoint = cluster_->endpoint(1);
  for (uint64_t g = 1; g <= 4; ++g) {
    EXPECT_TRUE(WaitFor([&] {
      auto r = kv_->Get(KeyOfGroup(g, "after-kill"), kv::READ_MODE_STALE, at1);
      return r.ok() && r->value() == "ok";
    })) << "restarted node caught up on group " << g;
  }
}

TEST_F(KvCluster, SplitIsReplicatedToEveryNodeServesBothHalvesAndSurvivesRestarts) {
  ASSERT_NO_FATAL_FAILURE(StartCluster(Options("split", 2)));
  ASSERT_TRUE(WaitFor([&] { return AgreedTableVersion() == 1; })) << "bootstrap table stored";
  // Ask a node that may not lead the system group: it forwards to the leader.
  auto split = cluster_->admin().SplitRange(cluster_->endpoint(3), "m");
  ASSERT_TRUE(split.ok()) << split.status();
  EXPECT_EQ(split->version(), 2u);
  ASSERT_EQ(split->routes_size(), 3);
  EXPECT_EQ(split->routes(1).start_key(), "m");
  EXPECT_EQ(split->routes(1).group_id(), 1u) << "split in place: same group";
  EXPECT_TRUE(WaitFor([&] { return AgreedTableVersion() == 2; })) << "every node switched";
  EXPECT_FALSE(cluster_->admin().SplitRange(cluster_->endpoint(1), "m").ok()) << "already a boundary";

  auto left = kv_->Put("a-left", "L");
  auto right = kv_->Put("z-right", "R");
  ASSERT_TRUE(left.ok()) << left.status();
  ASSERT_TRUE(right.ok()) << right.status();
  EXPECT_EQ(left->header().group_id(), 1u);
  EXPECT_EQ(right->header().group_id(), 1u);

  // Restart every node: the table comes back from the system group, not from --groups.
  for (uint64_t id : cluster_->ids()) ASSERT_TRUE(cluster_->Stop(id).ok());
  for (uint64_t id : cluster_->ids()) ASSERT_TRUE(cluster_->Restart(id).ok());
  ASSERT_TRUE(cluster_->WaitHealthy(seconds(30)).ok());
  for (uint64_t id : cluster_->ids()) {
    auto t = cluster_->admin().GetRouteTable(cluster_->endpoint(id));
    ASSERT_TRUE(t.ok()) << t.status();
    EXPECT_EQ(t->version(), 2u) << "node " << id;
    EXPECT_EQ(t->routes_size(), 3) << "node " << id;
  }
  auto l = kv_->Get("a-left", kv::READ_MODE_LINEARIZABLE);
  auto r = kv_->Get("z-right", kv::READ_MODE_LINEARIZABLE);
  ASSERT_TRUE(l.ok() && r.ok());
  EXPECT_EQ(l->value(), "L");
  EXPECT_EQ(r->value(), "R");
}

TEST_F(KvCluster, ClusterFileRangesBecomeTheReplicatedTable) {
  std::filesystem::create_directories(root_);
  const std::string file = root_ + "/ranges.cluster";
  {
    std::FILE* f = std::fopen(file.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fputs("# two groups, three ranges\nroute - m 1\nroute m t 2\nroute t - 1\n", f);
    std::fclose(f);
  }
  ClusterOptions o = Options("clusterfile", 2);
  o.settings.extra_args = {"--cluster-file", file};
  ASSERT_NO_FATAL_FAILURE(StartCluster(o));
  ASSERT_TRUE(WaitFor([&] { return AgreedTableVersion() == 1; }));
  for (uint64_t id : cluster_->ids()) {
    auto t = cluster_->admin().GetRouteTable(cluster_->endpoint(id));
    ASSERT_TRUE(t.ok()) << t.status();
    ASSERT_EQ(t->routes_size(), 3) << "node " << id;
    EXPECT_EQ(t->routes(1).start_key(), "m");
    EXPECT_EQ(t->routes(1).end_key(), "t");
    EXPECT_EQ(t->routes(2).group_id(), 1u);
  }
  for (const auto& [key, group] : std::vector<std::pair<std::string, uint64_t>>{
           {"a", 1}, {"m", 2}, {"s~", 2}, {"t", 1}, {"zz", 1}}) {
    auto put = kv_->Put(key, "v");
    ASSERT_TRUE(put.ok()) << key << ": " << put.status();
    EXPECT_EQ(put->header().group_id(), group) << key;
  }
}

// Sums one route's cells over every node's matrix.
struct Totals {
  uint64_t reads = 0, writes = 0, read_bytes = 0, write_bytes = 0;
};

std::map<uint64_t, Totals> SumKeyViz(LocalCluster& c) {
  std::map<uint64_t, Totals> out;
  for (uint64_t id : c.ids()) {
    auto m = c.admin().GetKeyVizMatrix(c.endpoint(id));
    EXPECT_TRUE(m.ok()) << m.status();
    if (!m.ok()) continue;
    for (const auto& row : m->rows()) {
      Totals& t = out[row.route_id()];
      for (const auto& cell : row.cells()) {
        t.reads += cell.reads();
        t.writes += cell.writes();
        t.read_bytes += cell.read_bytes();
        t.write_bytes += cell.write_bytes();
      }
    }
  }
  return out;
}

TEST_F(KvCluster, KeyVizCountsEachUserReadAndWriteOnceAndRendersAHeatmap) {
  ClusterOptions o = Options("keyviz", 2);
  o.settings.extra_args = {"--keyviz", "--keyviz-column-ms", "1000", "--keyviz-columns", "120"};
  ASSERT_NO_FATAL_FAILURE(StartCluster(o));
  // Group 1 (route 1) takes 6 writes; group 2 (route 2) takes 4 writes.
  for (int i = 0; i < 6; ++i) ASSERT_TRUE(kv_->Put("a" + std::to_string(i), "vvvv").ok());
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(kv_->Put("\xa0" + std::to_string(i), "vv").ok());
  // Reads on every node in every mode: followers' linearizable reads make the leader run a
  // ReadIndex round and lease reads check the lease: neither may count.
  int route1_reads = 0;
  for (uint64_t id : cluster_->ids()) {
    client::CallOptions at;
    at.endpoint = cluster_->endpoint(id);
    for (auto mode : {kv::READ_MODE_LINEARIZABLE, kv::READ_MODE_LEASE, kv::READ_MODE_STALE}) {
      auto r = kv_->Get("a0", mode, at);
      ASSERT_TRUE(r.ok()) << "node " << id << ": " << r.status();
      ++route1_reads;
    }
  }
  auto missing = kv_->Get("\xa0missing", kv::READ_MODE_LINEARIZABLE);
  ASSERT_TRUE(missing.ok()) << missing.status();

  const auto totals = SumKeyViz(*cluster_);
  ASSERT_TRUE(totals.count(1) && totals.count(2));
  EXPECT_EQ(totals.at(1).writes, 6u);
  EXPECT_EQ(totals.at(1).write_bytes, 6u * (2 + 4));
  EXPECT_EQ(totals.at(1).reads, static_cast<uint64_t>(route1_reads));
  EXPECT_EQ(totals.at(1).read_bytes, static_cast<uint64_t>(route1_reads) * (2 + 4));
  EXPECT_EQ(totals.at(2).writes, 4u);
  EXPECT_EQ(totals.at(2).reads, 1u);
  EXPECT_EQ(totals.at(2).read_bytes, 8u) << "key bytes only: the key is absent";

  auto json = cluster_->HttpGet(1, "/keyviz");
  ASSERT_TRUE(json.ok()) << json.status();
  EXPECT_NE(json->find("\"column_width_ms\":1000"), std::string::npos) << *json;

  auto html = cluster_->HttpGet(1, "/keyviz.html");
  ASSERT_TRUE(html.ok()) << html.status();
  EXPECT_NE(html->find("Key visualizer"), std::string::npos);

  const char* chromium = "/usr/bin/chromium";
  if (!std::filesystem::exists(chromium)) {
    GTEST_SKIP() << "/usr/bin/chromium is missing (apt-get install chromium): heatmap not rendered";
  }
  const std::string out_dir = RAFTLAB_TEST_OUTPUT_DIR;
  std::filesystem::create_directories(out_dir);
  const std::string shot = out_dir + "/keyviz-heatmap.png";
  std::filesystem::remove(shot);
  const std::string profile = root_ + "/chromium-profile";
  const std::string cmd = std::string(chromium) +
                          " --headless --no-sandbox --disable-gpu --disable-quic --no-first-run"
                          " --disable-background-networking --disable-component-update --disable-sync"
                          " --user-data-dir=" + profile + " --screenshot=" + shot +
                          " --window-size=1200,800 http://" + cluster_->http_address(1) +
                          "/keyviz.html > " + root_ + "/chromium.log 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  ASSERT_TRUE(std::filesystem::exists(shot)) << cmd;
  EXPECT_GT(std::filesystem::file_size(shot), 10000u) << "an almost empty screenshot: " << shot;
  std::fprintf(stderr, "keyviz heatmap screenshot: %s\n", shot.c_str());
}

TEST_F(KvCluster, KeyVizIsOffByDefault) {
  ASSERT_NO_FATAL_FAILURE(StartCluster(Options("nokeyviz", 1)));
  auto m = cluster_->admin().GetKeyVizMatrix(cluster_->endpoint(1));
  EXPECT_FALSE(m.ok());
  EXPECT_NE(m.status().message().find("--keyviz"), std::string::npos) << m.status();
  auto page = cluster_->HttpGet(1, "/keyviz.html");
  EXPECT_FALSE(page.ok() && page->find("Key visualizer") != std::string::npos);
}

}  // namespace
}  // namespace raftlab::harness
