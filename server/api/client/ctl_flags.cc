#include "server/api/client/ctl_flags.h"

#include <CLI/CLI.hpp>

#include <map>

#include "absl/strings/str_split.h"
#include "server/api/client/endpoint_check.h"
#include "server/api/client/kv_client.h"

namespace raftlab::client {
namespace {

absl::Status Invalid(const std::string& msg) { return absl::InvalidArgumentError(msg); }

const std::map<std::string, kv::ReadMode>& ReadModes() {
  static const std::map<std::string, kv::ReadMode> modes{{"linearizable", kv::READ_MODE_LINEARIZABLE},
                                                         {"lease", kv::READ_MODE_LEASE},
                                                         {"stale", kv::READ_MODE_STALE}};
  return modes;
}

void AddReadMode(CLI::App* app, std::string* mode) {
  app->add_option("--read-mode", *mode, "linearizable, lease or stale")
      ->check(CLI::IsMember({"linearizable", "lease", "stale"}))
      ->capture_default_str();
}

// Checks that only apply once the subcommand is known.
absl::Status Finish(CtlCommand& c, const std::string& endpoints, const std::string& read_mode,
                    const std::vector<std::string>& cas_args, bool expect_absent, const std::string& bench_op,
                    const std::string& target) {
  c.endpoints = absl::StrSplit(endpoints, ',', absl::SkipWhitespace());
  if (auto s = ValidateEndpoints(c.endpoints, "--endpoints"); !s.ok()) return s;
  if (c.timeout_ms <= 0) return Invalid("--timeout-ms: must be positive, got " + std::to_string(c.timeout_ms));
  c.read_mode = ReadModes().at(read_mode);
  if (c.name == "cas") {
    size_t want = expect_absent ? 2 : 3;
    if (cas_args.size() != want) {
      return Invalid(std::string(expect_absent ? "cas --expect-absent: expected KEY NEW"
                                               : "cas: expected KEY OLD NEW (or --expect-absent KEY NEW)") +
                     "; got " + std::to_string(cas_args.size()) + " arguments");
    }
    c.key = cas_args.front();
    c.value = cas_args.back();
    if (!expect_absent) c.expected = cas_args[1];
  }
  if (c.name == "fault") {
    if (c.fault_action != "list" && c.fault_name.empty()) return Invalid("fault " + c.fault_action + ": NAME is required");
    if (c.probability < 0 || c.probability > 1) return Invalid("--probability: must be in [0, 1]");
  }
  if (c.name == "partition" || (c.name == "heal" && !c.node.empty())) {
    if (auto s = ValidateEndpoints({c.node}, "NODE_ENDPOINT"); !s.ok()) return s;
  }
  if (c.name == "clock" && c.rate < 0) return Invalid("--rate: must not be negative");
  if (c.name == "transfer" && c.to == 0) return Invalid("--to: must name a node id (positive)");
  if (c.name == "bench") {
    c.bench.op = bench_op == "put" ? BenchConfig::Op::kPut : BenchConfig::Op::kGet;
    c.bench.target = target == "all" ? BenchConfig::Target::kAll : BenchConfig::Target::kLeader;
    c.bench.read_mode = c.read_mode;
    c.bench.timeout_ms = c.timeout_ms;
    if (auto s = ValidateBenchConfig(c.bench); !s.ok()) return s;
  }
  return absl::OkStatus();
}

// CLI11 only says a subcommand is required; name the word that is not one.
absl::Status NoCommand(const CLI::App& app, const std::vector<std::string>& args) {
  std::string commands;
  for (const CLI::App* sub : app.get_subcommands({})) commands += (commands.empty() ? "" : ", ") + sub->get_name();
  for (size_t i = 1; i < args.size(); ++i) {
    if (args[i] == "--endpoints" || args[i] == "--timeout-ms") {
      ++i;
    } else if (!args[i].starts_with("-")) {
      return Invalid("unknown command '" + args[i] + "' (commands: " + commands + ")");
    }
  }
  return Invalid("a command is required: " + commands);
}

}  // namespace

absl::StatusOr<CtlCommand> ParseCtlArgs(const std::vector<std::string>& args) {
  CtlCommand c;
  std::string endpoints, read_mode = "linearizable", bench_op, target = "leader";
  std::vector<std::string> cas_args;
  bool expect_absent = false;

  CLI::App app("raftlab-ctl: client for raftlab-server (follows leader redirects)", "raftlab-ctl");
  app.fallthrough();
  app.require_subcommand(1);
  app.add_option("--endpoints", endpoints, "Servers to contact: host:port,...")->required();
  app.add_option("--timeout-ms", c.timeout_ms, "Deadline of each operation")->capture_default_str();

  auto* put = app.add_subcommand("put", "Write KEY = VALUE");
  put->add_option("KEY", c.key)->required();
  put->add_option("VALUE", c.value)->required();

  auto* get = app.add_subcommand("get", "Print the value of KEY (exit 1 and 'not found' when absent)");
  get->add_option("KEY", c.key)->required();
  AddReadMode(get, &read_mode);

  auto* del = app.add_subcommand("delete", "Remove KEY");
  del->add_option("KEY", c.key)->required();

  auto* cas = app.add_subcommand("cas", "Set KEY to NEW iff it is OLD (exit 1 when not swapped)");
  cas->add_option("KEY OLD NEW", cas_args, "KEY OLD NEW, or KEY NEW with --expect-absent")->required();
  cas->add_flag("--expect-absent", expect_absent, "Swap only if KEY is absent");

  auto* scan = app.add_subcommand("scan", "Print the pairs in [START, END)");
  scan->add_option("START", c.start)->required();
  scan->add_option("END", c.end, "Exclusive end; omitted = end of the key space");
  scan->add_option("--limit", c.limit, "At most this many pairs (0 = server limit)");
  AddReadMode(scan, &read_mode);

  app.add_subcommand("status", "Print each node's groups: leader, term, commit, applied, role");

  auto* fault = app.add_subcommand("fault", "Fault points on every --endpoints node: enable|disable|list NAME");
  fault->add_option("ACTION", c.fault_action)->required()->check(CLI::IsMember({"enable", "disable", "list"}));
  fault->add_option("NAME", c.fault_name, "Fault point, e.g. raftlab/wal/fsync");
  fault->add_option("--probability", c.probability, "Chance in [0, 1] per pass; 0 = always");
  fault->add_option("--failnum", c.failnum, "Value handed to the failing code (errno, delay ms); 0 = default");
  fault->add_flag("--one-shot", c.one_shot, "Fire once, then disable");

  auto* partition = app.add_subcommand("partition", "Make NODE_ENDPOINT drop raft traffic with the --isolate peers");
  partition->add_option("NODE_ENDPOINT", c.node)->required();
  partition->add_option("--isolate", c.isolate, "Peer node ids: ID,...")->required()->delimiter(',');
  partition
      ->add_option("--direction", c.direction,
                   "Which traffic NODE_ENDPOINT drops: both, inbound (from the peers) or outbound (to them)")
      ->transform(CLI::CheckedTransformer(std::map<std::string, admin::PartitionDirection>{
          {"both", admin::PARTITION_DIRECTION_BOTH},
          {"inbound", admin::PARTITION_DIRECTION_INBOUND},
          {"outbound", admin::PARTITION_DIRECTION_OUTBOUND}}))
      ->capture_default_str();

  auto* heal = app.add_subcommand("heal", "Remove partitions on NODE_ENDPOINT (default: every --endpoints node)");
  heal->add_option("NODE_ENDPOINT", c.node);

  auto* clock = app.add_subcommand("clock", "Skew the clock of every --endpoints node");
  clock->add_option("--offset-ms", c.offset_ms, "Offset added to the monotonic clock")->capture_default_str();
  clock->add_option("--rate", c.rate, "Clock speed relative to real time")->capture_default_str();

  auto* transfer = app.add_subcommand("transfer", "Move a group's leadership to node --to");
  transfer->add_option("--group", c.group)->capture_default_str();
  transfer->add_option("--to", c.to, "Target node id")->required();

  auto* snapshot = app.add_subcommand("snapshot", "Snapshot a group on every --endpoints node");
  snapshot->add_option("--group", c.group)->capture_default_str();

  BenchConfig& b = c.bench;
  auto* bench = app.add_subcommand("bench", "Load test shaped like etcd's benchmark tool (exit 1 if any request failed)");
  bench->add_option("OP", bench_op)->required()->check(CLI::IsMember({"put", "get"}));
  bench->add_option("--clients", b.clients, "Concurrent clients")->capture_default_str();
  bench->add_option("--conns", b.conns, "gRPC connections shared by the clients")->capture_default_str();
  bench->add_option("--total", b.total, "Requests in all")->capture_default_str();
  bench->add_option("--key-size", b.key_size, "Key bytes")->capture_default_str();
  bench->add_option("--val-size", b.val_size, "Value bytes (put)")->capture_default_str();
  bench->add_option("--key-space", b.key_space, "Distinct keys")->capture_default_str();
  bench->add_flag("--sequential-keys", b.sequential_keys, "Walk the key space in order");
  AddReadMode(bench, &read_mode);
  bench->add_option("--target", target, "leader, or all endpoints")
      ->check(CLI::IsMember({"leader", "all"}))
      ->capture_default_str();
  bench->add_option("--seed", b.seed, "Seed of key choice and value bytes")->capture_default_str();
  bench->add_option("--json", b.json_path, "Also write the figures to this JSON file");

  c.usage = app.help();
  std::vector<std::string> rev(args.rbegin(), args.rend());
  if (!rev.empty()) rev.pop_back();  // argv[0]
  try {
    app.parse(rev);
  } catch (const CLI::CallForHelp&) {
    c.help = true;
    for (const CLI::App* sub : app.get_subcommands()) c.usage = sub->help();
    return c;
  } catch (const CLI::ParseError& e) {
    if (app.get_subcommands().empty()) return NoCommand(app, args);
    return Invalid(std::string(e.what()) + " (see --help)");
  }
  c.name = app.get_subcommands().front()->get_name();
  if (auto s = Finish(c, endpoints, read_mode, cas_args, expect_absent, bench_op, target); !s.ok()) return s;
  return c;
}

}  // namespace raftlab::client
