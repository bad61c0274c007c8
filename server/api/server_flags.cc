#include "server/api/server_flags.h"

#include <CLI/CLI.hpp>

#include "faults/bugs.h"
#include "server/log/level.h"

namespace raftlab::api {
namespace {

absl::Status Invalid(const std::string& msg) { return absl::InvalidArgumentError(msg); }

// The lease rests on the followers' election timers (see server/engine/lease_tracker.h): it
// must end at least one tick (timer granularity) plus a drift allowance before the earliest
// instant a follower may time out.
absl::Status CheckLease(const ServerConfig& c) {
  const int64_t election_ms = int64_t{c.tick_ms} * c.election_ticks;
  const int64_t lease_ms = election_ms - c.lease_margin_ms;
  if (c.lease_margin_ms <= c.tick_ms) {
    return Invalid("--lease-margin-ms: " + std::to_string(c.lease_margin_ms) + " leaves no room for clock drift: " +
                   "the margin must exceed one tick (--tick-ms " + std::to_string(c.tick_ms) +
                   "), since a follower's election timer may fire a tick early");
  }
  if (lease_ms <= 0) {
    return Invalid("--lease-margin-ms: " + std::to_string(c.lease_margin_ms) +
                   " leaves no lease: it must be below the election timeout (--tick-ms x --election-ticks = " +
                   std::to_string(election_ms) + " ms)");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ParsedFlags> ParseServerFlags(const std::vector<std::string>& args) {
  ParsedFlags out;
  ServerConfig& c = out.config;
  std::string listen, peers, http = "127.0.0.1:0", lanes, sync_mode, log_level, unsafe_bugs;

  CLI::App app("raftlab-server: a multi-raft key-value server", "raftlab-server");
  app.add_option("--id", c.id, "This node's id (one of the ids in --peers)")->required();
  app.add_option("--peers", peers, "Every voter: id=host:port,... (this node included)")->required();
  app.add_option("--listen", listen,
                 "gRPC address for clients and peers (default: 127.0.0.1 and this node's port in --peers)");
  app.add_option("--data-dir", c.data_dir, "Directory for the WAL, snapshots and RocksDB")->required();
  app.add_option("--http", http, "Address of /metrics, /status and /keyviz")->capture_default_str();
  app.add_option("--tick-ms", c.tick_ms, "Raft tick interval in milliseconds")->capture_default_str();
  app.add_option("--election-ticks", c.election_ticks, "Election timeout in ticks")->capture_default_str();
  app.add_option("--heartbeat-ticks", c.heartbeat_ticks, "Heartbeat interval in ticks")->capture_default_str();
  app.add_option("--lease-margin-ms", c.lease_margin_ms,
                 "Lease = election timeout minus this margin. Must exceed one tick (a follower's "
                 "election timer may fire up to a tick early); the rest bounds clock drift: lease "
                 "reads are safe while any two nodes' clocks drift apart by less than "
                 "(margin - tick) over one lease, i.e. a rate error below (margin - tick) / lease "
                 "(defaults: 290 ms over 1700 ms, 17%). Steps of the clock are not covered.")
      ->capture_default_str();
  auto* lanes_opt = app.add_option("--dispatcher-lanes", lanes,
                 "Outbound lanes per peer: 2 or 4 (env RAFTLAB_RAFT_DISPATCHER_LANES)");
  auto* sync_opt = app.add_option("--fsm-sync-mode", sync_mode,
                 "Fsync each state-machine batch: sync or nosync (env RAFTLAB_FSM_SYNC_MODE)");
  auto* log_level_opt = app.add_option("--log-level", log_level,
                 "Least severe log lines written: trace, debug, info, warn or error "
                 "(env RAFTLAB_LOG_LEVEL; default info)");
  app.add_option("--fault-control", c.fault_control, "Open libfiu remote control at PREFIX-<pid>.in/.out");
  app.add_flag("--allow-faults", c.allow_faults, "Accept fault, partition and clock RPCs");
  app.add_option("--unsafe-bug", unsafe_bugs,
                 "Test only, needs --allow-faults: switch on planted bugs NAME[,NAME] (faults/bugs.h)");
  app.add_option("--max-key-bytes", c.max_key_bytes, "Largest accepted key")->capture_default_str();
  app.add_option("--max-value-bytes", c.max_value_bytes, "Largest accepted value")->capture_default_str();
  app.add_option("--groups", c.groups, "Raft groups; the key space is split evenly between them")
      ->capture_default_str();
  auto* groups_opt = app.get_option("--groups");
  app.add_option("--cluster-file", c.cluster_file,
                 "Initial route table: 'route <start> <end> <group>' lines (--groups, if given, must match)");
  app.add_flag("--keyviz", c.keyviz, "Sample per-range traffic for /keyviz");
  app.add_option("--keyviz-column-ms", c.keyviz_column_ms, "Width of one keyviz time column")
      ->capture_default_str();
  app.add_option("--keyviz-columns", c.keyviz_columns, "Keyviz time columns kept")->capture_default_str();
  app.add_option(
         "--snapshot-every", c.snapshot_every,
         "Snapshot and purge the WAL after this many entries (etcd's --snapshot-count default)")
      ->capture_default_str();
  app.add_option("--rpc-threads", c.rpc_threads,
                 "Threads serving KV and node-to-node calls (each polls its own completion queue)")
      ->capture_default_str();
  app.add_option("--compaction-lag", c.compaction_lag,
                 "Entries kept behind a snapshot, so a follower this far behind catches up from the log")
      ->capture_default_str();
  app.add_option("--seed", c.seed, "Seed of election timeouts and backoff jitter (0 = from the node id)")
      ->capture_default_str();
  out.usage = app.help();

  std::vector<std::string> rev(args.rbegin(), args.rend());
  if (!rev.empty()) rev.pop_back();  // argv[0]
  try {
    app.parse(rev);
  } catch (const CLI::CallForHelp&) {
    out.help = true;
    return out;
  } catch (const CLI::ParseError& e) {
    return Invalid(std::string(e.what()) + " (see --help)");
  }

  auto parsed_peers = ParsePeers(peers, "--peers");
  if (!parsed_peers.ok()) return parsed_peers.status();
  c.peers = std::move(*parsed_peers);
  auto self = c.peers.find(c.id);
  if (self == c.peers.end()) {
    return Invalid("--id: node " + std::to_string(c.id) + " is not listed in --peers");
  }
  if (listen.empty()) {
    c.listen = {"127.0.0.1", self->second.port};
  } else {
    auto l = ParseHostPort(listen, "--listen");
    if (!l.ok()) return l.status();
    c.listen = *l;
  }
  auto h = ParseHostPort(http, "--http");
  if (!h.ok()) return h.status();
  c.http = *h;
  if (c.tick_ms <= 0) return Invalid("--tick-ms: must be positive, got " + std::to_string(c.tick_ms));
  if (c.heartbeat_ticks <= 0) return Invalid("--heartbeat-ticks: must be positive");
  if (c.election_ticks <= c.heartbeat_ticks) {
    return Invalid("--election-ticks: must exceed --heartbeat-ticks (" + std::to_string(c.election_ticks) +
                   " <= " + std::to_string(c.heartbeat_ticks) + ")");
  }
  if (auto s = CheckLease(c); !s.ok()) return s;
  if (c.max_key_bytes == 0) return Invalid("--max-key-bytes: must be positive");
  if (c.data_dir.empty()) return Invalid("--data-dir: must not be empty");
  if (c.groups == 0 || c.groups > 256) return Invalid("--groups: must be in 1..256");
  if (c.snapshot_every == 0) return Invalid("--snapshot-every: must be positive");
  if (c.rpc_threads < 1 || c.rpc_threads > 64) return Invalid("--rpc-threads: must be in 1..64");
  // With --cluster-file, --groups may only confirm the file's group count (checked when
  // the file is read).
  c.groups_given = groups_opt->count() > 0;
  if (c.keyviz_column_ms <= 0) return Invalid("--keyviz-column-ms: must be positive");
  if (c.keyviz_columns <= 0 || c.keyviz_columns > 10000) return Invalid("--keyviz-columns: must be in 1..10000");
  auto bugs = faults::ParsePlantedBugs(unsafe_bugs);
  if (!bugs.ok()) return bugs.status();
  if (*bugs != 0 && !c.allow_faults) {
    return Invalid("--unsafe-bug: refused without --allow-faults (planted bugs exist only to validate the harness)");
  }
  c.unsafe_bugs = *bugs;
  if (lanes_opt->count() > 0) c.dispatcher_lanes = lanes;
  if (sync_opt->count() > 0) c.fsm_sync_mode = sync_mode;
  if (log_level_opt->count() > 0) {
    if (auto l = log::ParseLevel(log_level); !l.ok()) {
      return Invalid("--log-level: " + std::string(l.status().message()));
    }
    c.log_level = log_level;
  }
  return out;
}

}  // namespace raftlab::api
