// validate's pure parts: bug selection, prerequisites, the catalogue's configurations as
// harness command lines, reading a run's results and summarizing a row against its bar.
#include "harness/validate.h"

#include <algorithm>
#include <fstream>
#include <set>

#include <gtest/gtest.h>

#include "harness/flags.h"
#include "harness/nemesis.h"
#include "harness/test_util.h"
#include "workloads/workload.h"

namespace raftlab::harness {
namespace {

TEST(ValidateSelect, AllIsTheWholeCatalogueInOrder) {
  auto all = SelectBugs("all", false);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), faults::kAllPlantedBugs.size());
  for (size_t i = 0; i < all->size(); ++i) EXPECT_EQ((*all)[i], &faults::kAllPlantedBugs[i]);
}

TEST(ValidateSelect, QuickKeepsTheFirstBugOfEachClass) {
  auto quick = SelectBugs("all", true);
  ASSERT_TRUE(quick.ok());
  std::set<std::string_view> classes, all_classes;
  for (const auto& b : faults::kAllPlantedBugs) all_classes.insert(b.bug_class);
  for (const faults::PlantedBug* b : *quick) EXPECT_TRUE(classes.insert(b->bug_class).second) << b->name;
  EXPECT_EQ(classes, all_classes);
  EXPECT_EQ((*quick)[0]->name, std::string(faults::kAllPlantedBugs[0].name));
}

TEST(ValidateSelect, NamedBugsAndUnknownNames) {
  auto two = SelectBugs("vote-not-persisted,follower-local-read", false);
  ASSERT_TRUE(two.ok());
  ASSERT_EQ(two->size(), 2u);
  EXPECT_EQ(std::string((*two)[0]->name), "follower-local-read") << "catalogue order";
  auto bad = SelectBugs("follower-local-read,nope", false);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("--bugs: unknown bug \"nope\""), std::string::npos) << bad.status();
}

bool Known(std::string_view name) {
  const auto& w = workloads::WorkloadNames();
  const auto& n = NemesisNames();
  return std::find(w.begin(), w.end(), name) != w.end() || std::find(n.begin(), n.end(), name) != n.end();
}

TEST(ValidatePrerequisites, MissingIsTheNeedExactlyWhenTheHarnessLacksIt) {
  for (const faults::PlantedBug& b : faults::AllPlantedBugs()) {
    const std::string missing = MissingPrerequisite(b);
    if (b.needs.empty() || Known(b.needs)) {
      EXPECT_EQ(missing, "") << b.name;
    } else {
      EXPECT_EQ(missing, b.needs) << b.name;
    }
  }
}

// Every configuration the catalogue names is a valid `raftlab-harness test` command once its
// prerequisite exists, so validate never fails on a typo in bugs.h.
TEST(ValidateCatalogue, EveryRunnableConfigurationParsesAsATestCommand) {
  testing::TempDir tmp;
  for (const faults::PlantedBug& b : faults::AllPlantedBugs()) {
    if (!MissingPrerequisite(b).empty()) continue;
    std::vector<std::string> args = {"raftlab-harness", "test"};
    for (auto& f : SplitFlags(b.exposed_by)) args.push_back(f);
    args.insert(args.end(), {"--seed", "3", "--time-limit", "60", "--out", tmp.path() + "/run", "--unsafe-bug", b.name});
    std::vector<const char*> argv;
    for (const auto& a : args) argv.push_back(a.c_str());
    auto c = ParseCommandLine(static_cast<int>(argv.size()), argv.data());
    ASSERT_TRUE(c.ok()) << b.name << ": " << c.status();
    const auto& t = std::get<TestOptions>(*c);
    EXPECT_EQ(t.unsafe_bugs, b.name);
    EXPECT_EQ(t.seed, 3u);
  }
}

TEST(ValidateCommandLine, QuickDefaultsToThreeSeedsAndBadValuesNameTheFlag) {
  auto parse = [](std::vector<const char*> args) {
    args.insert(args.begin(), "raftlab-harness");
    return ParseCommandLine(static_cast<int>(args.size()), args.data());
  };
  auto q = parse({"validate", "--quick"});
  ASSERT_TRUE(q.ok()) << q.status();
  EXPECT_EQ(std::get<ValidateOptions>(*q).seeds, 3);
  auto q5 = parse({"validate", "--quick", "--seeds", "5", "--bugs", "follower-local-read"});
  ASSERT_TRUE(q5.ok()) << q5.status();
  EXPECT_EQ(std::get<ValidateOptions>(*q5).seeds, 5);
  EXPECT_EQ(std::get<ValidateOptions>(*q5).bugs, "follower-local-read");
  EXPECT_DOUBLE_EQ(std::get<ValidateOptions>(*q).control_time_limit_s, kQuickControlTimeLimitS);
  auto d = parse({"validate", "--default-tests", "--control-time-limit", "20"});
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_TRUE(std::get<ValidateOptions>(*d).default_tests);
  EXPECT_DOUBLE_EQ(std::get<ValidateOptions>(*d).control_time_limit_s, 20);
  auto bad_limit = parse({"validate", "--control-time-limit", "0"});
  ASSERT_FALSE(bad_limit.ok());
  EXPECT_NE(bad_limit.status().message().find("--control-time-limit"), std::string::npos);
  auto bad = parse({"validate", "--seeds", "0"});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("--seeds"), std::string::npos);
  auto unknown = parse({"validate", "--bugs", "lease-forever"});
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("lease-forever"), std::string::npos);
}

TEST(ValidateResults, FirstViolationTimeAndTheFaultOverlappingIt) {
  testing::TempDir tmp;
  std::ofstream(tmp.path() + "/results.json") << R"({
    "verdict": "invalid", "summary": "invalid: key k1: stale read",
    "nemesis": [
      {"fault": "partition-leader", "detail": "[1] | [2,3]", "start_ns": 1000000000, "end_ns": 4000000000},
      {"fault": "kill-leader", "detail": "n2", "start_ns": 6000000000, "end_ns": 7000000000}],
    "checker": {"counterexamples": [
      {"key": "k1", "failed_op": {"invoke_time": 8000000000, "complete_time": 8100000000}},
      {"key": "k2", "failed_op": {"invoke_time": 3500000000, "complete_time": 3600000000}}]}})";
  RunOutcome r = ReadRunOutcome(tmp.path());
  EXPECT_EQ(r.verdict, "invalid");
  ASSERT_TRUE(r.violation_s.has_value());
  EXPECT_DOUBLE_EQ(*r.violation_s, 3.5);
  EXPECT_EQ(r.fault, "partition-leader [1] | [2,3]");
}

TEST(ValidateResults, AViolationAfterEveryFaultNamesTheLastOne) {
  testing::TempDir tmp;
  std::ofstream(tmp.path() + "/results.json") << R"({"verdict": "invalid", "summary": "s",
    "nemesis": [{"fault": "pause-leader", "detail": "n1", "start_ns": 1000000000, "end_ns": 2000000000}],
    "checker": {"counterexamples": [{"failed_op": {"invoke_time": 2500000000, "complete_time": 2600000000}}]}})";
  EXPECT_EQ(ReadRunOutcome(tmp.path()).fault, "after pause-leader n1 (ended 0.5 s before)");
}

TEST(ValidateResults, AvailabilityFindingsDetectLivenessBugsAndTwoLeadersInATermAnyBug) {
  testing::TempDir tmp;
  std::ofstream(tmp.path() + "/results.json") << R"({"verdict": "valid", "summary": "valid: 10 ops",
    "coverage": {"availability": {"findings": ["node 2 did not come back after the final restart"]}}})";
  RunOutcome r = ReadRunOutcome(tmp.path());
  ASSERT_EQ(r.findings.size(), 1u);
  EXPECT_TRUE(Detects(r, faults::kRestartAfterSnapshotBug)) << "a liveness bug";
  EXPECT_FALSE(Detects(r, faults::kFollowerLocalReadBug)) << "a safety bug needs an invalid history";
  r.findings.push_back("election safety violated: nodes 1, 3 each became leader of group 1 in term 7");
  EXPECT_TRUE(Detects(r, faults::kVoteNotPersistedBug)) << "two leaders in one term are unsafe in any history";
  EXPECT_FALSE(ControlPassed(r));
  r.findings.pop_back();
  EXPECT_FALSE(ControlPassed(r)) << "a finding on the correct server fails its control";
  r.findings.clear();
  EXPECT_TRUE(ControlPassed(r));
}

TEST(ValidateResults, AListAppendAnomalyIsTimedByTheLastOfItsWitnessOps) {
  testing::TempDir tmp;
  std::ofstream(tmp.path() + "/results.json") << R"({
    "verdict": "invalid", "summary": "invalid: list-append: duplicate-elements",
    "nemesis": [{"fault": "kill", "detail": "node 2", "start_ns": 1000000000, "end_ns": 2000000000}],
    "checker": {"list_append": {"anomalies": [
      {"type": "duplicate-elements", "ops": [{"invoke_time": 2500000000, "complete_time": 2600000000}]},
      {"type": "G1c", "ops": [{"invoke_time": 1500000000, "complete_time": 1600000000},
                              {"invoke_time": 3000000000, "complete_time": 3100000000}]}]}}})";
  RunOutcome r = ReadRunOutcome(tmp.path());
  ASSERT_TRUE(r.violation_s.has_value());
  EXPECT_DOUBLE_EQ(*r.violation_s, 2.5);
  EXPECT_EQ(r.fault, "after kill node 2 (ended 0.5 s before)");
}

TEST(ValidateResults, ALivenessFindingIsTimedByTheFirstUnexplainedExit) {
  testing::TempDir tmp;
  std::ofstream(tmp.path() + "/results.json") << R"({
    "verdict": "valid", "summary": "valid",
    "coverage": {"availability": {"findings": ["node 2 stopped at 9.5 s with no fault to explain it"],
      "unexplained_exits": [{"node": 2, "at_s": 9.5}, {"node": 2, "at_s": 12.0}]}}})";
  RunOutcome r = ReadRunOutcome(tmp.path());
  ASSERT_TRUE(r.finding_s.has_value());
  EXPECT_DOUBLE_EQ(*r.finding_s, 9.5);
  BugRow row;
  row.bug = &faults::kRestartAfterSnapshotBug;  // a liveness bug
  row.runs = {r};
  SummarizeBugRow(&row);
  EXPECT_EQ(row.detected, 1);
  ASSERT_TRUE(row.median_violation_s.has_value());
  EXPECT_DOUBLE_EQ(*row.median_violation_s, 9.5);
}

TEST(ValidateResults, MissingResultsIsAnError) {
  testing::TempDir tmp;
  RunOutcome r = ReadRunOutcome(tmp.path() + "/none");
  EXPECT_EQ(r.verdict, "error");
  EXPECT_NE(r.summary.find("no results.json"), std::string::npos);
}

TEST(ValidateSummary, BarScalesToTheSeedsAndTheMedianIsOfDetectedRuns) {
  BugRow row;
  row.bug = &faults::kFollowerLocalReadBug;  // bar 9/10
  auto run = [](const char* verdict, std::optional<double> t) {
    RunOutcome r;
    r.verdict = verdict;
    r.violation_s = t;
    r.summary = verdict;
    return r;
  };
  row.runs = {run("invalid", 4.0), run("invalid", 1.0), run("valid", std::nullopt)};
  SummarizeBugRow(&row);
  EXPECT_EQ(row.detected, 2);
  EXPECT_FALSE(row.meets_bar) << "2/3 < 9/10";
  ASSERT_TRUE(row.median_violation_s.has_value());
  EXPECT_DOUBLE_EQ(*row.median_violation_s, 2.5);
  SummarizeBugRow(&row, 2);
  EXPECT_TRUE(row.meets_bar) << "--min-detected 2 lowers the bar to 2 seeds";
  SummarizeBugRow(&row, 3);
  EXPECT_FALSE(row.meets_bar);
  row.runs[2] = run("invalid", 10.0);
  SummarizeBugRow(&row);
  EXPECT_TRUE(row.meets_bar);
  EXPECT_DOUBLE_EQ(*row.median_violation_s, 4.0);
  EXPECT_EQ(row.summary, "invalid");
}

TEST(ValidateSummary, ADefaultTestRowIsJudgedAgainstItsOwnBar) {
  BugRow row;
  row.bug = &faults::kWalWithoutFsyncBug;  // bar 9/10 with its own configuration
  row.config = DefaultTestFlags(row.bug->bug_class);
  row.bar = kDefaultTestBar;
  row.runs.resize(10);
  for (int i = 0; i < 10; ++i) row.runs[static_cast<size_t>(i)].verdict = i < 7 ? "invalid" : "valid";
  SummarizeBugRow(&row);
  EXPECT_TRUE(row.meets_bar) << "7/10 meets the default test's bar";
  row.runs[0].verdict = "valid";
  SummarizeBugRow(&row);
  EXPECT_FALSE(row.meets_bar);
  EXPECT_NE(ValidateTableText({row}, {}).find("7/10 NOT met"), std::string::npos);
  EXPECT_NE(ValidateJson({row}, {}, ValidateOptions{}).find("--workload list-append"), std::string::npos);
}

TEST(ValidateDefaultTests, EachClassRunsItsWorkloadWithNoTuningFlags) {
  EXPECT_EQ(DefaultTestFlags("lease"), "--workload lease-register");
  EXPECT_EQ(DefaultTestFlags("read"), "--workload register");
  EXPECT_EQ(DefaultTestFlags("durability"), "--workload list-append");
  for (const faults::PlantedBug& b : faults::AllPlantedBugs()) {
    EXPECT_EQ(SplitFlags(DefaultTestFlags(b.bug_class)).size(), 2u) << b.name;
  }
}

TEST(ValidateTable, NeedsIsShownInsteadOfAFailure) {
  BugRow row;
  row.bug = &faults::kWalWithoutFsyncBug;
  row.missing = "power-loss";
  const std::string text = ValidateTableText({row}, {});
  EXPECT_NE(text.find("| wal-without-fsync | durability | needs power-loss |"), std::string::npos) << text;
  EXPECT_NE(ValidateHtml({row}, {}, ValidateOptions{}).find("needs power-loss"), std::string::npos);
}

TEST(ValidateTable, CellsEscapePipesSoTheMarkdownTableHolds) {
  BugRow row;
  row.bug = &faults::kReadIndexWithoutQuorumBug;
  row.runs.resize(1);
  row.runs[0].verdict = "invalid";
  row.runs[0].summary = "invalid: key r9";
  row.runs[0].fault = "partition-leader [1] | [2,3]";
  SummarizeBugRow(&row);
  const std::string text = ValidateTableText({row}, {});
  EXPECT_NE(text.find("partition-leader [1] \\| [2,3] |"), std::string::npos) << text;
}

}  // namespace
}  // namespace raftlab::harness
