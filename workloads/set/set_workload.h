#pragma once
// A grow-only set: each add writes one unique integer as its own key under a prefix; a
// read scans the prefix and returns the whole set. Checked with the set checker (lost,
// unexpected and stale elements against the final read after healing).

#include "workloads/workload.h"

namespace raftlab::workloads {

class SetWorkload : public Workload {
 public:
  SetWorkload(kv::ReadMode mode, WorkloadOptions options) : mode_(mode), options_(options) {}

  std::string name() const override { return "set"; }
  checkers::ModelKind model() const override { return checkers::ModelKind::kSet; }
  kv::ReadMode read_mode() const override { return mode_; }
  OpRequest Next(std::mt19937_64& rng) override;
  std::vector<OpRequest> FinalOps() override;
  OpResult Execute(client::KvClient& kv, const OpRequest& op, const std::string& read_endpoint) override {
    return ExecuteAt(kv, op, Targets{read_endpoint, ""});
  }
  OpResult ExecuteAt(client::KvClient& kv, const OpRequest& op, const Targets& targets) override;

  // The key an element is stored under; zero-padded so a scan returns elements in order.
  static std::string ElementKey(int64_t v);

 private:
  const kv::ReadMode mode_;
  const WorkloadOptions options_;
  int64_t next_ = 0;
};

}  // namespace raftlab::workloads
