#pragma once
// What `raftlab-ctl bench` runs: the load shapes of etcd's benchmark tool (clients,
// connections, totals, key and value sizes, key space) for put and get.

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "kv.pb.h"

namespace raftlab::client {

struct BenchConfig {
  enum class Op { kPut, kGet };
  enum class Target { kLeader, kAll };

  Op op = Op::kPut;
  int clients = 1;         // concurrent closed-loop clients, one request outstanding each
  int conns = 1;           // gRPC connections the clients share (client i uses i mod conns)
  int64_t total = 10000;   // requests in all
  int key_size = 8;        // bytes; keys are zero-padded decimal indexes into the key space
  int val_size = 256;      // bytes
  int64_t key_space = 1;   // distinct keys
  bool sequential_keys = false;  // request i uses key i mod key_space instead of a random one
  kv::ReadMode read_mode = kv::READ_MODE_LINEARIZABLE;
  Target target = Target::kLeader;  // connections to the leader, or spread over all endpoints
  uint64_t seed = 1;       // key choice and value bytes
  int timeout_ms = 5000;   // per request
  std::string json_path;   // non-empty: also write the figures here as JSON
};

// Checks ranges; the error names the flag (e.g. "--key-space").
absl::Status ValidateBenchConfig(const BenchConfig& config);

// The key of index `index`: decimal, zero-padded to `key_size` bytes.
std::string BenchKey(int64_t index, int key_size);

const char* OpName(BenchConfig::Op op);
const char* ReadModeName(kv::ReadMode mode);

}  // namespace raftlab::client
