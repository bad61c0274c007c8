#pragma once
// Nemesis: the faults a test injects into a system under test (system.h). The runner executes a schedule
// (schedule.h: fault, start, stop) by calling Start(name) and later Stop(handle). Each fault
// is recorded in the history as a nemesis start event when it begins and a stop event when
// it is undone, so the report can shade the interval and name the faults that overlap a
// counterexample.
//
// A list entry may join faults with '+' ("partition-leader-inbound+transfer"): they start
// in order as one scheduled fault and stop together; a part waits until the link delays of
// the part before it act on the traffic in flight (e.g. acks of the leader's last rounds
// are late when link-leader-inbound+partition-leader-outbound cuts the leader off).
//
// Fault names (the --nemesis list) live in one table, kFaultTable in nemesis.cc, each with
// its one-line description (NemesisHelp()); the groups:
//   partitions   partition (one of the shapes, drawn), partition-halves, -majority,
//                -leader, -ring, -bridge (grudge.h), and the one-way cuts
//                partition-leader-inbound / partition-leader-outbound
//   processes    kill, kill-leader (SIGKILL, restart at stop), pause, pause-leader
//                (SIGSTOP/SIGCONT), stall, stall-leader (Admin Stall: the Ready loop stops,
//                gRPC keeps answering), crash-point (a libfiu crash point fires), rolling
//   network      link, link-leader (per-link delay, drops, duplicates on one node's
//                outbound links), net-delay (--network netns: the same node's peer traffic
//                held by the harness's proxies), net-delay-leader-inbound (the same for
//                every link into the leader), link-leader-inbound (every link into the leader delayed),
//                failover-lagging-commit (the leader's links slowed, then it is cut off
//                while the others' replication lanes lag their heartbeats)
//   time         clock-drift (rate and jumps within the lease margin: must stay valid),
//                clock-drift-unsafe / clock (beyond it: outside the server's assumption)
//   raft         transfer (leader transfer), snapshot (snapshot every node now),
//                snapshot-install (cut a follower off, snapshot the others, heal: the
//                follower needs an InstallSnapshot)
//   fiu          enable --fiu-point with --fiu-probability on one node
//   power        power-loss: SIGKILL the whole cluster or one node and drop its unsynced
//                data; torn-write: the same keeping a random prefix of each file's unsynced
//                writes (power_loss.h; the data directories are on raftlab-powerfs)
//
// Threads: one owner thread (the runner's main thread, which also owns the cluster) calls
// every method except Active(), which the progress display may call from anywhere.

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
// cluster.h needs AdminClient complete (its inline constructor destroys a unique_ptr of it).
#include "server/api/client/admin_client.h"
#include "harness/cluster.h"
#include "harness/grudge.h"
#include "harness/recorder.h"

namespace raftlab::harness {

class PowerDisks;

struct NemesisOptions {
  std::vector<std::string> faults;  // names as above; empty = no faults
  std::string fiu_point = "raftlab/transport/send";
  double fiu_probability = 0.2;
  // crash-point: the point to fire ("" = one of the crash points, drawn each time) and its
  // per-pass probability.
  std::string crash_point;
  double crash_probability = 0.05;
  int64_t clock_offset_max_ms = 2000;
  // The servers' timing, so clock faults know where the lease's safety margin ends.
  int64_t election_timeout_ms = 1000;
  int64_t lease_margin_ms = 300;
  uint64_t seed = 1;
  PowerDisks* power_disks = nullptr;  // set when power-loss or torn-write is listed
  // The servers' data groups (1..groups) and the entries they keep behind a snapshot:
  // snapshot faults snapshot every group, and snapshot-install writes past that lag in each.
  int groups = 1;
  uint64_t compaction_lag = 1000;
};

// Checks every name in a comma-separated list ("none" or "" = no faults); the error names
// --nemesis, the bad entry and the known names.
absl::StatusOr<std::vector<std::string>> ParseNemesisList(const std::string& csv);
// The faults of one list entry: "a+b" gives a and b, "a" gives a.
std::vector<std::string> FaultParts(const std::string& entry);
const std::vector<std::string>& NemesisNames();
// "name  description" lines, for --help and the README.
std::string NemesisHelp();

// The marker put in a fault's detail when it breaks what the server assumes (e.g. clock
// drift beyond the lease margin): violations under it are not bugs of the server.
inline constexpr char kOutsideAssumption[] = "outside the server's stated assumption";

// How a node ended, as the nemesis or the runner saw it.
struct NodeExit {
  uint64_t node = 0;
  int exit_code = -1;  // -1: killed by a signal
  int signal = 0;
  std::string cause;   // the fault that explains it, empty when none does
};

class Nemesis {
 public:
  // scrape(label) collects /metrics from every node (called at the start of each fault).
  Nemesis(SystemUnderTest& cluster, HistoryRecorder& recorder, NemesisOptions options,
          std::function<void(const std::string&)> scrape);

  bool enabled() const { return !options_.faults.empty(); }
  // Starts one fault meant to last `duration` and returns its handle. Failures to inject
  // are put in the history's detail and do not stop the test.
  int Start(const std::string& name, std::chrono::milliseconds duration);
  // Undoes one fault (its stop event); unknown or finished handles are ignored.
  void Stop(int handle);
  // Undoes every active fault.
  void StopAll();
  // Brings every node back: restarts dead ones, resumes paused ones, heals partitions and
  // links, resets clocks and fault points. Used before the final reads and at teardown.
  void HealAll();
  // The faults active now, e.g. "partition-halves [1,2] | [3]"; empty if none.
  std::string Active() const;
  int started() const { return started_; }
  // Nodes that a fault stopped and that the nemesis restarted (with how they ended).
  const std::vector<NodeExit>& exits() const { return exits_; }
  // Whether an active fault may have stopped node `id` (kill, crash point, fiu).
  bool ExpectsDown(uint64_t id) const;
  // How many times each fault name was started.
  const std::map<std::string, int>& counts() const { return counts_; }

 private:
  struct ActiveFault {
    int handle = 0;
    std::string name, detail;
    std::function<void()> undo;
    uint64_t stops_node = 0;  // a node this fault may take down, 0 = none
    bool stops_any = false;   // it may take down any node
    // How long the fault needs before it acts on the traffic in flight (a link delay
    // reaches only what is sent after it): the next part of a composite waits that long.
    std::chrono::milliseconds settle{0};
  };
  using Starter = ActiveFault (Nemesis::*)(const std::string& name, std::chrono::milliseconds duration);

 public:
  // The fault table: every name with the method that starts it and its description.
  struct FaultKind {
    const char* name;
    Starter start;
    const char* help;
  };
  static const std::vector<FaultKind>& Table();

 private:

  ActiveFault StartPartition(const std::string& name, std::chrono::milliseconds);
  ActiveFault StartKill(const std::string& name, std::chrono::milliseconds);
  ActiveFault StartPause(const std::string& name, std::chrono::milliseconds);
  ActiveFault StartStall(const std::string& name, std::chrono::milliseconds duration);
  ActiveFault StartCrashPoint(const std::string& name, std::chrono::milliseconds);
  ActiveFault StartLink(const std::string& name, std::chrono::milliseconds);
  ActiveFault StartLinkLeaderInbound(const std::string& name, std::chrono::milliseconds);
  ActiveFault StartLaggingCommitFailover(const std::string& name, std::chrono::milliseconds);
  ActiveFault StartNetDelay(const std::string& name, std::chrono::milliseconds);
  ActiveFault StartNetDelayLeaderInbound(const std::string& name, std::chrono::milliseconds);
  ActiveFault StartClock(const std::string& name, std::chrono::milliseconds);
  ActiveFault StartFiu(const std::string& name, std::chrono::milliseconds);
  ActiveFault StartRolling(const std::string& name, std::chrono::milliseconds);
  ActiveFault StartTransfer(const std::string& name, std::chrono::milliseconds);
  ActiveFault StartSnapshot(const std::string& name, std::chrono::milliseconds);
  ActiveFault StartSnapshotInstall(const std::string& name, std::chrono::milliseconds);
  ActiveFault StartPowerLossFault(const std::string& name, std::chrono::milliseconds);

  // Enforces a grudge through each node's partition filter: both directions for a
  // symmetric grudge, inbound drops for a one-way one. Returns the errors met, "" if none.
  std::string ApplyGrudge(const Grudge& grudge);
  void HealNetwork();
  // Delays `from`'s outbound raft traffic to every other node (or only to `only_to` when
  // non-zero) on `lanes` (empty = every lane); returns the errors met, "" if none.
  std::string DelayLinks(uint64_t from, uint64_t only_to, std::chrono::milliseconds delay,
                         const std::vector<std::string>& lanes);
  void ClearLinks();
  // The lanes that carry entries and their acks in either layout (not heartbeats or votes).
  static std::vector<std::string> ReplicationLanes() { return {"normal", "replication"}; }
  // A duration drawn uniformly between lo and hi election timeouts.
  std::chrono::milliseconds ElectionFraction(double lo, double hi);
  // The raftlab cluster and its Admin API, for the faults only raftlab supports (the
  // command line refuses them for other systems: SupportsFault).
  LocalCluster& Raftlab();
  client::AdminClient& Admin();
  // Slows node `id`'s clock for partition-leader-slow; returns the rate, appends errors.
  double SlowIsolatedClock(uint64_t id, std::string* errors);
  // Writes `entries` puts through the leader (filler keys no workload reads).
  // Writes `entries` entries to each data group, on keys no workload uses.
  void FillLog(uint64_t entries);
  // Every data group of every reachable node but `except` snapshots now; the detail lists
  // group 1's snapshot index per node.
  std::string SnapshotEveryGroup(uint64_t except);
  // How long snapshot-install waits at its stop for the follower to catch up.
  static constexpr double kSnapshotInstallWaitS = 3;
  // The longest FillLog writes.
  static constexpr std::chrono::seconds kFillLogBound{10};
  // Restarts a node a fault took down, remembering how it ended.
  void Revive(uint64_t id, const std::string& cause);
  bool Reachable(uint64_t id);
  uint64_t LeaderOrRandom();
  uint64_t RandomNode();
  uint64_t RandomReachableNode();  // running and not paused; any node when none is
  uint64_t RandomFollower();
  NodeIds ShuffledIds();
  void SetActiveText();

  SystemUnderTest& cluster_;
  HistoryRecorder& recorder_;
  const NemesisOptions options_;
  std::function<void(const std::string&)> scrape_;
  std::mt19937_64 rng_;
  std::vector<ActiveFault> active_;
  std::vector<NodeExit> exits_;
  int started_ = 0;
  std::map<std::string, int> counts_;
  bool clock_used_ = false, links_used_ = false;
  std::vector<std::string> fiu_points_used_;
  mutable std::mutex text_mu_;
  std::string active_text_;  // guarded by text_mu_
};

}  // namespace raftlab::harness
