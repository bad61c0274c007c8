#pragma once
// bench-compare's multi-raft shape: the 100-client put against raftlab clusters of 1, 4,
// 16... groups started side by side. Each cluster splits the bench key space evenly over
// its groups (a cluster file) and node 1 leads every group, so one node's log carries all
// the groups' writes: the case a per-node log and fsync is for. Runs alternate between the
// clusters, as bench-compare alternates systems.

#include <atomic>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "harness/etcd/bench_figures.h"
#include "server/api/client/bench_config.h"

namespace raftlab::harness {

struct GroupsBenchOptions {
  std::string out;          // one folder per cluster: <out>/groups-<n>
  std::vector<int> groups;  // group counts to compare; the first is the reference
  int rounds = 3;
  client::BenchConfig shape;  // the load (target: the leader of the first key's group)
  std::string fsm_sync_mode = "sync";
  std::string server_binary;
  // When set, every group count also runs on this raftlab-server (e.g. the last release's),
  // its clusters up beside the others and its runs alternating with theirs.
  std::string baseline_binary;
};

struct GroupsBenchRow {
  int groups = 0;
  bool baseline = false;  // ran on GroupsBenchOptions::baseline_binary
  BenchFigures median;
};

// Progress goes to stderr; an error names the cluster and the step.
absl::StatusOr<std::vector<GroupsBenchRow>> RunGroupsBench(const GroupsBenchOptions& options,
                                                           const std::atomic<bool>& stop);

// The cluster file splitting the shape's keys (client::BenchKey of 0..key_space-1) into
// `groups` even shares, group g holding the g-th share.
std::string BenchClusterFile(int groups, const client::BenchConfig& shape);

// Markdown table: groups, req/s, ratio to the first group count of the same binary, p50 /
// p99; with a baseline, a build column and this build's req/s over the baseline's.
std::string GroupsTable(const std::vector<GroupsBenchRow>& rows);

}  // namespace raftlab::harness
