#pragma once
// What one matrix cell came to, read back from its run folder, and the matrix's
// summary.json (written by a run or a shard, read back by matrix-merge).
//
// A cell's status: "passed" (its verdict is the one expected, and a correct-server run has
// no availability finding and is meaningful), "failed" (invalid, unknown, a finding, not
// meaningful, or a planted bug not caught), "error" (the harness did not produce a
// result), "skipped" (the shard's budget ran out before it).

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"
#include "harness/matrix/spec.h"

namespace raftlab::harness {

struct CellResult {
  MatrixCell cell;
  std::string status;   // passed, failed, error, skipped
  std::string verdict;  // valid, invalid, unknown, error, skipped (validate cells: met, not met)
  std::string summary;
  std::string command;  // the exact command line, to reproduce
  std::string dir;      // run folder, relative to the matrix folder
  std::string report;   // report page, relative to the matrix folder ("" when none)
  std::string log;      // the child's output, relative to the matrix folder
  int64_t ops = -1;     // client ops in the history (-1 unknown)
  std::vector<std::string> faults;    // fault names started, in order of first start
  int fault_count = 0;
  nlohmann::json coverage = nlohmann::json::object();  // the run's coverage counters
  std::vector<std::string> findings;  // availability findings and not-meaningful warnings
  double wall_s = 0;
};

// Fills status, verdict, summary, ops, faults, coverage and findings of a test cell from
// its run folder (matrix folder + result->dir).
void ReadTestCellResult(const std::string& matrix_dir, CellResult* result);
// The same for a validate cell, from its exit status and validate.json.
void ReadValidateCellResult(const std::string& matrix_dir, int exit_code, CellResult* result);

// Failed and error cells first, then skipped, then passed; plan order within each.
std::vector<CellResult> ReportOrder(std::vector<CellResult> results);

// 0 every cell passed (skipped cells aside), 1 a cell failed, 3 a cell had a harness error
// and none failed.
int MatrixExitCode(const std::vector<CellResult>& results);

struct MatrixSummary {
  std::string matrix;  // the matrix file
  std::string digest;
  int seeds = 0;
  double budget_s = 0;
  int shard_count = 1;
  std::vector<int> shards;  // which shards this folder holds
  int planned = 0;          // cells in the whole plan (all shards)
  double wall_s = 0;
  std::vector<CellResult> cells;  // plan order
};

nlohmann::json SummaryJson(const MatrixSummary& s);
absl::StatusOr<MatrixSummary> ParseSummaryJson(const std::string& text, const std::string& path);

}  // namespace raftlab::harness
