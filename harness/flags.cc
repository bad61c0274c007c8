#include "harness/flags.h"

#include <CLI/CLI.hpp>

#include <unistd.h>

#include <filesystem>

#include "faults/bugs.h"
#include "harness/nemesis.h"
#include "harness/system.h"
#include "workloads/workload.h"

namespace raftlab::harness {
namespace {

constexpr const char* kCommands = "test, analyze, validate, matrix, matrix-merge or bench-compare";

absl::Status Bad(const std::string& msg) { return absl::InvalidArgumentError(msg); }

// --system and --network, and what the chosen system supports.
absl::Status ValidateSystem(const TestOptions& o) {
  if (o.system != "raftlab" && o.system != "etcd") return Bad("--system: must be raftlab or etcd, not \"" + o.system + "\"");
  if (o.network != "loopback" && o.network != "netns") {
    return Bad("--network: must be loopback or netns, not \"" + o.network + "\"");
  }
  if (!o.etcd_binary.empty() && access(o.etcd_binary.c_str(), X_OK) != 0) {
    return Bad("--etcd-binary: " + o.etcd_binary + " is not an executable file");
  }
  if (o.network == "netns" && !o.endpoints.empty()) return Bad("--network netns: starts its own cluster; drop --endpoints");
  for (const auto& f : o.nemesis) {
    if (auto s = SupportsFault(o.system, o.network, f); !s.ok()) return s;
  }
  if (o.system == "raftlab") return absl::OkStatus();
  if (!o.endpoints.empty()) return Bad("--endpoints: only with --system raftlab");
  if (!o.unsafe_bugs.empty()) return Bad("--unsafe-bug: planted bugs are raftlab's; not with --system " + o.system);
  if (auto w = workloads::MakeWorkload(o.workload, {}); w.ok() && (*w)->read_mode() == kv::READ_MODE_LEASE) {
    return Bad("--workload " + o.workload + ": lease reads are raftlab's; not with --system " + o.system);
  }
  return absl::OkStatus();
}

absl::Status Validate(const TestOptions& o) {
  if (o.out.empty()) return Bad("--out: required (the run folder to create)");
  if (std::filesystem::exists(o.out + "/history.jsonl")) {
    return Bad("--out: " + o.out + " already holds a run (history.jsonl); choose a fresh folder");
  }
  if (o.nodes != 1 && o.nodes != 3 && o.nodes != 5) {
    return Bad("--nodes: must be 1, 3 or 5, not " + std::to_string(o.nodes));
  }
  if (!(o.time_limit_s > 0)) return Bad("--time-limit: must be a positive number of seconds");
  if (!(o.rate >= 0)) return Bad("--rate: must be >= 0 (0 = unlimited)");
  if (o.concurrency < 1 || o.concurrency > 1000) return Bad("--concurrency: must be between 1 and 1000");
  if (o.dispatcher_lanes != 2 && o.dispatcher_lanes != 4) {
    return Bad("--dispatcher-lanes: must be 2 or 4, not " + std::to_string(o.dispatcher_lanes));
  }
  if (o.fsm_sync_mode != "sync" && o.fsm_sync_mode != "nosync") {
    return Bad("--fsm-sync-mode: must be sync or nosync, not \"" + o.fsm_sync_mode + "\"");
  }
  if (o.op_timeout_ms <= 0) return Bad("--op-timeout-ms: must be positive");
  if (o.nemesis_interval_ms <= 0) return Bad("--nemesis-interval-ms: must be positive");
  if (o.nemesis_duration_ms <= 0) return Bad("--nemesis-duration-ms: must be positive");
  if (!(o.fiu_probability >= 0 && o.fiu_probability <= 1)) return Bad("--fiu-probability: must be in [0, 1]");
  if (o.active_keys < 1) return Bad("--keys: must be at least 1");
  if (o.ops_per_key < 1) return Bad("--ops-per-key: must be at least 1");
  if (o.tick_ms < 1) return Bad("--tick-ms: must be at least 1");
  if (o.heartbeat_ticks < 1 || o.election_ticks <= o.heartbeat_ticks) {
    return Bad("--election-ticks: must exceed --heartbeat-ticks (both at least 1)");
  }
  if (o.lease_margin_ms < 0) return Bad("--lease-margin-ms: must not be negative");
  if (o.lease_margin_ms >= o.tick_ms * o.election_ticks) {
    // The servers refuse it at startup; say so before starting them.
    return Bad("--lease-margin-ms: " + std::to_string(o.lease_margin_ms) + " leaves no lease: it must be below the "
               "election timeout (--tick-ms x --election-ticks = " + std::to_string(o.tick_ms * o.election_ticks) +
               " ms)");
  }
  if (o.read_target != "leader" && o.read_target != "any" && o.read_target != "mixed") {
    return Bad("--read-target: must be leader, any or mixed, not \"" + o.read_target + "\"");
  }
  if (o.snapshot_every < 1) return Bad("--snapshot-every: must be at least 1");
  if (o.groups < 1 || o.groups > 256) return Bad("--groups: must be between 1 and 256");
  if (!(o.crash_probability > 0 && o.crash_probability <= 1)) return Bad("--crash-probability: must be in (0, 1]");
  if (!o.crash_point.empty() && o.crash_point.rfind("raftlab/crash/", 0) != 0) {
    return Bad("--crash-point: must name a raftlab/crash/... point, not \"" + o.crash_point + "\"");
  }
  if (o.leaderless_timeouts < 1) return Bad("--leaderless-timeouts: must be at least 1");
  if (!(o.check_timeout_s > 0)) return Bad("--check-timeout: must be positive");
  if (!o.server_binary.empty() && access(o.server_binary.c_str(), X_OK) != 0) {
    return Bad("--server-binary: " + o.server_binary + " is not an executable file");
  }
  return ValidateSystem(o);
}

}  // namespace

std::string DefaultNemesis(const std::string& workload) {
  // Each workload's default test aims at the bugs its checker can see: lease reads at the
  // moments a deposed leader still holds (or wrongly believes it holds) its lease, ReadIndex
  // and writes across leader changes, crashes and snapshots. Lists stay short: each fault
  // is drawn about 10 times a minute in all, and a lease bug needs its fault drawn. The
  // lease list pairs faults ('+': started together) into the moments each lease rule
  // guards: a transfer the old leader does not hear of, acks that arrive late at a leader
  // nobody hears any more, a failover to a leader behind its predecessor's commit index.
  // Clock drift within the margin (must stay valid) rides along with the pause.
  if (workload == "lease-register") {
    return "clock-drift+pause-leader,link-leader-inbound-short+transfer,link-leader-inbound+partition-leader-outbound,"
           "failover-lagging-commit";
  }
  if (workload == "register") {
    // partition-leader-slow: the cut-off leader outlives its successor's election, the
    // window in which a ReadIndex answered without a quorum round returns stale data.
    return "partition-leader-slow,partition,stall-leader,pause-leader,kill-leader,transfer,crash-point,"
           "snapshot-install,link-leader";
  }
  if (workload == "set") return "partition,kill,crash-point,stall,snapshot-install";
  // The default durability test: every fault restarts nodes, at moments a durability bug
  // shows (un-fsynced data dropped, right after a snapshot is saved, mid-apply), and the
  // list-append checker sees an acknowledged append lost or applied twice. A third of the
  // faults are power losses: a lost WAL tail shows only once a lagging node serves.
  if (workload == "list-append") return "power-loss,kill,crash-point";
  return "partition,kill";
}

std::string QuoteCommand(int argc, const char* const* argv) {
  std::string out;
  for (int i = 0; i < argc; ++i) {
    std::string a = argv[i];
    bool plain = !a.empty() && a.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_=/.,:+@") ==
                                   std::string::npos;
    if (!out.empty()) out += ' ';
    if (plain) {
      out += a;
    } else {
      out += '\'';
      for (char c : a) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
      out += '\'';
    }
  }
  return out;
}

absl::StatusOr<Command> ParseCommandLine(int argc, const char* const* argv) {
  CLI::App app{"raftlab-harness: Jepsen-style tests of a local raftlab cluster"};
  app.require_subcommand(1);
  TestOptions t;
  std::string nemesis;
  CLI::App* test = app.add_subcommand("test", "run a test and check it; exit 0 valid, 1 invalid, 2 unknown, 3 error");
  test->add_option("--workload", t.workload, "register, lease-register, stale-register, set, list-append or stale-list-append")->capture_default_str();
  test->add_option("--nemesis", nemesis,
                   "comma-separated faults, or none (default: the workload's own list, see README)\n" + NemesisHelp());
  test->add_option("--schedule", t.schedule_file, "replay a schedule.json of a run instead of drawing one");
  test->add_option("--crash-point", t.crash_point, "crash-point fault: this raftlab/crash/... point only");
  test->add_option("--crash-probability", t.crash_probability, "chance a crash point fires each time it is passed")
      ->capture_default_str();
  test->add_option("--read-target", t.read_target, "reads ask: leader (a node claiming it), any, or mixed")
      ->capture_default_str();
  test->add_option("--snapshot-every", t.snapshot_every, "servers' --snapshot-every (entries between snapshots)")
      ->capture_default_str();
  test->add_option("--groups", t.groups, "servers' --groups: data groups over an even split of the keys")
      ->capture_default_str();
  test->add_option("--compaction-lag", t.compaction_lag,
                   "servers' --compaction-lag: entries kept behind a snapshot for slow followers")
      ->capture_default_str();
  test->add_option("--leaderless-timeouts", t.leaderless_timeouts,
                   "report a group leaderless for more than this many election timeouts")
      ->capture_default_str();
  test->add_flag("--nemesis-all-at-once", t.nemesis_all_at_once, "start every listed fault together");
  test->add_option("--nemesis-interval-ms", t.nemesis_interval_ms, "quiet time between faults")->capture_default_str();
  test->add_option("--nemesis-duration-ms", t.nemesis_duration_ms, "how long each fault lasts")->capture_default_str();
  test->add_option("--fiu-point", t.fiu_point, "libfiu point for the fiu fault")->capture_default_str();
  test->add_option("--fiu-probability", t.fiu_probability, "its probability")->capture_default_str();
  test->add_option("--nodes", t.nodes, "cluster size: 1, 3 or 5")->capture_default_str();
  test->add_option("--time-limit", t.time_limit_s, "seconds of the main phase")->capture_default_str();
  test->add_option("--rate", t.rate, "target ops/s over all clients (0 = unlimited)")->capture_default_str();
  test->add_option("--concurrency", t.concurrency, "client workers")->capture_default_str();
  test->add_option("--dispatcher-lanes", t.dispatcher_lanes, "2 or 4")->capture_default_str();
  test->add_option("--fsm-sync-mode", t.fsm_sync_mode, "sync or nosync")->capture_default_str();
  test->add_option("--lease-margin-ms", t.lease_margin_ms, "server lease safety margin")->capture_default_str();
  test->add_option("--seed", t.seed, "seed of the generator and the nemesis")->capture_default_str();
  test->add_option("--out", t.out, "run folder to create")->required();
  test->add_option("--op-timeout-ms", t.op_timeout_ms, "per-op deadline")->capture_default_str();
  test->add_option("--keys", t.active_keys, "keys in use at once")->capture_default_str();
  test->add_option("--ops-per-key", t.ops_per_key, "ops on a key before it is replaced")->capture_default_str();
  test->add_option("--tick-ms", t.tick_ms, "server --tick-ms")->capture_default_str();
  test->add_option("--election-ticks", t.election_ticks, "server --election-ticks")->capture_default_str();
  test->add_option("--heartbeat-ticks", t.heartbeat_ticks, "server --heartbeat-ticks")->capture_default_str();
  test->add_option("--check-timeout", t.check_timeout_s, "seconds the checker may search")->capture_default_str();
  std::string endpoints;
  test->add_option("--endpoints", endpoints,
                   "comma-separated host:port of running nodes to test instead of starting a cluster (no nemesis)");
  test->add_option("--server-binary", t.server_binary, "raftlab-server to run (default: beside this binary)");
  test->add_option("--system", t.system, "system under test: raftlab or etcd")->capture_default_str();
  test->add_option("--network", t.network,
                   "loopback (members share 127.0.0.1) or netns (each member in its own network namespace on a "
                   "bridge; partitions by iptables; needs root)")
      ->capture_default_str();
  test->add_option("--etcd-binary", t.etcd_binary, "etcd to run with --system etcd (default: etcd on PATH)");
  test->add_flag("--strict-bootstrap", t.strict_bootstrap,
                 "power-loss/torn-write: keep etcd's bootstrap directories as etcd left them (never fsynced), "
                 "instead of making them durable once the cluster is up");
  test->add_option("--unsafe-bug", t.unsafe_bugs,
                   "planted bugs NAME[,NAME] the servers run with (faults/bugs.h; for validating the harness)");
  AnalyzeCommand a;
  CLI::App* analyze = app.add_subcommand("analyze", "re-check a stored run folder and rewrite its report");
  analyze->add_option("dir", a.dir, "the run folder")->required();
  analyze->add_option("--check-timeout", a.check_timeout_s, "seconds the checker may search")->capture_default_str();
  ValidateOptions v;
  CLI::App* validate = app.add_subcommand(
      "validate", "run each planted bug's configuration over seeds, with controls; exit 0 when every bar is met");
  validate->add_option("--bugs", v.bugs, "all, or planted bugs a,b (faults/bugs.h)")->capture_default_str();
  auto* seeds_opt = validate->add_option("--seeds", v.seeds, "seeds per bug (1..N)")->capture_default_str();
  validate->add_option("--control-seeds", v.control_seeds, "seeds per configuration on the correct server")
      ->capture_default_str();
  validate->add_option("--time-limit", v.time_limit_s, "seconds of each run's main phase")->capture_default_str();
  validate->add_option("--min-detected", v.min_detected,
                       "seeds that must detect each bug (0 = its bar scaled to --seeds; for smoke checks)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  validate->add_flag("--quick", v.quick,
                     "one bug per class, 3 seeds and 30 s controls (unless --seeds / --control-time-limit are given)");
  validate->add_flag("--default-tests", v.default_tests,
                     "run each bug with its class's default test (no tuning flags) against the 7/10 bar");
  auto* control_limit_opt = validate->add_option("--control-time-limit", v.control_time_limit_s,
                                                 "seconds of each control run's main phase (default: --time-limit)");
  validate->add_option("--out", v.out, "folder for the runs and the table (default: runs/validate-<UTC time>)");
  validate->add_option("--check-every", v.check_every_s, "seconds between online checks of a bug run")
      ->capture_default_str();
  validate->add_option("--server-binary", v.server_binary, "raftlab-server to run (default: beside this binary)");
  MatrixOptions m;
  CLI::App* matrix = app.add_subcommand(
      "matrix", "run a matrix file's cells in a budget; index.html, junit.xml, summary.json; exit 0 all passed");
  matrix->add_option("--file", m.file, "the matrix file (JSON, see harness/matrix/spec.h)")->capture_default_str();
  matrix->add_option("--budget", m.budget, "wall time of this shard (90s, 60m, 2h): picks how many seeds fit");
  matrix->add_option("--seeds", m.seeds, "seeds per configuration (overrides --budget and the file)");
  matrix->add_option("--shard", m.shard, "run the i-th of n slices of the plan, i/n")->capture_default_str();
  matrix->add_option("--out", m.out, "the matrix folder (default: runs/matrix-<UTC time>)");
  matrix->add_option("--server-binary", m.server_binary, "raftlab-server every cell runs (default: beside this binary)");
  matrix->add_flag("--dry-run", m.dry_run, "print this shard's cells and exit");
  MatrixMergeOptions mm;
  CLI::App* merge = app.add_subcommand("matrix-merge", "join the folders of `matrix --shard i/n` runs into one");
  merge->add_option("--out", mm.out, "the merged matrix folder to create")->required();
  merge->add_option("shards", mm.shards, "the shard folders")->required();
  BenchCompareOptions b;
  CLI::App* bench = app.add_subcommand(
      "bench-compare", "the same load shapes against a 3-node etcd and a 3-node raftlab, alternating; a table of both");
  bench->add_option("--out", b.out, "folder for both clusters and bench-compare.md/.json")->required();
  bench->add_option("--rounds", b.rounds, "runs of each shape per system (medians are reported)")->capture_default_str();
  bench->add_option("--scale", b.scale, "multiplies each shape's request total (0.05 for a quick look)")
      ->capture_default_str();
  bench->add_option("--fsm-sync-mode", b.fsm_sync_mode, "raftlab's: sync or nosync (like etcd's background commits)")
      ->capture_default_str();
  bench->add_option("--server-binary", b.server_binary, "raftlab-server to run (default: beside this binary)");
  bench->add_option("--etcd-binary", b.etcd_binary, "etcd to run (default: etcd on PATH)");
  bench->add_option("--groups", b.groups, "then the 100-client put against raftlab with these group counts, comma-separated")
      ->delimiter(',')
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  bench->add_flag_callback("--no-groups", [&b] { b.groups.clear(); }, "skip the group-count comparison");
  bench->add_option("--baseline-binary", b.baseline_binary,
                    "also run the group-count comparison on this raftlab-server, side by side (e.g. main's)");
  bench->add_flag("--groups-only", b.groups_only, "run only the group-count comparison (no etcd)");
  if (argc < 2) return Bad("command line: expected a command: " + std::string(kCommands) + " (see --help)");
  if (argc >= 2) {
    const std::string first = argv[1];
    if (first != "test" && first != "analyze" && first != "validate" && first != "matrix" && first != "matrix-merge" &&
        first != "bench-compare" && first != "--help" && first != "-h" && first != "--help-all") {
      return Bad("command line: unknown command \"" + first + "\" (expected " + std::string(kCommands) + "; see --help)");
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    return Command(HelpShown{app.help()});
  } catch (const CLI::CallForAllHelp&) {
    return Command(HelpShown{app.help("", CLI::AppFormatMode::All)});
  } catch (const CLI::ParseError& e) {
    return Bad(std::string("command line: ") + e.what());
  }
  if (matrix->parsed()) {
    if (!m.server_binary.empty() && access(m.server_binary.c_str(), X_OK) != 0) {
      return Bad("--server-binary: " + m.server_binary + " is not an executable file");
    }
    return Command(m);
  }
  if (merge->parsed()) return Command(mm);
  if (validate->parsed()) {
    if (v.quick && seeds_opt->count() == 0) v.seeds = 3;
    if (v.quick && control_limit_opt->count() == 0) v.control_time_limit_s = kQuickControlTimeLimitS;
    if (control_limit_opt->count() > 0 && !(v.control_time_limit_s > 0)) {
      return Bad("--control-time-limit: must be a positive number of seconds");
    }
    if (v.seeds < 1 || v.seeds > 1000) return Bad("--seeds: must be between 1 and 1000");
    if (v.control_seeds < 0 || v.control_seeds > 1000) return Bad("--control-seeds: must be between 0 and 1000");
    if (!(v.time_limit_s > 0)) return Bad("--time-limit: must be a positive number of seconds");
    if (!(v.check_every_s > 0)) return Bad("--check-every: must be positive");
    if (!v.server_binary.empty() && access(v.server_binary.c_str(), X_OK) != 0) {
      return Bad("--server-binary: " + v.server_binary + " is not an executable file");
    }
    if (auto b = SelectBugs(v.bugs, v.quick); !b.ok()) return b.status();
    return Command(v);
  }
  if (bench->parsed()) {
    if (b.rounds < 1 || b.rounds > 100) return Bad("--rounds: must be between 1 and 100");
    if (b.fsm_sync_mode != "sync" && b.fsm_sync_mode != "nosync") {
      return Bad("--fsm-sync-mode: must be sync or nosync, not \"" + b.fsm_sync_mode + "\"");
    }
    if (!(b.scale > 0 && b.scale <= 100)) return Bad("--scale: must be in (0, 100]");
    if (!b.server_binary.empty() && access(b.server_binary.c_str(), X_OK) != 0) {
      return Bad("--server-binary: " + b.server_binary + " is not an executable file");
    }
    if (!b.etcd_binary.empty() && access(b.etcd_binary.c_str(), X_OK) != 0) {
      return Bad("--etcd-binary: " + b.etcd_binary + " is not an executable file");
    }
    return Command(b);
  }
  if (analyze->parsed()) {
    if (!(a.check_timeout_s > 0)) return Bad("--check-timeout: must be positive");
    return Command(a);
  }
  if (auto w = workloads::MakeWorkload(t.workload, {}); !w.ok()) return w.status();
  // Against --endpoints no faults run unless asked for (and then refused below).
  const bool nemesis_given = test->get_option("--nemesis")->count() > 0;
  if (!nemesis_given) {
    nemesis = !endpoints.empty()      ? "none"
              : t.system == "raftlab" ? DefaultNemesis(t.workload)
              : t.network == "netns"  ? "partition,kill,pause"
                                      : "kill,pause";
  }
  if (auto b = faults::ParsePlantedBugs(t.unsafe_bugs); !b.ok()) return b.status();
  auto faults = ParseNemesisList(nemesis);
  if (!faults.ok()) return faults.status();
  t.nemesis = *faults;
  for (size_t start = 0; !endpoints.empty() && start <= endpoints.size();) {
    size_t comma = endpoints.find(',', start);
    t.endpoints.push_back(endpoints.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  if (!t.endpoints.empty() && !t.nemesis.empty()) {
    return Bad("--endpoints: faults need a cluster the harness starts; add --nemesis none");
  }
  if (auto s = Validate(t); !s.ok()) return s;
  t.command = QuoteCommand(argc, argv);
  return Command(t);
}

}  // namespace raftlab::harness
