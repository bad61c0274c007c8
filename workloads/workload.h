#pragma once
// A workload: what the clients do to the cluster and how the history is checked. The
// generator half (Next, FinalOps) makes the op stream; the client half (Execute) turns one
// op into KV calls and classifies the answer. See shared/docs/history-format.md for the
// f/value shapes each checker model expects.
//
// Threads: Next and FinalOps are called by one thread at a time (the runner serialises
// the generator under its lock). Execute is called concurrently by every worker and must
// only read the workload's configuration.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "checkers/history.h"
#include "checkers/validate.h"
#include "kv.pb.h"

namespace raftlab::client {
class KvClient;
}

namespace raftlab::workloads {

// One operation as the history records its invoke.
struct OpRequest {
  std::string f;    // read, write, cas, add, txn
  std::string key;  // empty: the op has no key
  checkers::Value value;
};

enum class Outcome { kOk, kFail, kInfo };

// How an op completed, with the optional fields the history passes through.
struct OpResult {
  Outcome outcome = Outcome::kInfo;
  checkers::Value value;  // ok reads: what was read; else usually the invoke's value
  std::string node;       // the server that answered, "n<id>"
  std::string error;      // fail / info: why
  std::optional<int64_t> term, applied_index;
};

// Where one op is sent. An empty field falls back to the KV client's own routing (writes
// seek the leader through NOT_LEADER redirects).
struct Targets {
  std::string read;   // the node a read asks, alone (no redirects)
  std::string write;  // non-empty: the node a write or cas asks, alone (NOT_LEADER = fail)
};

struct WorkloadOptions {
  uint64_t seed = 1;
  // Keys in use at once; each is retired after ops_per_key ops for a fresh one, so a key's
  // history stays short enough to check exhaustively.
  int active_keys = 8;
  int ops_per_key = 300;
  std::chrono::milliseconds op_timeout{2000};
};

class Workload {
 public:
  virtual ~Workload() = default;
  virtual std::string name() const = 0;
  virtual checkers::ModelKind model() const = 0;
  virtual kv::ReadMode read_mode() const = 0;
  // The next op of the main phase.
  virtual OpRequest Next(std::mt19937_64& rng) = 0;
  // The reads to run once after the cluster is healed.
  virtual std::vector<OpRequest> FinalOps() = 0;
  // Runs op; reads go to `read_endpoint` alone (no redirects), writes seek the leader.
  virtual OpResult Execute(client::KvClient& kv, const OpRequest& op, const std::string& read_endpoint) = 0;
  // Runs op at explicit targets; workloads that aim writes override it, the others run
  // Execute with the read target.
  virtual OpResult ExecuteAt(client::KvClient& kv, const OpRequest& op, const Targets& targets) {
    return Execute(kv, op, targets.read);
  }
};

// register, lease-register, stale-register, set, list-append, stale-list-append; an error names the workload and lists the
// known ones.
absl::StatusOr<std::unique_ptr<Workload>> MakeWorkload(const std::string& name, const WorkloadOptions& options);
const std::vector<std::string>& WorkloadNames();
const char* ReadModeName(kv::ReadMode mode);

// Maps a finished KV call's status to the history: definite errors -> fail, others -> info.
OpResult FromError(const absl::Status& status, const checkers::Value& invoked);

}  // namespace raftlab::workloads
