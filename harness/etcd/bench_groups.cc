#include "harness/etcd/bench_groups.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <thread>

#include "harness/cluster.h"
#include "harness/etcd/bench_turns.h"
#include "harness/runner.h"
#include "server/api/client/admin_client.h"
#include "server/api/client/bench_runner.h"

namespace raftlab::harness {
namespace {

using std::chrono::milliseconds;
using SteadyClock = std::chrono::steady_clock;

constexpr milliseconds kHealthyTimeout{60000};
constexpr uint64_t kLeaderNode = 1;

// One cluster of the comparison: a group count on one binary.
struct Variant {
  int groups;
  bool baseline;
  std::string Name() const { return std::to_string(groups) + " groups" + (baseline ? " (baseline)" : ""); }
};

absl::StatusOr<std::unique_ptr<LocalCluster>> StartGroupsCluster(const GroupsBenchOptions& o, const Variant& v) {
  const int groups = v.groups;
  const std::string dir = o.out + "/groups-" + std::to_string(groups) + (v.baseline ? "-baseline" : "");
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return absl::InternalError("cannot create " + dir + ": " + ec.message());
  const std::string cluster_file = dir + "/cluster.txt";
  std::ofstream(cluster_file) << BenchClusterFile(groups, o.shape);
  ClusterOptions co;
  co.server_binary = v.baseline ? o.baseline_binary : o.server_binary.empty() ? DefaultServerBinary() : o.server_binary;
  co.run_dir = dir;
  co.groups = groups;
  co.allow_faults = false;
  co.fault_control = false;
  co.settings.fsm_sync_mode = o.fsm_sync_mode;
  co.settings.extra_args = {"--cluster-file", cluster_file};
  return LocalCluster::Start(co);
}

// Moves every group's leadership to node 1 and waits until all nodes agree on it.
absl::Status LeadAllFromOneNode(LocalCluster& cluster, int groups) {
  const auto deadline = SteadyClock::now() + kHealthyTimeout;
  for (int g = 1; g <= groups; ++g) {
    while (cluster.Leader(g) != kLeaderNode) {
      if (SteadyClock::now() > deadline) {
        return absl::DeadlineExceededError("group " + std::to_string(g) + " did not move its leader to node 1");
      }
      (void)cluster.admin().TransferLeader(g, kLeaderNode);  // retried until the nodes agree
      std::this_thread::sleep_for(milliseconds(200));
    }
  }
  return absl::OkStatus();
}

}  // namespace

std::string BenchClusterFile(int groups, const client::BenchConfig& shape) {
  std::string text = "# bench-compare: " + std::to_string(groups) + " groups over the bench key space\n";
  std::string start = "-";
  for (int g = 1; g <= groups; ++g) {
    const std::string end = g == groups ? "-" : client::BenchKey(shape.key_space * g / groups, shape.key_size);
    text += "route " + start + " " + end + " " + std::to_string(g) + "\n";
    start = end;
  }
  return text;
}

absl::StatusOr<std::vector<GroupsBenchRow>> RunGroupsBench(const GroupsBenchOptions& o, const std::atomic<bool>& stop) {
  std::vector<Variant> variants;
  for (bool baseline : {true, false}) {
    if (baseline && o.baseline_binary.empty()) continue;
    for (int groups : o.groups) variants.push_back({groups, baseline});
  }
  std::vector<std::unique_ptr<LocalCluster>> clusters;
  for (const Variant& v : variants) {
    auto c = StartGroupsCluster(o, v);
    if (!c.ok()) return absl::Status(c.status().code(), v.Name() + ": " + std::string(c.status().message()));
    clusters.push_back(std::move(*c));
  }
  std::vector<SystemUnderTest*> systems;
  for (size_t i = 0; i < clusters.size(); ++i) {
    const std::string which = variants[i].Name() + ": ";
    if (auto s = clusters[i]->WaitHealthy(kHealthyTimeout); !s.ok()) return absl::UnavailableError(which + std::string(s.message()));
    systems.push_back(clusters[i].get());
  }
  std::vector<std::vector<BenchFigures>> runs(clusters.size());
  for (int round = 0; round < o.rounds && !stop.load(); ++round) {
    for (size_t turn = 0; turn < clusters.size() && !stop.load(); ++turn) {
      // Rotate the order each round, so no cluster always meets a warmer machine.
      const size_t i = (turn + static_cast<size_t>(round)) % clusters.size();
      client::BenchConfig c = o.shape;
      c.seed = static_cast<uint64_t>(round + 1);
      if (auto s = RunAlone(systems, i, kHealthyTimeout); !s.ok()) {
        return absl::UnavailableError(variants[i].Name() + ": " + std::string(s.message()));
      }
      // The pause since its last run (or a stalled machine) brought elections that move
      // groups away from node 1, and the run would measure refusals: lead from node 1 again.
      if (auto s = LeadAllFromOneNode(*clusters[i], variants[i].groups); !s.ok()) {
        return absl::UnavailableError(variants[i].Name() + ": " + std::string(s.message()));
      }
      auto r = client::RunBench(c, clusters[i]->endpoints());
      if (!r.ok()) return absl::Status(r.status().code(), variants[i].Name() + ": " + std::string(r.status().message()));
      const BenchFigures f = FiguresOf(*r);
      runs[i].push_back(f);
      const std::string name = "put, " + std::to_string(c.clients) + " clients / " + std::to_string(c.conns) +
                               " conns, " + variants[i].Name();
      std::fprintf(stderr, "round %d  raftlab  %-70s %9.0f req/s  p50 %7.2f ms  p99 %7.2f ms  errors %lld\n", round + 1,
                   name.c_str(), f.rps, f.p50_ms, f.p99_ms, static_cast<long long>(f.errors));
    }
  }
  if (stop.load()) return absl::CancelledError("interrupted");
  std::vector<GroupsBenchRow> rows;
  for (size_t i = 0; i < clusters.size(); ++i) rows.push_back({variants[i].groups, variants[i].baseline, Median(runs[i])});
  for (auto& c : clusters) StopAndRemoveData(c);
  return rows;
}

std::string GroupsTable(const std::vector<GroupsBenchRow>& rows) {
  const bool with_baseline = std::any_of(rows.begin(), rows.end(), [](const auto& r) { return r.baseline; });
  // The reference of a row: the first row of the same binary; the same group count on the
  // baseline for the last column.
  auto first_of = [&](bool baseline) -> const GroupsBenchRow* {
    for (const auto& r : rows) {
      if (r.baseline == baseline) return &r;
    }
    return nullptr;
  };
  auto baseline_of = [&](int groups) -> const GroupsBenchRow* {
    for (const auto& r : rows) {
      if (r.baseline && r.groups == groups) return &r;
    }
    return nullptr;
  };
  auto ratio = [](double a, const GroupsBenchRow* ref) {
    return ref != nullptr && ref->median.rps > 0 ? Fmt("%.2f", a / ref->median.rps) : std::string("n/a");
  };
  const GroupsBenchRow* first = rows.empty() ? nullptr : first_of(rows[0].baseline);
  std::string table = std::string(with_baseline ? "| build " : "") +
                      "| groups (all led by node 1) | raftlab put req/s, 100 clients / 10 conns | vs " +
                      (first == nullptr ? std::string("first") : std::to_string(first->groups)) +
                      " group(s) | p50 / p99 ms | errors |" + (with_baseline ? " vs baseline |" : "") + "\n" +
                      (with_baseline ? "|---" : "") + "|---:|---:|---:|---:|---:|" + (with_baseline ? "---:|" : "") + "\n";
  for (const auto& row : rows) {
    if (with_baseline) table += std::string("| ") + (row.baseline ? "baseline " : "this build ");
    table += "| " + std::to_string(row.groups) + " | " + Fmt("%.0f", row.median.rps) + " | " +
             ratio(row.median.rps, first_of(row.baseline)) + " | " + Fmt("%.2f", row.median.p50_ms) + " / " +
             Fmt("%.2f", row.median.p99_ms) + " | " + std::to_string(row.median.errors) + " |";
    if (with_baseline) table += " " + (row.baseline ? std::string("") : ratio(row.median.rps, baseline_of(row.groups))) + " |";
    table += "\n";
  }
  return table;
}

}  // namespace raftlab::harness
