#pragma once
// raftlab-harness validate: proves the harness catches the planted bugs of faults/bugs.h.
//
// For each selected bug, the configuration its catalogue entry names runs over seeds
// 1..N against servers started with --unsafe-bug <bug>; each distinct configuration also
// runs against the correct server (the control). Every run is a `raftlab-harness test`
// child process with its own run folder under the validate folder. A bug run is checked
// online: every few seconds the history's prefix is checked, and the run is stopped (SIGTERM:
// teardown, prefix re-checked, report written) at its first violation.
//
// The result is a table (stdout, validate.json, validate.html): per bug, detected seeds / N,
// the median time from the start to the first violating op, the checker's summary and the
// fault that overlapped that op; per control, valid runs / runs. A bug whose prerequisite
// (bugs.h `needs`) the harness lacks is listed as "needs <what>" and not run.
//
// Threads: one thread (main) runs everything, one child at a time.

#include <atomic>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "faults/bugs.h"

namespace raftlab::harness {

struct ValidateOptions {
  std::string bugs = "all";  // "all" or a,b
  int seeds = 10;
  int control_seeds = 1;  // seeds per distinct configuration on the correct server
  double time_limit_s = 60;
  bool quick = false;          // one bug per class, 3 seeds (unless --seeds is given)
  // Run each bug with its class's default test (DefaultTestFlags) and bar 7/10 instead of
  // the configuration its catalogue entry names.
  bool default_tests = false;
  // Main phase of the control runs; 0 = time_limit_s.
  double control_time_limit_s = 0;
  std::string out;             // default: runs/validate-<UTC time>
  std::string server_binary;   // passed to each test; default: beside the harness
  double check_every_s = 5;    // online check period of bug runs
  // Seeds that must detect a bug for it to pass; 0 = its bar scaled to --seeds. Lower only
  // for smoke checks (ctest), where a short run must not fail on one unlucky seed.
  int min_detected = 0;
  bool progress_tty = false;
};

// Control runs of --quick are this long: a correct server's history at the configuration,
// not the time a bug takes to show.
inline constexpr double kQuickControlTimeLimitS = 30;

// The bugs to run, in catalogue order: "all" or named ones; --quick keeps the first of each
// class. An unknown name is an error naming it.
absl::StatusOr<std::vector<const faults::PlantedBug*>> SelectBugs(const std::string& csv, bool quick);

// What the harness lacks to expose the bug (its `needs`, when that is neither a known
// workload nor a known nemesis); empty when nothing is missing.
std::string MissingPrerequisite(const faults::PlantedBug& bug);

// The default test that must catch every bug of a class with no tuning flags: the
// `raftlab-harness test` flags naming the workload whose defaults are that test
// (lease-register for lease bugs, list-append for durability bugs, register otherwise).
std::string DefaultTestFlags(std::string_view bug_class);
// Seeds out of 10 in which a bug's class default test must detect it.
inline constexpr int kDefaultTestBar = 7;

// The test flags of a configuration, split on spaces.
std::vector<std::string> SplitFlags(std::string_view flags);

// One finished run, as read back from its results.json.
struct RunOutcome {
  uint64_t seed = 0;
  std::string dir;
  std::string verdict;  // valid, invalid, unknown, or "error" (no results)
  std::string summary;
  std::optional<double> violation_s;  // invoke time of the first violating op
  std::string fault;                  // the fault(s) overlapping that op
  std::vector<std::string> findings;  // availability findings of the report, if any
  std::optional<double> finding_s;    // when the first unexplained node exit was seen
  double wall_s = 0;
};

// Whether a run caught `bug`: an invalid history, or for a liveness bug an availability
// finding too.
bool Detects(const RunOutcome& run, const faults::PlantedBug& bug);
// Whether a control run on the correct server passed: valid and no availability finding.
bool ControlPassed(const RunOutcome& run);

// Reads DIR/results.json; missing or malformed gives verdict "error" with the reason.
RunOutcome ReadRunOutcome(const std::string& dir);

struct BugRow {
  const faults::PlantedBug* bug = nullptr;
  std::string config;  // the test flags run; empty = the bug's exposed_by
  int bar = 0;         // seeds out of 10; 0 = the bug's own bar
  std::string missing;  // non-empty: not run
  std::vector<RunOutcome> runs;
  int detected = 0;
  std::optional<double> median_violation_s;
  std::string summary, fault;  // of the first detecting run
  bool meets_bar = false;
};

struct ControlRow {
  std::string config;
  std::vector<std::string> bugs;  // the bugs that share it
  std::vector<RunOutcome> runs;
  int valid = 0;
};

// Fills detected, the median, the first summary/fault and meets_bar from runs (the row's
// bar out of 10, scaled to the number of seeds and rounded up, or min_detected when
// positive).
void SummarizeBugRow(BugRow* row, int min_detected = 0);

// The table as text, JSON and a self-contained HTML page.
std::string ValidateTableText(const std::vector<BugRow>& bugs, const std::vector<ControlRow>& controls);
std::string ValidateJson(const std::vector<BugRow>& bugs, const std::vector<ControlRow>& controls,
                         const ValidateOptions& options);
std::string ValidateHtml(const std::vector<BugRow>& bugs, const std::vector<ControlRow>& controls,
                         const ValidateOptions& options);

// 0 when every bug that ran meets its bar and every control run is valid, 1 otherwise, 3 on
// a harness error (a run without results) or when stopped.
int RunValidate(const ValidateOptions& options, const std::atomic<bool>& stop);

}  // namespace raftlab::harness
