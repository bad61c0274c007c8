#pragma once
// `raftlab-harness bench-compare`: the same load shapes against a 3-node etcd and a 3-node
// raftlab started side by side on this machine (loopback, each with its own data
// directories under --out), alternating which system goes first each round, and a table of
// both throughputs, their ratio and latency percentiles (also bench-compare.md/.json).
// Shapes (etcd's benchmark tool's, 256-byte values, 8-byte keys):
//   put 1 client; put 100 clients / 10 connections; get linearizable, 100 clients /
//   10 connections; get serializable (etcd) vs stale (raftlab); get lease (raftlab only).
// Each round also measures the disk's fsync floor (fsync_floor.h); after the comparison the
// 100-client put runs against raftlab with 1, 4 and 16 groups (bench_groups.h).

#include <atomic>
#include <string>
#include <vector>

namespace raftlab::harness {

struct BenchCompareOptions {
  std::string out;             // folder for both clusters' data and the table
  int rounds = 3;              // each shape runs this many times per system, alternating
  double scale = 1.0;          // multiplies every shape's request total (quick runs: 0.05)
  // raftlab's --fsm-sync-mode: sync fsyncs each state-machine batch on top of the WAL,
  // which etcd does not (its backend commits in the background); nosync is like for like.
  std::string fsm_sync_mode = "sync";
  std::string server_binary;   // default: raftlab-server beside the harness
  std::string etcd_binary;     // default: etcd on PATH
  // Then the 100-client put against raftlab clusters of these group counts (see
  // bench_groups.h); empty skips it.
  std::vector<int> groups = {1, 4, 16};
  // The group series also on this raftlab-server, side by side (bench_groups.h).
  std::string baseline_binary;
  // Only the group series: no etcd, no single-cluster shapes.
  bool groups_only = false;
};

// Exit status: 0 when every run completed, 3 on a harness error (message on stderr).
int RunBenchCompare(const BenchCompareOptions& options, const std::atomic<bool>& stop);

}  // namespace raftlab::harness
