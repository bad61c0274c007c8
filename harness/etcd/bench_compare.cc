#include "harness/etcd/bench_compare.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "harness/cluster.h"
#include "harness/etcd/bench_figures.h"
#include "harness/etcd/bench_groups.h"
#include "harness/etcd/bench_turns.h"
#include "harness/etcd/etcd_bench.h"
#include "harness/etcd/fsync_floor.h"
#include "harness/etcd/etcd_cluster.h"
#include "harness/runner.h"
#include "server/api/client/admin_client.h"
#include "server/api/client/bench_runner.h"

namespace raftlab::harness {
namespace {

using client::BenchConfig;
using std::chrono::milliseconds;
namespace fs = std::filesystem;

constexpr milliseconds kHealthyTimeout{30000};

struct Shape {
  std::string name;
  BenchConfig config;
  kv::ReadMode raftlab_mode, etcd_mode;
  bool etcd = true;  // false: raftlab only (lease reads)
};

constexpr int64_t kKeySpace = 1000;  // preloaded for the gets
constexpr int kFsyncSamples = 200;   // per round

std::vector<Shape> Shapes(double scale) {
  auto total = [&](int64_t n) { return std::max<int64_t>(100, static_cast<int64_t>(static_cast<double>(n) * scale)); };
  auto make = [&](BenchConfig::Op op, int clients, int conns, int64_t n) {
    BenchConfig c;
    c.op = op;
    c.clients = clients;
    c.conns = conns;
    c.total = total(n);
    c.key_space = kKeySpace;
    c.val_size = 256;
    c.key_size = 8;
    return c;
  };
  const auto lin = kv::READ_MODE_LINEARIZABLE, stale = kv::READ_MODE_STALE;
  return {
      {"put, 1 client", make(BenchConfig::Op::kPut, 1, 1, 2000), lin, lin},
      {"put, 100 clients / 10 conns", make(BenchConfig::Op::kPut, 100, 10, 20000), lin, lin},
      {"get linearizable, 100 clients / 10 conns", make(BenchConfig::Op::kGet, 100, 10, 40000), lin, lin},
      {"get serializable (etcd) / stale (raftlab), 100 clients / 10 conns", make(BenchConfig::Op::kGet, 100, 10, 40000),
       stale, stale},
      {"get lease (raftlab only), 100 clients / 10 conns", make(BenchConfig::Op::kGet, 100, 10, 40000),
       kv::READ_MODE_LEASE, lin, false},
  };
}

int Fail(const std::string& message) {
  std::fprintf(stderr, "raftlab-harness bench-compare: error: %s\n", message.c_str());
  return 3;
}


}  // namespace

int RunBenchCompare(const BenchCompareOptions& o, const std::atomic<bool>& stop) {
  std::error_code ec;
  fs::create_directories(o.out, ec);
  if (ec) return Fail("--out: cannot create " + o.out + ": " + ec.message());
  if (o.groups_only) {
    if (o.groups.empty()) return Fail("--groups-only: no --groups to run");
    GroupsBenchOptions go{o.out, o.groups, o.rounds, Shapes(o.scale)[1].config, o.fsm_sync_mode, o.server_binary,
                          o.baseline_binary};
    auto rows = RunGroupsBench(go, stop);
    if (!rows.ok()) return Fail("groups: " + std::string(rows.status().message()));
    const std::string table = GroupsTable(*rows);
    std::printf("%s", table.c_str());
    std::ofstream(o.out + "/bench-compare.md") << table;
    return 0;
  }
  EtcdClusterOptions eo;
  if (o.etcd_binary.empty()) {
    auto etcd = FindEtcd();
    if (!etcd.ok()) return Fail(std::string(etcd.status().message()));
    eo.etcd_binary = *etcd;
  } else {
    eo.etcd_binary = o.etcd_binary;
  }
  eo.run_dir = o.out + "/etcd";
  auto etcd = EtcdCluster::Start(eo);
  if (!etcd.ok()) return Fail(std::string(etcd.status().message()));
  ClusterOptions co;
  co.server_binary = o.server_binary.empty() ? DefaultServerBinary() : o.server_binary;
  co.run_dir = o.out + "/raftlab";
  co.allow_faults = false;
  co.settings.fsm_sync_mode = o.fsm_sync_mode;
  co.fault_control = false;
  auto raftlab = LocalCluster::Start(co);
  if (!raftlab.ok()) return Fail(std::string(raftlab.status().message()));
  for (SystemUnderTest* s : {static_cast<SystemUnderTest*>(etcd->get()), static_cast<SystemUnderTest*>(raftlab->get())}) {
    if (auto h = s->WaitHealthy(kHealthyTimeout); !h.ok()) return Fail(s->system_name() + ": " + std::string(h.message()));
  }
  auto etcd_leader = [&]() -> std::string {
    auto l = (*etcd)->Leader();
    return l ? (*etcd)->endpoint(*l) : (*etcd)->endpoint(1);
  };
  // Every get finds its key: both stores are loaded with the whole key space first.
  BenchConfig load = Shapes(1)[0].config;
  load.clients = 10;
  load.conns = 1;
  load.total = kKeySpace;
  load.sequential_keys = true;
  if (auto r = RunEtcdBench(load, (*etcd)->endpoints(), etcd_leader()); !r.ok() || r->errors > 0) {
    return Fail("loading etcd: " + (r.ok() ? std::to_string(r->errors) + " errors" : r.status().ToString()));
  }
  if (auto r = client::RunBench(load, (*raftlab)->endpoints()); !r.ok() || r->errors > 0) {
    return Fail("loading raftlab: " + (r.ok() ? std::to_string(r->errors) + " errors" : r.status().ToString()));
  }

  const std::vector<SystemUnderTest*> systems{etcd->get(), raftlab->get()};
  const auto shapes = Shapes(o.scale);
  std::vector<std::vector<BenchFigures>> etcd_runs(shapes.size()), raftlab_runs(shapes.size());
  nlohmann::json runs = nlohmann::json::array();
  std::vector<BenchFigures> floors;  // rps unused: p50_ms is the round's fsync floor
  for (int round = 0; round < o.rounds && !stop.load(); ++round) {
    auto floor = FsyncFloorP50Ms(o.out + "/raftlab", kFsyncSamples);
    if (!floor.ok()) return Fail(std::string(floor.status().message()));
    floors.push_back({.p50_ms = *floor});
    std::fprintf(stderr, "round %d  disk     4 KiB append + fdatasync, p50 %.3f ms\n", round + 1, *floor);
    for (size_t i = 0; i < shapes.size() && !stop.load(); ++i) {
      const Shape& s = shapes[i];
      // Alternate which system goes first, so neither always meets a warmer machine.
      const bool etcd_first = (round + static_cast<int>(i)) % 2 == 0;
      for (int turn = 0; turn < 2; ++turn) {
        const bool on_etcd = (turn == 0) == etcd_first;
        if (on_etcd && !s.etcd) continue;
        BenchConfig c = s.config;
        c.read_mode = on_etcd ? s.etcd_mode : s.raftlab_mode;
        c.seed = static_cast<uint64_t>(round + 1);
        if (auto st = RunAlone(systems, on_etcd ? 0 : 1, kHealthyTimeout); !st.ok()) return Fail(st.ToString());
        auto r = on_etcd ? RunEtcdBench(c, (*etcd)->endpoints(), etcd_leader()) : client::RunBench(c, (*raftlab)->endpoints());
        if (!r.ok()) return Fail(s.name + " on " + (on_etcd ? "etcd" : "raftlab") + ": " + r.status().ToString());
        const BenchFigures f = FiguresOf(*r);
        (on_etcd ? etcd_runs : raftlab_runs)[i].push_back(f);
        runs.push_back({{"shape", s.name}, {"system", on_etcd ? "etcd" : "raftlab"}, {"round", round + 1},
                        {"requests_per_s", f.rps}, {"p50_ms", f.p50_ms}, {"p99_ms", f.p99_ms}, {"errors", f.errors},
                        {"total", c.total}});
        std::fprintf(stderr, "round %d  %-8s %-70s %9.0f req/s  p50 %7.2f ms  p99 %7.2f ms  errors %lld\n", round + 1,
                     on_etcd ? "etcd" : "raftlab", s.name.c_str(), f.rps, f.p50_ms, f.p99_ms,
                     static_cast<long long>(f.errors));
      }
    }
  }
  if (stop.load()) return Fail("interrupted");
  std::string table =
      "| shape | etcd req/s | raftlab req/s | raftlab/etcd | etcd p50 / p99 ms | raftlab p50 / p99 ms |\n"
      "|---|---:|---:|---:|---:|---:|\n";
  for (size_t i = 0; i < shapes.size(); ++i) {
    const BenchFigures r = Median(raftlab_runs[i]);
    std::string etcd_rps = "n/a", ratio = "n/a", etcd_lat = "n/a";
    if (shapes[i].etcd) {
      const BenchFigures e = Median(etcd_runs[i]);
      etcd_rps = Fmt("%.0f", e.rps);
      ratio = e.rps > 0 ? Fmt("%.2f", r.rps / e.rps) : "n/a";
      etcd_lat = Fmt("%.2f", e.p50_ms) + " / " + Fmt("%.2f", e.p99_ms);
    }
    table += "| " + shapes[i].name + " | " + etcd_rps + " | " + Fmt("%.0f", r.rps) + " | " + ratio + " | " + etcd_lat +
             " | " + Fmt("%.2f", r.p50_ms) + " / " + Fmt("%.2f", r.p99_ms) + " |\n";
  }
  const std::string header = "Medians over " + std::to_string(o.rounds) + " rounds (scale " + Fmt("%.2f", o.scale) +
                             "), 3-node etcd and 3-node raftlab (fsm-sync-mode " + o.fsm_sync_mode +
                             ") on loopback, connections to the leader.\n\n";
  const double floor_ms = Median(floors).p50_ms;
  const double put1_avg_ms = Median(raftlab_runs[0]).avg_ms;
  const std::string floor_line = "\nFsync floor (4 KiB append + fdatasync in raftlab's data folder, median of the rounds' p50): " +
                                 Fmt("%.3f", floor_ms) + " ms; raftlab put, 1 client: average " + Fmt("%.2f", put1_avg_ms) +
                                 " ms = " + Fmt("%.1f", floor_ms > 0 ? put1_avg_ms / floor_ms : 0) + "x the floor.\n";
  std::printf("%s%s%s", header.c_str(), table.c_str(), floor_line.c_str());
  nlohmann::json report{{"rounds", o.rounds}, {"scale", o.scale}, {"runs", runs}, {"fsync_floor_p50_ms", floor_ms}};
  // The etcd comparison is over: free the machine (and the disk) for the group clusters.
  StopAndRemoveData(*etcd);
  StopAndRemoveData(*raftlab);
  std::string groups_table;
  if (!o.groups.empty()) {
    GroupsBenchOptions go{o.out, o.groups, o.rounds, shapes[1].config, o.fsm_sync_mode, o.server_binary,
                          o.baseline_binary};
    auto rows = RunGroupsBench(go, stop);
    if (!rows.ok()) return Fail("groups: " + std::string(rows.status().message()));
    groups_table = "\n" + GroupsTable(*rows);
    std::printf("%s", groups_table.c_str());
    for (const auto& row : *rows) {
      report["groups"].push_back({{"groups", row.groups}, {"baseline", row.baseline}, {"requests_per_s", row.median.rps},
                                  {"p50_ms", row.median.p50_ms}, {"p99_ms", row.median.p99_ms}});
    }
  }
  std::ofstream(o.out + "/bench-compare.md") << header << table << floor_line << groups_table;
  std::ofstream(o.out + "/bench-compare.json") << report.dump(2) << "\n";
  return 0;
}

}  // namespace raftlab::harness
