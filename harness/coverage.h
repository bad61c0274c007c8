#pragma once
// Coverage: how much of what a test meant to exercise actually happened, from the servers'
// own counters. The runner feeds every /metrics scrape of every node (at the start, at
// each fault, every few seconds and at the end); counters are summed across a node's
// restarts (each start is a new generation whose counters begin at zero).
//
// Summary() turns the totals into the report's coverage section: lease reads served by the
// lease vs fallen back (by outcome), leader changes, snapshots taken and installed, lane
// drops, partition and link drops; Warnings() says when a run did not reach what it meant
// to test (e.g. a lease test in which almost no read took the lease path).
//
// Not thread-safe: the runner's main thread owns it.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace raftlab::harness {

struct MetricSample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};

// Prometheus text exposition: one sample per "name{a="x",b="y"} value" line; comments
// and malformed lines are skipped.
std::vector<MetricSample> ParsePrometheusText(const std::string& text);

class CoverageCounters {
 public:
  // One scrape of `node` in its `generation` (how many times it was started).
  void Observe(uint64_t node, uint64_t generation, const std::string& text);
  // Sum over nodes and restarts of the counter series of `name` whose labels include `match`.
  double Total(const std::string& name, const std::map<std::string, std::string>& match = {}) const;
  // Totals of `name` split by the values of `label`.
  std::map<std::string, double> ByLabel(const std::string& name, const std::string& label) const;

 private:
  struct Series {
    MetricSample sample;  // name and labels
    uint64_t generation = 0;
    double earlier = 0;  // sum of the series over finished generations
    double last = 0;
  };
  std::map<uint64_t, std::map<std::string, Series>> nodes_;
};

// The coverage document (coverage.json's "counters" part) from the totals.
nlohmann::json CoverageSummary(const CoverageCounters& counters);

// What the run did not reach, as sentences; empty when it is meaningful. `coverage` is the
// whole coverage.json (counters, nemesis counts), `read_mode` the workload's.
std::vector<std::string> CoverageWarnings(const nlohmann::json& coverage, const std::string& read_mode);

}  // namespace raftlab::harness
