#include "harness/coverage.h"

#include <cstdlib>

namespace raftlab::harness {
namespace {

std::string SeriesKey(const MetricSample& s) {
  std::string k = s.name + "{";
  for (const auto& [n, v] : s.labels) k += n + "=" + v + ",";
  return k + "}";
}

bool Matches(const MetricSample& s, const std::map<std::string, std::string>& match) {
  for (const auto& [n, v] : match) {
    auto it = s.labels.find(n);
    if (it == s.labels.end() || it->second != v) return false;
  }
  return true;
}

// Parses `a="x",b="y"` (values without escaped quotes, as raftlab's labels are).
bool ParseLabels(std::string_view body, std::map<std::string, std::string>* out) {
  while (!body.empty()) {
    const size_t eq = body.find("=\"");
    if (eq == std::string_view::npos) return false;
    const size_t close = body.find('"', eq + 2);
    if (close == std::string_view::npos) return false;
    (*out)[std::string(body.substr(0, eq))] = std::string(body.substr(eq + 2, close - eq - 2));
    body.remove_prefix(close + 1);
    if (!body.empty() && body[0] == ',') body.remove_prefix(1);
  }
  return true;
}

}  // namespace

std::vector<MetricSample> ParsePrometheusText(const std::string& text) {
  std::vector<MetricSample> out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) nl = text.size();
    std::string_view line(text.data() + pos, nl - pos);
    pos = nl + 1;
    if (line.empty() || line[0] == '#') continue;
    MetricSample s;
    const size_t brace = line.find('{'), space = line.rfind(' ');
    if (space == std::string_view::npos) continue;
    if (brace != std::string_view::npos && brace < space) {
      const size_t close = line.find('}', brace);
      if (close == std::string_view::npos || !ParseLabels(line.substr(brace + 1, close - brace - 1), &s.labels)) continue;
      s.name = std::string(line.substr(0, brace));
    } else {
      s.name = std::string(line.substr(0, space));
    }
    const std::string value(line.substr(space + 1));
    char* end = nullptr;
    s.value = std::strtod(value.c_str(), &end);
    if (end == value.c_str()) continue;
    out.push_back(std::move(s));
  }
  return out;
}

void CoverageCounters::Observe(uint64_t node, uint64_t generation, const std::string& text) {
  auto& series = nodes_[node];
  for (auto& s : ParsePrometheusText(text)) {
    if (s.name.size() < 6 || s.name.compare(s.name.size() - 6, 6, "_total") != 0) continue;
    Series& x = series[SeriesKey(s)];
    if (x.sample.name.empty()) {
      x.sample = s;
      x.generation = generation;
    }
    if (generation != x.generation || s.value < x.last) {
      // A restart: the counter began again at zero.
      x.earlier += x.last;
      x.generation = generation;
    }
    x.last = s.value;
  }
}

double CoverageCounters::Total(const std::string& name, const std::map<std::string, std::string>& match) const {
  double total = 0;
  for (const auto& [node, series] : nodes_) {
    for (const auto& [key, x] : series) {
      if (x.sample.name == name && Matches(x.sample, match)) total += x.earlier + x.last;
    }
  }
  return total;
}

std::map<std::string, double> CoverageCounters::ByLabel(const std::string& name, const std::string& label) const {
  std::map<std::string, double> out;
  for (const auto& [node, series] : nodes_) {
    for (const auto& [key, x] : series) {
      if (x.sample.name != name) continue;
      auto it = x.sample.labels.find(label);
      out[it == x.sample.labels.end() ? "" : it->second] += x.earlier + x.last;
    }
  }
  return out;
}

nlohmann::json CoverageSummary(const CoverageCounters& c) {
  nlohmann::json lease_by_outcome = nlohmann::json::object();
  for (const auto& [outcome, n] : c.ByLabel("raftlab_lease_read_total", "outcome")) lease_by_outcome[outcome] = n;
  nlohmann::json lane_drops = nlohmann::json::object();
  for (const auto& [lane, n] : c.ByLabel("raftlab_raft_dispatch_drop_total", "lane")) lane_drops[lane] = n;
  const double hits = c.Total("raftlab_lease_read_total", {{"outcome", "hit"}});
  const double all = c.Total("raftlab_lease_read_total");
  return {
      {"lease_reads", all},
      {"lease_reads_by_lease", hits},
      {"lease_reads_fallen_back", all - hits},
      {"lease_reads_by_outcome", lease_by_outcome},
      {"leader_changes_seen_by_nodes", c.Total("raftlab_raft_leader_changes_total")},
      {"snapshots_taken", c.Total("raftlab_raft_snapshots_total")},
      {"snapshots_sent", c.Total("raftlab_transport_snapshots_sent_total")},
      {"snapshots_installed", c.Total("raftlab_transport_snapshots_received_total", {{"outcome", "accepted"}})},
      {"lane_drops", lane_drops},
      {"partition_drops", c.Total("raftlab_transport_partition_drops_total")},
      {"link_and_fault_point_drops", c.Total("raftlab_transport_fault_drops_total")},
      {"proposals_refused", c.Total("raftlab_raft_proposals_refused_total")},
  };
}

std::vector<std::string> CoverageWarnings(const nlohmann::json& coverage, const std::string& read_mode) {
  std::vector<std::string> out;
  const nlohmann::json counters = coverage.value("counters", nlohmann::json::object());
  if (read_mode == "lease") {
    const double all = counters.value("lease_reads", 0.0), hits = counters.value("lease_reads_by_lease", 0.0);
    if (all <= 0) {
      out.push_back("not meaningful as a lease test: no lease read reached a server");
    } else if (hits < 0.05 * all || hits < 20) {
      out.push_back("not meaningful as a lease test: only " + std::to_string(static_cast<int64_t>(hits)) + " of " +
                    std::to_string(static_cast<int64_t>(all)) + " lease reads were served by the lease");
    }
  }
  const nlohmann::json faults = coverage.value("faults_started", nlohmann::json::object());
  if (faults.is_object()) {
    for (auto it = faults.begin(); it != faults.end(); ++it) {
      if (it.key().rfind("snapshot", 0) == 0 && counters.value("snapshots_taken", 0.0) <= 0) {
        out.push_back("the " + it.key() + " fault ran but no node took a snapshot");
      }
      if (it.key() == "snapshot-install" && counters.value("snapshots_installed", 0.0) <= 0) {
        out.push_back("the snapshot-install fault ran but no follower installed a snapshot");
      }
    }
  }
  return out;
}

}  // namespace raftlab::harness
