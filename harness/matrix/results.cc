#include "harness/matrix/results.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "harness/validate.h"

namespace raftlab::harness {
namespace {

using json = nlohmann::json;

json ReadJsonFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return json();
  std::stringstream ss;
  ss << in.rdbuf();
  json j = json::parse(ss.str(), nullptr, false);
  return j.is_discarded() ? json() : j;
}

int Rank(const std::string& status) {
  if (status == "failed" || status == "error") return 0;
  if (status == "skipped") return 1;
  return 2;
}

}  // namespace

void ReadTestCellResult(const std::string& matrix_dir, CellResult* r) {
  const std::string dir = matrix_dir + "/" + r->dir;
  const RunOutcome outcome = ReadRunOutcome(dir);
  r->verdict = outcome.verdict;
  r->summary = outcome.summary;
  r->findings = outcome.findings;
  const json results = ReadJsonFile(dir + "/results.json");
  bool meaningful = true;
  if (results.is_object()) {
    r->report = r->dir + "/report.html";
    if (const json& stats = results.value("/checker/stats"_json_pointer, json()); stats.is_object()) {
      r->ops = stats.value("ops", int64_t{-1});
    }
    for (const json& n : results.value("nemesis", json::array())) {
      const std::string f = n.value("fault", "");
      ++r->fault_count;
      if (std::find(r->faults.begin(), r->faults.end(), f) == r->faults.end()) r->faults.push_back(f);
    }
    r->coverage = results.value("/coverage/counters"_json_pointer, json::object());
    meaningful = results.value("meaningful", true);
    for (const json& w : results.value("warnings", json::array())) {
      if (w.is_string()) r->findings.push_back("warning: " + w.get<std::string>());
    }
  }
  if (r->verdict == "error") {
    r->status = "error";
  } else if (r->cell.expect == "invalid") {
    r->status = r->verdict == "invalid" ? "passed" : "failed";
    if (r->status == "failed") r->summary = "planted bug not caught: " + r->summary;
  } else {
    r->status = r->verdict == "valid" && outcome.findings.empty() && meaningful ? "passed" : "failed";
    if (r->verdict == "valid" && !meaningful) r->summary = "not meaningful: " + r->summary;
  }
}

void ReadValidateCellResult(const std::string& matrix_dir, int exit_code, CellResult* r) {
  const json v = ReadJsonFile(matrix_dir + "/" + r->dir + "/validate.json");
  if (v.is_object()) r->report = r->dir + "/validate.html";
  int bugs = 0, met = 0, controls = 0, valid = 0;
  for (const json& b : v.value("bugs", json::array())) {
    if (!b.value("needs", std::string()).empty()) continue;
    ++bugs;
    if (b.value("meets_bar", false)) ++met;
  }
  for (const json& c : v.value("controls", json::array())) {
    controls += static_cast<int>(c.value("runs", json::array()).size());
    valid += c.value("valid", 0);
  }
  r->summary = "planted bugs meeting their bar " + std::to_string(met) + "/" + std::to_string(bugs) +
               "; control runs valid " + std::to_string(valid) + "/" + std::to_string(controls);
  if (exit_code == 0) {
    r->status = "passed";
    r->verdict = "met";
  } else if (exit_code == 1) {
    r->status = "failed";
    r->verdict = "not met";
  } else {
    r->status = "error";
    r->verdict = "error";
    r->summary = "validate exited " + std::to_string(exit_code) + " (see " + r->log + "); " + r->summary;
  }
}

std::vector<CellResult> ReportOrder(std::vector<CellResult> results) {
  std::stable_sort(results.begin(), results.end(), [](const CellResult& a, const CellResult& b) {
    if (Rank(a.status) != Rank(b.status)) return Rank(a.status) < Rank(b.status);
    return a.cell.order < b.cell.order;
  });
  return results;
}

int MatrixExitCode(const std::vector<CellResult>& results) {
  bool error = false;
  for (const CellResult& r : results) {
    if (r.status == "failed") return 1;
    if (r.status == "error") error = true;
  }
  return error ? 3 : 0;
}

json SummaryJson(const MatrixSummary& s) {
  json cells = json::array();
  int passed = 0, failed = 0, errors = 0, skipped = 0;
  for (const CellResult& r : s.cells) {
    (r.status == "passed" ? passed : r.status == "failed" ? failed : r.status == "error" ? errors : skipped)++;
    json axes = json::object();
    for (const auto& [k, v] : r.cell.axes) axes[k] = v;
    cells.push_back({{"order", r.cell.order},      {"id", r.cell.id},
                     {"command", r.cell.command},  {"axes", axes},
                     {"seed", r.cell.seed},        {"flags", r.cell.flags},
                     {"expect", r.cell.expect},    {"estimate_s", r.cell.estimate_s},
                     {"status", r.status},         {"verdict", r.verdict},
                     {"summary", r.summary},       {"reproduce", r.command},
                     {"dir", r.dir},               {"report", r.report},
                     {"log", r.log},               {"ops", r.ops},
                     {"faults", r.faults},         {"fault_count", r.fault_count},
                     {"coverage", r.coverage},     {"findings", r.findings},
                     {"wall_s", r.wall_s}});
  }
  return {{"matrix", s.matrix},
          {"digest", s.digest},
          {"seeds", s.seeds},
          {"budget_s", s.budget_s},
          {"shard_count", s.shard_count},
          {"shards", s.shards},
          {"planned", s.planned},
          {"wall_s", s.wall_s},
          {"counts", {{"passed", passed}, {"failed", failed}, {"error", errors}, {"skipped", skipped}}},
          {"exit_code", MatrixExitCode(s.cells)},
          {"cells", cells}};
}

absl::StatusOr<MatrixSummary> ParseSummaryJson(const std::string& text, const std::string& path) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return absl::InvalidArgumentError(path + ": not a JSON object");
  MatrixSummary s;
  try {
    s.matrix = j.at("matrix").get<std::string>();
    s.digest = j.at("digest").get<std::string>();
    s.seeds = j.at("seeds").get<int>();
    s.budget_s = j.at("budget_s").get<double>();
    s.shard_count = j.at("shard_count").get<int>();
    s.shards = j.at("shards").get<std::vector<int>>();
    s.planned = j.at("planned").get<int>();
    s.wall_s = j.at("wall_s").get<double>();
    for (const json& c : j.at("cells")) {
      CellResult r;
      r.cell.order = c.at("order").get<int>();
      r.cell.id = c.at("id").get<std::string>();
      r.cell.command = c.at("command").get<std::string>();
      for (auto it = c.at("axes").begin(); it != c.at("axes").end(); ++it) {
        r.cell.axes.emplace_back(it.key(), it.value().get<std::string>());
      }
      r.cell.seed = c.at("seed").get<uint64_t>();
      r.cell.flags = c.at("flags").get<std::vector<std::string>>();
      r.cell.expect = c.at("expect").get<std::string>();
      r.cell.estimate_s = c.at("estimate_s").get<double>();
      r.status = c.at("status").get<std::string>();
      r.verdict = c.at("verdict").get<std::string>();
      r.summary = c.at("summary").get<std::string>();
      r.command = c.at("reproduce").get<std::string>();
      r.dir = c.at("dir").get<std::string>();
      r.report = c.at("report").get<std::string>();
      r.log = c.at("log").get<std::string>();
      r.ops = c.at("ops").get<int64_t>();
      r.faults = c.at("faults").get<std::vector<std::string>>();
      r.fault_count = c.at("fault_count").get<int>();
      r.coverage = c.at("coverage");
      r.findings = c.at("findings").get<std::vector<std::string>>();
      r.wall_s = c.at("wall_s").get<double>();
      s.cells.push_back(std::move(r));
    }
  } catch (const json::exception& e) {
    return absl::InvalidArgumentError(path + ": not a matrix summary: " + e.what());
  }
  return s;
}

}  // namespace raftlab::harness
