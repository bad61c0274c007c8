#include "harness/availability.h"

#include <fstream>

namespace raftlab::harness {

std::string DescribeExit(int exit_code, int signal) {
  if (exit_code < 0) return "killed by signal " + std::to_string(signal);
  if (exit_code == 75) return "fail-stop (exit 75: a storage error it could not trust)";
  if (exit_code == 86) return "crash point fired (exit 86)";
  return "exit " + std::to_string(exit_code);
}

std::string LastLogLine(const std::string& path) {
  std::ifstream in(path);
  std::string line, last;
  while (std::getline(in, line)) {
    if (!line.empty()) last = line;
  }
  return last.substr(0, 300);
}

void AvailabilityMonitor::AddFinding(const std::string& finding) {
  findings_.push_back(finding);
  AppendLive(finding);
}

void AvailabilityMonitor::AppendLive(const std::string& finding) const {
  if (!options_.live_findings_path.empty()) std::ofstream(options_.live_findings_path, std::ios::app) << finding << "\n";
}

nlohmann::json AvailabilityMonitor::SoFar() const {
  return {{"findings", findings_}, {"unexplained_exits", unexplained_}, {"stopped_early", true}};
}

void AvailabilityMonitor::Check(const Nemesis& nemesis) {
  for (uint64_t id : cluster_.ids()) {
    if (given_up_.count(id) || cluster_.Running(id) || nemesis.ExpectsDown(id)) continue;
    auto exit = cluster_.ExitOf(id);
    const int code = exit && exit->exited ? exit->exit_code : -1;
    const int signal = exit && exit->signaled ? exit->signal : 0;
    const std::string how = DescribeExit(code, signal);
    const std::string log = LastLogLine(cluster_.log_path(id));
    unexplained_.push_back({{"node", id}, {"at_s", Seconds()}, {"how", how}, {"log", log}});
    const std::string node = "node " + std::to_string(id);
    const int n = ++revivals_[id];
    if (n == 1) {
      AddFinding(node + " stopped at " + std::to_string(Seconds()).substr(0, 5) + " s with no fault to explain it: " +
                 how + "; its log ends: " + log);
    }
    if (n <= kMaxRevivals) {
      (void)cluster_.Restart(id);
    } else {
      given_up_.insert(id);
      AddFinding(node + " did not come back: " + std::to_string(kMaxRevivals) + " restarts each ended with " + how +
                 "; its log ends: " + log);
    }
  }
}

nlohmann::json AvailabilityMonitor::Finish(const Nemesis* nemesis, const LeaderView* view, bool healthy_after_heal,
                                           const std::string& heal_problem) {
  nlohmann::json findings = nlohmann::json::array();
  nlohmann::json restarts = nlohmann::json::array();
  for (const auto& f : findings_) findings.push_back(f);
  int crash_points = 0, fail_stops = 0;
  if (nemesis != nullptr) {
    for (const NodeExit& e : nemesis->exits()) {
      restarts.push_back({{"node", e.node}, {"how", DescribeExit(e.exit_code, e.signal)}, {"cause", e.cause}});
      if (e.exit_code == 86) ++crash_points;
      if (e.exit_code == 75) {
        ++fail_stops;
        // A fail-stop is expected only under a storage fault point.
        if (e.cause.find("fiu") == std::string::npos) {
          findings.push_back("node " + std::to_string(e.node) + " fail-stopped (exit 75) during " + e.cause);
        }
      }
    }
  }
  for (uint64_t id : cluster_.ids()) {
    if (!cluster_.Running(id) && !given_up_.count(id)) {
      findings.push_back("node " + std::to_string(id) + " did not come back after the final restart (" +
                         (cluster_.ExitOf(id) ? cluster_.ExitOf(id)->ToString() : std::string("never started")) +
                         "); its log ends: " + LastLogLine(cluster_.log_path(id)));
    }
  }
  if (!healthy_after_heal) findings.push_back("the cluster did not recover after healing: " + heal_problem);
  nlohmann::json leaderless = nlohmann::json::array();
  if (view != nullptr) {
    const auto bound = std::chrono::milliseconds(options_.election_timeout_ms * options_.leaderless_timeouts);
    for (const auto& i : view->Leaderless(bound)) {
      leaderless.push_back({{"start_s", i.start_ms / 1000.0}, {"length_s", i.length_ms / 1000.0}});
      findings.push_back("group 1 had no leader for " + std::to_string(i.length_ms) + " ms from " +
                         std::to_string(i.start_ms / 1000.0).substr(0, 5) + " s (more than " +
                         std::to_string(options_.leaderless_timeouts) + " election timeouts)");
    }
  }
  return {{"findings", findings},
          {"unexplained_exits", unexplained_},
          {"fault_restarts", restarts},
          {"crash_points_hit", crash_points},
          {"fail_stops", fail_stops},
          {"leaderless_intervals", leaderless},
          {"leader_changes_seen_by_clients", view != nullptr ? view->leader_changes() : 0}};
}

}  // namespace raftlab::harness
