#pragma once
// The command line of raftlab-server. ParseServerFlags never exits: it returns the config,
// or an error whose message names the flag, so main can print it and exit with code 2.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "server/api/address.h"

namespace raftlab::api {

struct ServerConfig {
  uint64_t id = 0;
  HostPort listen;                     // gRPC: KV, Admin and node-to-node transport
  std::map<uint64_t, HostPort> peers;  // every voter, this node included
  std::string data_dir;
  HostPort http{"127.0.0.1", 0};      // /metrics, /status, /keyviz
  int tick_ms = 10;
  int election_ticks = 200;
  int heartbeat_ticks = 20;
  int lease_margin_ms = 300;
  // Raw values of --dispatcher-lanes / --fsm-sync-mode when given. The components that own
  // them resolve them against RAFTLAB_RAFT_DISPATCHER_LANES / RAFTLAB_FSM_SYNC_MODE, with
  // fail-safe defaults and a warning naming a bad value.
  std::optional<std::string> dispatcher_lanes;
  std::optional<std::string> fsm_sync_mode;
  // Raw --log-level when given (already checked to be a level name); main resolves it
  // against RAFTLAB_LOG_LEVEL (server/log/level.h).
  std::optional<std::string> log_level;
  uint32_t groups = 1;        // Raft groups, splitting the key space evenly
  bool groups_given = false;  // --groups was on the command line
  // The initial route table from a cluster file (server/kv/cluster_file.h) instead of
  // --groups; empty = none.
  std::string cluster_file;
  bool keyviz = false;        // the key-visualizer sampler
  int keyviz_column_ms = 60000;  // width of one keyviz time column
  int keyviz_columns = 60;       // columns kept (a ring)
  uint64_t snapshot_every = 100000;
  // Threads serving the KV and transport calls, each polling its own completion queue.
  int rpc_threads = 1;
  // Entries kept behind a snapshot for slow followers (DurableLogOptions::compaction_lag).
  uint64_t compaction_lag = 1000;
  // Mixed with the node and group ids into each group's election randomness and the
  // transport's backoff jitter, so a test run's seed reaches the servers; 0 = derive from
  // the ids alone.
  uint64_t seed = 0;
  std::string fault_control;  // libfiu remote-control fifo prefix; empty = off
  bool allow_faults = false;  // fault, partition and clock RPCs are refused without it
  // Planted bugs switched on (faults/bugs.h bit mask); only with allow_faults.
  uint32_t unsafe_bugs = 0;
  // Key, value and request limits; larger requests get INVALID_ARGUMENT.
  uint32_t max_key_bytes = 4096;
  uint32_t max_value_bytes = 1 << 20;
};

struct ParsedFlags {
  bool help = false;        // --help was given: print `usage` and exit 0
  std::string usage;
  ServerConfig config;
};

// argv[0] is the program name.
absl::StatusOr<ParsedFlags> ParseServerFlags(const std::vector<std::string>& args);

}  // namespace raftlab::api
