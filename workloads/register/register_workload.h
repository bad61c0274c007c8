#pragma once
// Registers: read / write / cas on rotating keys, checked as a cas-register per key. Written
// values are unique per key (a per-key counter), which lets the checker use its exact
// pre-checks instead of a search. The read mode decides what is expected:
//   register        linearizable (ReadIndex) reads — must be valid;
//   lease-register  lease reads — must be valid;
//   stale-register  stale reads from any replica — expected to be invalid under faults
//                   (the harness's self-check that it can see a violation).

#include <map>

#include "workloads/workload.h"

namespace raftlab::workloads {

class RegisterWorkload : public Workload {
 public:
  RegisterWorkload(std::string name, kv::ReadMode mode, WorkloadOptions options);

  std::string name() const override { return name_; }
  checkers::ModelKind model() const override { return checkers::ModelKind::kCasRegister; }
  kv::ReadMode read_mode() const override { return mode_; }
  OpRequest Next(std::mt19937_64& rng) override;
  std::vector<OpRequest> FinalOps() override;
  OpResult Execute(client::KvClient& kv, const OpRequest& op, const std::string& read_endpoint) override {
    return ExecuteAt(kv, op, Targets{read_endpoint, ""});
  }
  OpResult ExecuteAt(client::KvClient& kv, const OpRequest& op, const Targets& targets) override;

 private:
  struct KeyState {
    std::string name;
    int64_t next_value = 1;  // next value a write or cas writes
    int ops = 0;
  };
  KeyState& PickKey(std::mt19937_64& rng);

  const std::string name_;
  const kv::ReadMode mode_;
  const WorkloadOptions options_;
  std::vector<KeyState> active_;
  std::vector<std::string> used_;  // every key ever used, for the final reads
  int next_key_ = 0;
};

}  // namespace raftlab::workloads
