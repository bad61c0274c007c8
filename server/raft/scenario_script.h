#pragma once
// Scenario scripts: the file format of data-driven tests (etcd/raft's testdata/*.txt, run by
// cockroachdb/datadriven there). A file is a sequence of cases:
//
//   # comment lines and blank lines are kept as they are
//   command arg arg key=value key=(1,2,3)
//   ----
//   expected output, one or more lines, ended by a blank line or the end of the file
//
// RunScript runs every command through a handler, in order, and compares what it printed
// with the expected block. With rewrite set, the file is written back with the actual
// output instead, so a protocol change shows up as a reviewable diff of the testdata.
// Output must not contain blank lines (they would end the block); the handler's output is
// checked for that.

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace raftlab::raft::scenario {

// One parsed command line. Positional arguments keep their order; key=value and
// key=(a,b,c) arguments are looked up by key.
struct Command {
  std::string file;
  int line = 0;
  std::string text;  // the command line as written
  std::string name;
  std::vector<std::string> args;
  std::map<std::string, std::vector<std::string>> kv;

  // "file:line: " for errors about this command.
  std::string Where() const;
  bool Has(const std::string& key) const { return kv.count(key) != 0; }
  // The single value of key, or fallback when absent; an error when it is not a number.
  absl::StatusOr<uint64_t> Uint(const std::string& key, uint64_t fallback) const;
  absl::StatusOr<bool> Bool(const std::string& key, bool fallback) const;
  absl::StatusOr<std::string> String(const std::string& key, const std::string& fallback) const;
  // All values of key as numbers (key=(1,2,3) or key=1).
  absl::StatusOr<std::vector<uint64_t>> Uints(const std::string& key) const;
  // Positional arguments as node ids.
  absl::StatusOr<std::vector<uint64_t>> ArgIds() const;
};

// Parses one command line; errors name the file and line.
absl::StatusOr<Command> ParseCommand(const std::string& file, int line, const std::string& text);

// Runs a command and returns what it printed. A non-OK status is an error in the script
// itself (unknown command, bad argument); it fails the run and is never written back.
using CommandHandler = std::function<absl::StatusOr<std::string>(const Command&)>;

struct ScriptResult {
  int cases = 0;
  // One entry per case whose output differs: location, command, expected and actual.
  std::vector<std::string> mismatches;
};

// Runs the script at path. With rewrite, writes the actual outputs back into the file.
// The status is an error for unreadable files, malformed scripts and script errors.
absl::StatusOr<ScriptResult> RunScript(const std::string& path, const CommandHandler& handler,
                                       bool rewrite);

}  // namespace raftlab::raft::scenario
