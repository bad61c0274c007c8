#pragma once
// AvailabilityMonitor: what the run saw of the cluster's availability, as findings for the
// report instead of silence: a node that exited when no fault explains it (a crash, a
// fail-stop with exit 75), a node that does not come back after a restart, a group with
// no leader for longer than a bound of election timeouts. A node that died unexplained is
// restarted (at most kMaxRevivals times) so the test goes on.
//
// Threads: the runner's main thread (the cluster's owner) calls Check and Finish.

#include <chrono>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/cluster.h"
#include "harness/leader_view.h"
#include "harness/nemesis.h"

namespace raftlab::harness {

// The run folder's file of availability findings as they happen, one a line, so
// `raftlab-harness validate` can stop a liveness bug's run at its first finding.
inline constexpr const char* kLiveFindingsFile = "findings.txt";

struct AvailabilityOptions {
  int64_t election_timeout_ms = 1000;
  // A group without a leader for longer than this many election timeouts is a finding.
  int leaderless_timeouts = 10;
  // Where findings are appended as they happen (kLiveFindingsFile); empty = nowhere.
  std::string live_findings_path;
};

class AvailabilityMonitor {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr int kMaxRevivals = 3;

  AvailabilityMonitor(SystemUnderTest& cluster, AvailabilityOptions options, Clock::time_point t0)
      : cluster_(cluster), options_(options), t0_(t0) {}

  // Looks for nodes that are down although no active fault explains it.
  void Check(const Nemesis& nemesis);
  // After the final heal: nodes still down did not come back. Then the findings, with the
  // nemesis's restarts and the leaderless intervals of `view` (may be null).
  nlohmann::json Finish(const Nemesis* nemesis, const LeaderView* view, bool healthy_after_heal,
                        const std::string& heal_problem);
  // For a run stopped early (no final heal): the findings so far.
  nlohmann::json SoFar() const;
  // Appends a finding made after Finish (e.g. a follower that never caught up) to the live
  // findings file only.
  void AppendLive(const std::string& finding) const;

 private:
  double Seconds() const { return std::chrono::duration<double>(Clock::now() - t0_).count(); }
  void AddFinding(const std::string& finding);

  SystemUnderTest& cluster_;
  const AvailabilityOptions options_;
  const Clock::time_point t0_;
  std::vector<nlohmann::json> unexplained_;  // exits no fault explains
  std::vector<std::string> findings_;
  std::map<uint64_t, int> revivals_;
  std::set<uint64_t> given_up_;  // restarted kMaxRevivals times and still dying
};

// Exit statuses with a meaning for the report.
std::string DescribeExit(int exit_code, int signal);
// The last non-empty line of a node's log (at most 300 characters), "" if none.
std::string LastLogLine(const std::string& path);

}  // namespace raftlab::harness
