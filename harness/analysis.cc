#include "harness/analysis.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>

#include "checkers/jsonl.h"
#include "checkers/validate.h"
#include "harness/coverage.h"
#include "harness/nemesis.h"
#include "harness/report_html.h"

namespace raftlab::harness {
namespace {

using nlohmann::json;
namespace ck = checkers;

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(path + ": cannot open");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Replaces the number after a leading {"index": with `position`.
std::string Renumber(std::string_view line, int64_t position) {
  static constexpr std::string_view kHead = "{\"index\":";
  if (line.substr(0, kHead.size()) != kHead) return std::string(line);
  size_t end = kHead.size();
  while (end < line.size() && line[end] >= '0' && line[end] <= '9') ++end;
  return std::string(kHead) + std::to_string(position) + std::string(line.substr(end));
}

void MapJsonIndices(json& j, const std::vector<int64_t>& file_index) {
  if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it) {
      const std::string& k = it.key();
      if ((k == "invoke_index" || k == "complete_index") && it->is_number_integer()) {
        const int64_t i = it->get<int64_t>();
        if (i >= 0 && static_cast<size_t>(i) < file_index.size()) *it = file_index[static_cast<size_t>(i)];
      } else if (it->is_string()) {
        *it = MapIndices(it->get<std::string>(), file_index);
      } else {
        MapJsonIndices(*it, file_index);
      }
    }
  } else if (j.is_array()) {
    for (auto& x : j) MapJsonIndices(x, file_index);
  }
}

// The longest stretch of the main phase without an acknowledged write, when it exceeds the
// run's leaderless bound (leaderless_timeouts election timeouts): the cluster could not
// take writes although a majority was meant to be able to.
std::string LongestWriteGap(const Analysis& a, const json& params) {
  const int64_t bound_ms = params.value("election_timeout_ms", int64_t{0}) * params.value("leaderless_timeouts", int64_t{0});
  if (bound_ms <= 0 || a.history.events.empty()) return "";
  const int64_t end = static_cast<int64_t>(params.value("time_limit_s", 0.0) * 1e9);
  int64_t last = 0, worst = 0, worst_at = 0;
  for (const ck::Event& e : a.history.events) {
    if (e.time > end) break;
    if (e.type != ck::EventType::kOk || a.history.Str(e.f) == "read") continue;
    if (e.time - last > worst) {
      worst = e.time - last;
      worst_at = last;
    }
    last = e.time;
  }
  if (end - last > worst) {
    worst = end - last;
    worst_at = last;
  }
  if (worst / 1000000 <= bound_ms) return "";
  return "availability: no write was acknowledged for " + std::to_string(worst / 1000000) + " ms from " +
         std::to_string(worst_at / 1000000) + " ms (more than " + std::to_string(bound_ms) + " ms)";
}

}  // namespace

std::string MapIndices(const std::string& text, const std::vector<int64_t>& file_index) {
  static constexpr std::string_view kWord = "index ";
  std::string out;
  size_t pos = 0;
  while (true) {
    size_t hit = text.find(kWord, pos);
    if (hit == std::string::npos) break;
    size_t digits = hit + kWord.size(), end = digits;
    while (end < text.size() && text[end] >= '0' && text[end] <= '9') ++end;
    out.append(text, pos, digits - pos);
    auto map_number = [&](size_t from, size_t to) {
      const auto i = std::stoull(text.substr(from, to - from));
      out += i < file_index.size() ? std::to_string(file_index[i]) : text.substr(from, to - from);
    };
    if (end > digits) {
      map_number(digits, end);
      // A range "index 12-14": map its end too.
      size_t end2 = end + 1;
      while (end2 < text.size() && text[end2] >= '0' && text[end2] <= '9') ++end2;
      if (end < text.size() && text[end] == '-' && end2 > end + 1) {
        out += '-';
        map_number(end + 1, end2);
        end = end2;
      }
    }
    pos = end;
  }
  out.append(text, pos, std::string::npos);
  return out;
}

int ExitCodeFor(ck::Verdict verdict) {
  switch (verdict) {
    case ck::Verdict::kValid: return 0;
    case ck::Verdict::kInvalid: return 1;
    case ck::Verdict::kUnknown: return 2;
  }
  return 2;
}

absl::StatusOr<Analysis> AnalyzeHistory(const std::string& path, const AnalyzeOptions& options) {
  auto text = ReadFile(path);
  if (!text.ok()) return text.status();
  Analysis a;
  std::string client;
  client.reserve(text->size());
  std::string_view all(*text);
  int64_t file_line = 0;
  std::map<std::string, size_t> open;  // fault name -> index into a.nemesis
  for (size_t start = 0; start < all.size();) {
    size_t nl = all.find('\n', start);
    std::string_view line = all.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start);
    start = nl == std::string_view::npos ? all.size() : nl + 1;
    const int64_t index = file_line++;
    if (line.find("\"process\":\"") != std::string_view::npos) {
      json j = json::parse(line, nullptr, false);
      if (j.is_discarded() || !j.is_object()) {
        return absl::InvalidArgumentError(path + ":" + std::to_string(index + 1) + ": malformed nemesis event");
      }
      const std::string f = j.value("f", "");
      const std::string fault = j.value("fault", "");
      const int64_t t = j.value("time", int64_t{0});
      if (f == "start") {
        open[fault] = a.nemesis.size();
        a.nemesis.push_back({fault, j.value("detail", ""), t, -1, index, -1});
      } else if (auto it = open.find(fault); it != open.end()) {
        a.nemesis[it->second].end_ns = t;
        a.nemesis[it->second].end_index = index;
        open.erase(it);
      }
      continue;
    }
    if (line.empty()) continue;
    client += Renumber(line, static_cast<int64_t>(a.file_index.size()));
    client += '\n';
    a.file_index.push_back(index);
  }
  auto history = ck::ParseJsonl(client, path);
  if (!history.ok()) return absl::InvalidArgumentError(MapIndices(history.status().message(), a.file_index));
  a.history = std::move(*history);
  auto ops = ck::BuildOps(a.history, options.model);
  if (!ops.ok()) return absl::InvalidArgumentError(ops.status().message());
  a.ops = std::move(*ops);

  ck::CheckReport& r = a.report;
  r.model = options.model;
  r.history_path = path;
  switch (options.model) {
    case ck::ModelKind::kSet:
      r.set = ck::CheckSet(a.history, a.ops);
      r.verdict = r.set->verdict;
      break;
    case ck::ModelKind::kStats:
      r.verdict = ck::Verdict::kValid;
      break;
    case ck::ModelKind::kListAppend: {
      auto la = ck::CheckListAppend(a.history, a.ops);
      if (!la.ok()) return absl::InvalidArgumentError(MapIndices(la.status().message(), a.file_index));
      r.list_append = std::move(*la);
      r.verdict = r.list_append->verdict;
      for (auto& anomaly : r.list_append->anomalies) {
        anomaly.explanation = MapIndices(anomaly.explanation, a.file_index);
        for (auto& step : anomaly.steps) step.why = MapIndices(step.why, a.file_index);
      }
      break;
    }
    default: {
      ck::LinearizabilityOptions lo;
      lo.model = options.model;
      lo.timeout_seconds = options.timeout_seconds;
      r.linearizability = ck::CheckLinearizability(a.history, a.ops, lo);
      r.verdict = r.linearizability->verdict;
      for (auto& k : r.linearizability->keys) {
        k.cex.explanation = MapIndices(k.cex.explanation, a.file_index);
        for (auto& st : k.cex.states) st = MapIndices(st, a.file_index);
      }
      break;
    }
  }
  r.stats = ck::ComputeStats(a.history, a.ops);
  a.summary = MapIndices(ck::SummaryLine(r, a.history, a.ops), a.file_index);
  a.text = MapIndices(ck::ReportText(r, a.history, a.ops), a.file_index);
  return a;
}

absl::StatusOr<int> AnalyzeRunDir(const std::string& dir, double timeout_seconds, std::string* summary) {
  auto params_text = ReadFile(dir + "/params.json");
  if (!params_text.ok()) return absl::NotFoundError(dir + ": not a run folder (no params.json)");
  json params = json::parse(*params_text, nullptr, false);
  if (params.is_discarded()) return absl::InvalidArgumentError(dir + "/params.json: malformed JSON");
  auto model = ck::ParseModelKind(params.value("model", ""));
  if (!model) return absl::InvalidArgumentError(dir + "/params.json: field \"model\": unknown model");
  AnalyzeOptions ao;
  ao.model = *model;
  ao.timeout_seconds = timeout_seconds;
  auto a = AnalyzeHistory(dir + "/history.jsonl", ao);
  if (!a.ok()) return a.status();

  json checker = json::parse(ck::ReportJson(a->report, a->history, a->ops), nullptr, false);
  MapJsonIndices(checker, a->file_index);
  json nem = json::array();
  for (const auto& n : a->nemesis) {
    nem.push_back({{"fault", n.fault}, {"detail", n.detail}, {"start_ns", n.start_ns}, {"end_ns", n.end_ns},
                   {"start_index", n.start_index}, {"end_index", n.end_index}});
  }
  // Coverage and availability as the runner measured them (absent for --endpoints runs).
  json coverage = json::object();
  if (auto text = ReadFile(dir + "/coverage.json"); text.ok()) {
    coverage = json::parse(*text, nullptr, false);
    if (coverage.is_discarded()) return absl::InvalidArgumentError(dir + "/coverage.json: malformed JSON");
  }
  std::vector<std::string> warnings;
  if (!coverage.empty()) warnings = CoverageWarnings(coverage, params.value("read_mode", ""));
  if (auto gap = LongestWriteGap(*a, params); !gap.empty()) warnings.push_back(gap);
  // Only lease reads rely on the clocks; ReadIndex reads and writes must survive any skew.
  const bool lease_reads = params.value("read_mode", "") == "lease";
  for (const auto& n : a->nemesis) {
    if (lease_reads && n.detail.find(kOutsideAssumption) != std::string::npos) {
      warnings.push_back("fault " + n.fault + " at " + std::to_string(n.start_ns / 1000000) + " ms went beyond " +
                         "the lease margin: a violation overlapping it is " + kOutsideAssumption);
    }
  }
  json results = {{"verdict", ck::VerdictName(a->report.verdict)},
                  {"summary", a->summary},
                  {"meaningful", std::none_of(warnings.begin(), warnings.end(),
                                              [](const std::string& w) { return w.rfind("not meaningful", 0) == 0; })},
                  {"warnings", warnings},
                  {"params", params},
                  {"nemesis", nem},
                  {"coverage", coverage},
                  {"checker", checker}};
  {
    std::ofstream out(dir + "/results.json");
    out << results.dump(2) << "\n";
    if (!out) return absl::UnavailableError(dir + "/results.json: cannot write");
  }
  {
    std::ofstream out(dir + "/report.html");
    out << RenderReportHtml(*a, params, dir, results);
    if (!out) return absl::UnavailableError(dir + "/report.html: cannot write");
  }
  if (summary) *summary = a->summary;
  return ExitCodeFor(a->report.verdict);
}

}  // namespace raftlab::harness
