#pragma once
// Nemesis: the faults a test injects into a LocalCluster, one schedule step at a time. Each
// fault is recorded in the history as a nemesis start event when it begins and a stop event
// when it is undone, so the report can shade the interval and name the faults that
// overlap a counterexample.
//
// Fault names (the --nemesis list):
//   partition-halves    nodes split into two halves (the larger half keeps a majority)
//   partition-majority  a random minority cut off from the majority
//   partition-leader    the leader isolated from everyone
//   partition-ring      each node reaches only its two ring neighbours
//   partition           one of the four above, chosen at random each time
//   kill / kill-leader  SIGKILL a random node / the leader; restarted when the fault ends
//   pause / pause-leader SIGSTOP a random node / the leader; SIGCONT when it ends
//   clock               skew one node's clock (offset and rate) via Admin SetClock
//   fiu                 enable a libfiu point (--fiu-point, --fiu-probability) on one node
//   rolling             rolling restart, one node at a time, toggling dispatcher lanes
//                       (2<->4), FSM sync mode (sync<->nosync) and the lease margin
//   transfer            move the leadership to another voter
//   power-loss          SIGKILL the whole cluster or one node and drop its unsynced data;
//   torn-write          the same keeping a random prefix of each file's unsynced writes
//                       (power_loss.h; the data directories are on raftlab-powerfs)
//
// Threads: one owner thread (the runner's main thread, which also owns the cluster) calls
// every method except Active(), which the progress display may call from anywhere.

#include <functional>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
// cluster.h needs AdminClient complete (its inline constructor destroys a unique_ptr of it).
#include "server/api/client/admin_client.h"
#include "harness/cluster.h"
#include "harness/recorder.h"

namespace raftlab::harness {

class PowerDisks;

struct NemesisOptions {
  std::vector<std::string> faults;  // names as above; empty = no faults
  bool all_at_once = false;         // start every listed fault together instead of one at random
  std::string fiu_point = "raftlab/transport/send";
  double fiu_probability = 0.2;
  int64_t clock_offset_max_ms = 2000;
  uint64_t seed = 1;
  PowerDisks* power_disks = nullptr;  // set when power-loss or torn-write is listed
};

// Checks every name in a comma-separated list ("none" or "" = no faults); the error names
// --nemesis, the bad entry and the known names.
absl::StatusOr<std::vector<std::string>> ParseNemesisList(const std::string& csv);
const std::vector<std::string>& NemesisNames();

class Nemesis {
 public:
  // scrape(label) collects /metrics from every node (called at the start of each fault).
  Nemesis(LocalCluster& cluster, HistoryRecorder& recorder, NemesisOptions options,
          std::function<void(const std::string&)> scrape);

  bool enabled() const { return !options_.faults.empty(); }
  // Starts the next fault(s) of the schedule. Failures to inject are logged in the
  // history's detail and do not stop the test.
  void Start();
  // Undoes every active fault (each gets its stop event).
  void Stop();
  // Brings every node back: restarts dead ones, resumes paused ones, heals partitions, resets
  // clocks and fault points. Used before the final reads and at teardown.
  void HealAll();
  // The faults active now, e.g. "partition-halves [1,2] | [3]"; empty if none.
  std::string Active() const;
  int started() const { return started_; }

 private:
  struct ActiveFault {
    std::string name, detail;
    std::function<void()> undo;
  };
  void StartOne(const std::string& name);
  void StartPartition(const std::string& name);
  uint64_t LeaderOrRandom();
  uint64_t RandomNode();
  void SetActiveText();

  LocalCluster& cluster_;
  HistoryRecorder& recorder_;
  const NemesisOptions options_;
  std::function<void(const std::string&)> scrape_;
  std::mt19937_64 rng_;
  std::vector<ActiveFault> active_;
  int started_ = 0;
  bool clock_used_ = false, fiu_used_ = false;
  mutable std::mutex text_mu_;
  std::string active_text_;  // guarded by text_mu_
};

}  // namespace raftlab::harness
