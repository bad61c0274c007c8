#pragma once
// The test runner: one test = cluster + workload + nemesis schedule + checker, run for a
// time limit at a target rate and concurrency with a seed. RunTest starts the cluster
// under the run folder, drives the workers and the nemesis, heals, does the final reads,
// tears the cluster down, and analyzes the history (analysis.h).
//
// Threads: RunTest's caller thread owns the cluster and the nemesis (servers are its
// children, so PR_SET_PDEATHSIG ties them to it) and prints progress; `concurrency`
// worker threads each run one logical client process at a time.

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

namespace raftlab::harness {

struct TestOptions {
  std::string workload = "register";
  std::vector<std::string> nemesis;  // fault names (nemesis.h)
  bool nemesis_all_at_once = false;
  int nemesis_interval_ms = 2000;  // mean quiet time between faults (jittered by the seed)
  int nemesis_duration_ms = 4000;  // mean fault duration (jittered by the seed)
  // Non-empty: replay this schedule.json instead of drawing one from the seed.
  std::string schedule_file;
  std::string fiu_point = "raftlab/transport/send";
  double fiu_probability = 0.2;
  std::string crash_point;  // crash-point fault: "" = drawn among the crash points
  double crash_probability = 0.05;
  int nodes = 3;
  double time_limit_s = 60;
  double rate = 200;  // ops/s over all workers; 0 = as fast as they go
  int concurrency = 16;
  // Where reads go: "leader" (a node claiming leadership, the deposed one included),
  // "any" (a random node) or "mixed" (each read draws one of the two).
  std::string read_target = "mixed";
  // Servers' --snapshot-every: low, so runs cross snapshots and restart from them.
  uint64_t snapshot_every = 200;
  // A group without a leader for longer than this many election timeouts is a finding.
  int leaderless_timeouts = 10;
  int dispatcher_lanes = 2;
  // The servers' --groups (data groups, the key space split evenly; list-append spreads its
  // keys over them) and --compaction-lag (entries kept behind a snapshot).
  int groups = 1;
  uint64_t compaction_lag = 1000;
  std::string fsm_sync_mode = "sync";
  int lease_margin_ms = 300;
  uint64_t seed = 1;
  std::string out;  // the run folder
  int op_timeout_ms = 1000;
  int active_keys = 8;
  int ops_per_key = 300;
  int tick_ms = 10;
  int election_ticks = 100;
  int heartbeat_ticks = 10;
  double check_timeout_s = 120;
  std::string server_binary;  // default: raftlab-server beside the harness binary
  // Planted bugs (faults/bugs.h) every server runs with, "a,b"; empty = the correct server.
  std::string unsafe_bugs;
  // Non-empty: run against these already-running nodes (host:port) instead of starting a
  // cluster; no nemesis, no scrapes. Used to measure the harness's own ceiling.
  std::vector<std::string> endpoints;
  std::string system = "raftlab";  // the system under test: raftlab or etcd (system.h)
  std::string network = "loopback";  // loopback, or netns (netns/netns_network.h)
  std::string etcd_binary;  // default: etcd on PATH
  // With power disks: do not make a system's bootstrap durable for it when it does not
  // fsync the directories it creates (SystemUnderTest::SyncsItsBootstrap).
  bool strict_bootstrap = false;
  std::string command;        // the exact command line, for the report
  bool progress_tty = false;  // one live line on a terminal; plain lines otherwise
};

// Runs the test; returns the exit status (0 valid, 1 invalid, 2 unknown, 3 harness error).
// `stop` (set from a signal handler) ends the run early: the cluster is torn down, the
// prefix is analyzed, and the status is 3.
int RunTest(const TestOptions& options, const std::atomic<bool>& stop);

// raftlab-server beside the harness binary (or in the build tree's server/api), else the
// bare name.
std::string DefaultServerBinary();

}  // namespace raftlab::harness
