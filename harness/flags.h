#pragma once
// The raftlab-harness command line:
//   raftlab-harness test --workload W --nemesis a,b --nodes 1|3|5 --time-limit S --rate R
//                        --concurrency C --dispatcher-lanes 2|4 --fsm-sync-mode sync|nosync
//                        --seed N --out DIR [more: see --help]
//   raftlab-harness analyze DIR [--check-timeout S]
//   raftlab-harness validate [--bugs all|a,b] [--seeds N] [--time-limit S] [--quick]
//   raftlab-harness matrix [--file F] [--budget 60m] [--seeds N] [--shard i/n] [--out DIR]
//   raftlab-harness matrix-merge --out DIR SHARD_DIR...
//   raftlab-harness bench-compare --out DIR [--rounds N] [--scale X]
// Every bad flag gives one message naming the flag; the caller exits 3.

#include <string>
#include <variant>

#include "absl/status/statusor.h"
#include "harness/etcd/bench_compare.h"
#include "harness/matrix/options.h"
#include "harness/runner.h"
#include "harness/validate.h"

namespace raftlab::harness {

struct AnalyzeCommand {
  std::string dir;
  double check_timeout_s = 120;
};

struct HelpShown {
  std::string text;
};

using Command = std::variant<TestOptions, AnalyzeCommand, ValidateOptions, MatrixOptions, MatrixMergeOptions,
                             BenchCompareOptions, HelpShown>;

// Parses argv (argv[0] is the program). TestOptions::command is the exact command line.
absl::StatusOr<Command> ParseCommandLine(int argc, const char* const* argv);

// The faults a workload's test runs when --nemesis is not given.
std::string DefaultNemesis(const std::string& workload);

// argv joined with shell quoting where needed.
std::string QuoteCommand(int argc, const char* const* argv);

}  // namespace raftlab::harness
