#pragma once
// Analysis of a run folder: reads history.jsonl, separates the nemesis events (recorder.h)
// from the client events, checks the client history with the workload's checker model,
// and writes results.json and report.html. `raftlab-harness analyze DIR` and the end of
// every test run come here.
//
// The checkers see the client events alone, renumbered 0..n-1; file_index maps each back
// to its index in history.jsonl, and every index shown in results.json, the summary and
// the report is a history.jsonl index.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "checkers/history.h"
#include "checkers/report.h"

namespace raftlab::harness {

// One fault from its start event to its stop event (end_ns = -1: never stopped).
struct NemesisInterval {
  std::string fault, detail;
  int64_t start_ns = 0, end_ns = -1;
  int64_t start_index = 0, end_index = -1;
};

struct Analysis {
  checkers::History history;  // client events only
  std::vector<checkers::Op> ops;
  std::vector<int64_t> file_index;  // client event position -> history.jsonl index
  std::vector<NemesisInterval> nemesis;
  checkers::CheckReport report;
  std::string summary;  // one line: "valid: ..." / "invalid: ..." / "unknown: ..."
  std::string text;     // the checkers' readable counterexample blocks
};

struct AnalyzeOptions {
  checkers::ModelKind model = checkers::ModelKind::kCasRegister;
  double timeout_seconds = 120;
};

// Reads and checks one history file; an error names the file, line and field.
absl::StatusOr<Analysis> AnalyzeHistory(const std::string& path, const AnalyzeOptions& options);

// "index 12" in text -> "index <file_index[12]>".
std::string MapIndices(const std::string& text, const std::vector<int64_t>& file_index);

// The process exit status for a verdict: 0 valid, 1 invalid, 2 unknown.
int ExitCodeFor(checkers::Verdict verdict);

// Analyzes DIR (its params.json names the workload) and writes DIR/results.json and
// DIR/report.html. Returns the exit code (0/1/2), or an error (the caller exits 3).
// A run stopped early has "interrupted": true in params.json (shown in the report).
absl::StatusOr<int> AnalyzeRunDir(const std::string& dir, double timeout_seconds, std::string* summary);

}  // namespace raftlab::harness
