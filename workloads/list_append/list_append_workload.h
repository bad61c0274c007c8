#pragma once
// List-append (Elle's workload): transactions of 1-4 micro-ops, each a read of a key's
// whole list or an append of a unique element to it, checked with the list-append
// dependency-graph checker against strict serializability.
//
// Keys are spread over groups yet each transaction stays in one: a key belongs to one of
// kSlots slots and is stored under a first byte that spreads the slots over the route
// table's even split of the first key byte, so keys of one slot share a group and the
// slots land in different groups. A transaction draws all its keys from one slot. The
// history names keys by number ("17"), as Elle does. Each slot keeps a rotating pool of
// active keys; a key is retired after kAppendsPerKey appends so lists stay short.
// Transactions of reads only are served in the workload's read mode by the read endpoint;
// any other goes through the log at the leader. `stale-list-append` reads stale (any
// replica's local state): the harness's self-check that the checker sees a stale read.

#include <map>

#include "workloads/workload.h"

namespace raftlab::workloads {

class ListAppendWorkload : public Workload {
 public:
  static constexpr int kSlots = 4;
  static constexpr int kAppendsPerKey = 32;

  ListAppendWorkload(std::string name, kv::ReadMode mode, WorkloadOptions options);

  std::string name() const override { return name_; }
  checkers::ModelKind model() const override { return checkers::ModelKind::kListAppend; }
  kv::ReadMode read_mode() const override { return mode_; }
  OpRequest Next(std::mt19937_64& rng) override;
  std::vector<OpRequest> FinalOps() override;
  OpResult Execute(client::KvClient& kv, const OpRequest& op, const std::string& read_endpoint) override;

  // The stored key of history key `name` (a number whose remainder by kSlots is its slot).
  static std::string StoredKey(const std::string& name);

 private:
  struct KeyState {
    std::string name;
    int64_t next_element = 1;
  };
  KeyState NewKey(int slot);

  const std::string name_;
  const kv::ReadMode mode_;
  const WorkloadOptions options_;
  std::vector<std::vector<KeyState>> slots_;  // active keys per slot
  std::vector<std::string> used_;             // every key ever used, for the final reads
  int64_t next_key_ = 0;
};

}  // namespace raftlab::workloads
