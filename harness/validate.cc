#include "harness/validate.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "checkers/html_report.h"
#include "checkers/validate.h"
#include "harness/analysis.h"
#include "harness/availability.h"
#include "harness/election_safety.h"
#include "harness/nemesis.h"
#include "harness/process.h"
#include "workloads/workload.h"

namespace raftlab::harness {
namespace {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

std::string UtcStamp() {
  std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", std::gmtime(&t));
  return buf;
}

std::string Seconds(std::optional<double> s) {
  if (!s) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f s", *s);
  return buf;
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The value at a path of object keys, or nullptr.
const json* FindPath(const json& j, std::initializer_list<const char*> path) {
  const json* at = &j;
  for (const char* key : path) {
    if (!at->is_object() || !at->contains(key)) return nullptr;
    at = &(*at)[key];
  }
  return at;
}

// The faults of results.json's "nemesis" list overlapping [invoke, complete] (ns), or the
// last one that ended before it.
std::string OverlappingFault(const json& nemesis, int64_t invoke, int64_t complete) {
  std::string overlap, before;
  int64_t before_end = -1;
  for (const json& n : nemesis) {
    const int64_t start = n.value("start_ns", int64_t{0});
    const int64_t end = n.value("end_ns", int64_t{-1});
    const std::string name = n.value("fault", "") + " " + n.value("detail", "");
    if (start <= complete && (end < 0 || end >= invoke)) {
      overlap += (overlap.empty() ? "" : "; ") + name;
    } else if (end >= 0 && end < invoke && end > before_end) {
      before_end = end;
      before = name;
    }
  }
  if (!overlap.empty()) return overlap;
  if (before.empty()) return "none";
  char buf[64];
  std::snprintf(buf, sizeof buf, " (ended %.1f s before)", static_cast<double>(invoke - before_end) / 1e9);
  return "after " + before + buf;
}

// Whether the run's availability monitor has reported a finding yet (kLiveFindingsFile).
bool HasLiveFinding(const std::string& dir) {
  std::error_code ec;
  return fs::file_size(dir + "/" + kLiveFindingsFile, ec) > 0 && !ec;
}

// The history's complete lines so far, copied to `to`, checked with the run's model.
bool PrefixIsInvalid(const std::string& dir, const std::string& to) {
  json params = json::parse(ReadAll(dir + "/params.json"), nullptr, false);
  if (params.is_discarded()) return false;
  auto model = checkers::ParseModelKind(params.value("model", ""));
  if (!model) return false;
  std::string history = ReadAll(dir + "/history.jsonl");
  const size_t last = history.rfind('\n');
  if (last == std::string::npos) return false;
  history.resize(last + 1);
  {
    std::ofstream out(to, std::ios::binary | std::ios::trunc);
    out << history;
    if (!out) return false;
  }
  AnalyzeOptions ao;
  ao.model = *model;
  ao.timeout_seconds = 10;
  auto a = AnalyzeHistory(to, ao);
  return a.ok() && a->report.verdict == checkers::Verdict::kInvalid;
}

class Validator {
 public:
  Validator(const ValidateOptions& o, const std::atomic<bool>& stop) : o_(o), stop_(stop) {}
  int Go();

 private:
  // A bug run (bug non-empty) stops at its first violation, or for a liveness bug at its
  // first availability finding.
  RunOutcome RunOne(const std::string& config, const std::string& bug, bool liveness, uint64_t seed,
                    const std::string& label, double time_limit_s);
  void Progress(const std::string& line, bool final_line);
  void Write(const std::vector<BugRow>& bugs, const std::vector<ControlRow>& controls);

  const ValidateOptions& o_;
  const std::atomic<bool>& stop_;
  std::string out_;
  int planned_ = 0, done_ = 0;
  bool harness_error_ = false;
};

void Validator::Progress(const std::string& line, bool final_line) {
  if (o_.progress_tty) {
    std::fprintf(stderr, "\r%s\x1b[K%s", line.c_str(), final_line ? "\n" : "");
  } else if (final_line) {
    std::fprintf(stderr, "%s\n", line.c_str());
  }
  std::fflush(stderr);
}

RunOutcome Validator::RunOne(const std::string& config, const std::string& bug, bool liveness, uint64_t seed,
                             const std::string& label, double time_limit_s) {
  const std::string dir = out_ + "/" + label + "-seed" + std::to_string(seed);
  ProcessSpec spec;
  spec.program = SelfExecutable();
  spec.args = {"test"};
  for (std::string& f : SplitFlags(config)) spec.args.push_back(std::move(f));
  char limit[32];
  std::snprintf(limit, sizeof limit, "%g", time_limit_s);
  spec.args.insert(spec.args.end(), {"--seed", std::to_string(seed), "--time-limit", limit, "--out", dir});
  if (!bug.empty()) spec.args.insert(spec.args.end(), {"--unsafe-bug", bug});
  if (!o_.server_binary.empty()) spec.args.insert(spec.args.end(), {"--server-binary", o_.server_binary});
  spec.log_path = dir + ".log";
  ++done_;
  const std::string head = "[" + std::to_string(done_) + "/" + std::to_string(planned_) + "] " + label + " seed " +
                           std::to_string(seed);
  const auto start = Clock::now();
  auto child = ChildProcess::Start(spec);
  RunOutcome r;
  r.seed = seed;
  r.dir = dir;
  if (!child.ok()) {
    r.verdict = "error";
    r.summary = std::string(child.status().message());
    return r;
  }
  auto next_check = start + std::chrono::duration<double>(o_.check_every_s);
  bool stopped_early = false;
  while (child->Running()) {
    if (stop_.load()) {
      child->Stop(std::chrono::seconds(20));
      break;
    }
    const auto now = Clock::now();
    if (!bug.empty() && !stopped_early && now >= next_check) {
      const bool finding = liveness && HasLiveFinding(dir);
      if (finding || PrefixIsInvalid(dir, out_ + "/.prefix.jsonl")) {
        stopped_early = true;
        Progress(head + (finding ? ": availability finding" : ": violation found") + ", stopping the run", false);
        child->Stop(std::chrono::seconds(60));
        break;
      }
      next_check = Clock::now() + std::chrono::duration<double>(o_.check_every_s);
    }
    char line[256];
    std::snprintf(line, sizeof line, "%s: %.0f s", head.c_str(), std::chrono::duration<double>(now - start).count());
    Progress(line, false);
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  std::error_code ec;
  fs::remove(out_ + "/.prefix.jsonl", ec);
  r = ReadRunOutcome(dir);
  r.seed = seed;
  r.wall_s = std::chrono::duration<double>(Clock::now() - start).count();
  if (r.verdict == "error" && !stop_.load()) harness_error_ = true;
  char tail[64];
  std::snprintf(tail, sizeof tail, " (%.0f s wall)", r.wall_s);
  Progress(head + ": " + r.verdict +
               (r.violation_s ? " at " + Seconds(r.violation_s) : std::string()) + " - " + r.summary.substr(0, 140) +
               tail,
           true);
  return r;
}

void Validator::Write(const std::vector<BugRow>& bugs, const std::vector<ControlRow>& controls) {
  std::ofstream(out_ + "/validate.json") << ValidateJson(bugs, controls, o_) << "\n";
  std::ofstream(out_ + "/validate.html") << ValidateHtml(bugs, controls, o_);
}

int Validator::Go() {
  auto selected = SelectBugs(o_.bugs, o_.quick);
  if (!selected.ok()) {
    std::fprintf(stderr, "raftlab-harness: %s\n", std::string(selected.status().message()).c_str());
    return 3;
  }
  out_ = o_.out.empty() ? "runs/validate-" + UtcStamp() : o_.out;
  std::error_code ec;
  fs::create_directories(out_, ec);
  if (ec) {
    std::fprintf(stderr, "raftlab-harness: --out: cannot create %s: %s\n", out_.c_str(), ec.message().c_str());
    return 3;
  }
  std::vector<BugRow> rows;
  std::vector<ControlRow> controls;
  std::map<std::string, size_t> control_of;
  for (const faults::PlantedBug* b : *selected) {
    BugRow row;
    row.bug = b;
    row.config = o_.default_tests ? DefaultTestFlags(b->bug_class) : std::string(b->exposed_by);
    row.bar = o_.default_tests ? kDefaultTestBar : b->bar;
    // A default test needs no prerequisite of the bug's own configuration.
    row.missing = o_.default_tests ? "" : MissingPrerequisite(*b);
    if (row.missing.empty()) {
      planned_ += o_.seeds;
      const std::string& config = row.config;
      auto [it, fresh] = control_of.emplace(config, controls.size());
      if (fresh) {
        controls.push_back({config, {}, {}, 0});
        planned_ += o_.control_seeds;
      }
      controls[it->second].bugs.push_back(b->name);
    }
    rows.push_back(std::move(row));
  }
  const double control_limit = o_.control_time_limit_s > 0 ? o_.control_time_limit_s : o_.time_limit_s;
  std::fprintf(stderr,
               "raftlab-harness: validate: %zu bugs x %d seeds (%g s runs), %zu controls x %d seeds (%g s runs)%s; "
               "folder %s\n",
               rows.size(), o_.seeds, o_.time_limit_s, controls.size(), o_.control_seeds, control_limit,
               o_.default_tests ? ", each class's default test" : "", out_.c_str());
  for (BugRow& row : rows) {
    if (!row.missing.empty()) {
      std::fprintf(stderr, "%s: needs %s (not run)\n", row.bug->name, row.missing.c_str());
      continue;
    }
    for (int s = 1; s <= o_.seeds && !stop_.load(); ++s) {
      row.runs.push_back(RunOne(row.config, row.bug->name, row.bug->liveness, static_cast<uint64_t>(s), row.bug->name,
                                o_.time_limit_s));
    }
    SummarizeBugRow(&row, o_.min_detected);
    Write(rows, controls);
  }
  for (size_t i = 0; i < controls.size(); ++i) {
    ControlRow& c = controls[i];
    for (int s = 1; s <= o_.control_seeds && !stop_.load(); ++s) {
      c.runs.push_back(
          RunOne(c.config, "", false, static_cast<uint64_t>(s), "control" + std::to_string(i + 1), control_limit));
      if (ControlPassed(c.runs.back())) ++c.valid;
    }
    Write(rows, controls);
  }
  std::printf("%s", ValidateTableText(rows, controls).c_str());
  std::printf("table: %s/validate.html and validate.json\n", out_.c_str());
  if (stop_.load() || harness_error_) return 3;
  for (const BugRow& r : rows) {
    if (r.missing.empty() && !r.meets_bar) return 1;
  }
  for (const ControlRow& c : controls) {
    if (c.valid != static_cast<int>(c.runs.size())) return 1;
  }
  return 0;
}

}  // namespace

absl::StatusOr<std::vector<const faults::PlantedBug*>> SelectBugs(const std::string& csv, bool quick) {
  std::vector<const faults::PlantedBug*> out;
  if (csv == "all") {
    for (const faults::PlantedBug& b : faults::AllPlantedBugs()) out.push_back(&b);
  } else {
    auto mask = faults::ParsePlantedBugs(csv);
    if (!mask.ok()) {
      std::string msg(mask.status().message());
      msg.replace(0, std::string("--unsafe-bug").size(), "--bugs");
      return absl::InvalidArgumentError(msg);
    }
    for (const faults::PlantedBug& b : faults::AllPlantedBugs()) {
      if ((*mask >> static_cast<unsigned>(b.bug)) & 1u) out.push_back(&b);
    }
  }
  if (quick) {
    std::set<std::string_view> classes;
    std::erase_if(out, [&](const faults::PlantedBug* b) { return !classes.insert(b->bug_class).second; });
  }
  return out;
}

std::string MissingPrerequisite(const faults::PlantedBug& bug) {
  if (bug.needs.empty()) return "";
  const std::string need(bug.needs);
  const auto& w = workloads::WorkloadNames();
  const auto& n = NemesisNames();
  if (std::find(w.begin(), w.end(), need) != w.end() || std::find(n.begin(), n.end(), need) != n.end()) return "";
  return need;
}

std::string DefaultTestFlags(std::string_view bug_class) {
  if (bug_class == "lease") return "--workload lease-register";
  if (bug_class == "durability") return "--workload list-append";
  return "--workload register";
}

std::vector<std::string> SplitFlags(std::string_view flags) {
  std::vector<std::string> out;
  std::istringstream in{std::string(flags)};
  for (std::string f; in >> f;) out.push_back(f);
  return out;
}

RunOutcome ReadRunOutcome(const std::string& dir) {
  RunOutcome r;
  r.dir = dir;
  r.verdict = "error";
  const std::string text = ReadAll(dir + "/results.json");
  if (text.empty()) {
    r.summary = "no results.json (see " + dir + ".log)";
    return r;
  }
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    r.summary = dir + "/results.json: malformed JSON";
    return r;
  }
  r.verdict = j.value("verdict", "error");
  r.summary = j.value("summary", "");
  if (const json* exits = FindPath(j, {"coverage", "availability", "unexplained_exits"}); exits && exits->is_array()) {
    for (const json& e : *exits) {
      const double at = e.value("at_s", -1.0);
      if (at >= 0 && (!r.finding_s || at < *r.finding_s)) r.finding_s = at;
    }
  }
  if (const json* f = FindPath(j, {"coverage", "availability", "findings"}); f != nullptr && f->is_array()) {
    for (const json& s : *f) {
      if (s.is_string()) r.findings.push_back(s.get<std::string>());
    }
  }
  const json empty = json::array();
  const json* nemesis = FindPath(j, {"nemesis"});
  auto consider = [&](const json& op) {
    const int64_t invoke = op.value("invoke_time", int64_t{0});
    if (r.violation_s && static_cast<double>(invoke) / 1e9 >= *r.violation_s) return;
    r.violation_s = static_cast<double>(invoke) / 1e9;
    r.fault = OverlappingFault(nemesis != nullptr ? *nemesis : empty, invoke, op.value("complete_time", invoke));
  };
  const json* cexs = FindPath(j, {"checker", "counterexamples"});
  for (const json& c : cexs != nullptr && cexs->is_array() ? *cexs : empty) {
    if (c.contains("failed_op")) consider(c["failed_op"]);
  }
  // A list-append anomaly shows once the last of its witness ops has completed.
  const json* anomalies = FindPath(j, {"checker", "list_append", "anomalies"});
  for (const json& a : anomalies != nullptr && anomalies->is_array() ? *anomalies : empty) {
    const json* ops = FindPath(a, {"ops"});
    const json* last = nullptr;
    for (const json& op : ops != nullptr && ops->is_array() ? *ops : empty) {
      if (last == nullptr || op.value("complete_time", int64_t{0}) > last->value("complete_time", int64_t{0})) {
        last = &op;
      }
    }
    if (last != nullptr) consider(*last);
  }
  return r;
}

bool Detects(const RunOutcome& run, const faults::PlantedBug& bug) {
  // Two leaders in one term break a safety property whatever the history shows.
  const bool unsafe_election = std::any_of(run.findings.begin(), run.findings.end(), [](const std::string& f) {
    return f.rfind(kElectionSafetyPrefix, 0) == 0;
  });
  return run.verdict == "invalid" || unsafe_election || (bug.liveness && !run.findings.empty());
}

bool ControlPassed(const RunOutcome& run) { return run.verdict == "valid" && run.findings.empty(); }

void SummarizeBugRow(BugRow* row, int min_detected) {
  row->detected = 0;
  std::vector<double> times;
  for (const RunOutcome& r : row->runs) {
    if (!Detects(r, *row->bug)) continue;
    if (row->detected++ == 0) {
      row->summary = r.verdict == "invalid" || r.findings.empty() ? r.summary : "availability: " + r.findings[0];
      row->fault = r.fault;
    }
    // A liveness bug seen only by its availability finding is timed by the node exit.
    if (r.violation_s) {
      times.push_back(*r.violation_s);
    } else if (r.finding_s && r.verdict != "invalid") {
      times.push_back(*r.finding_s);
    }
  }
  std::sort(times.begin(), times.end());
  row->median_violation_s.reset();
  if (!times.empty()) {
    const size_t m = times.size() / 2;
    row->median_violation_s = times.size() % 2 == 1 ? times[m] : (times[m - 1] + times[m]) / 2;
  }
  const int n = static_cast<int>(row->runs.size());
  const int bar = row->bar > 0 ? row->bar : row->bug->bar;
  row->meets_bar = n > 0 && (min_detected > 0 ? row->detected >= min_detected : row->detected * 10 >= bar * n);
}

namespace {

int BarOf(const BugRow& r) { return r.bar > 0 ? r.bar : r.bug->bar; }
std::string ConfigOf(const BugRow& r) { return r.config.empty() ? std::string(r.bug->exposed_by) : r.config; }

// A Markdown table cell: pipes escaped, at most `max` characters, "-" when empty.
std::string Cell(const std::string& text, size_t max) {
  std::string out;
  for (char c : text.substr(0, max)) out += c == '|' ? std::string("\\|") : std::string(1, c);
  return out.empty() ? "-" : out;
}

}  // namespace

std::string ValidateTableText(const std::vector<BugRow>& bugs, const std::vector<ControlRow>& controls) {
  std::string out = "| bug | class | detected | median time to violation | bar | checker | fault |\n"
                    "|---|---|---|---|---|---|---|\n";
  for (const BugRow& r : bugs) {
    if (!r.missing.empty()) {
      out += "| " + std::string(r.bug->name) + " | " + std::string(r.bug->bug_class) + " | needs " + r.missing +
             " | - | " + std::to_string(BarOf(r)) + "/10 | - | - |\n";
      continue;
    }
    out += "| " + std::string(r.bug->name) + " | " + std::string(r.bug->bug_class) + " | " +
           std::to_string(r.detected) + "/" + std::to_string(r.runs.size()) + " | " + Seconds(r.median_violation_s) +
           " | " + std::to_string(BarOf(r)) + "/10 " + (r.meets_bar ? "met" : "NOT met") + " | " +
           Cell(r.summary, 100) + " | " + Cell(r.fault, 80) + " |\n";
  }
  out += "\n| control (correct server) | for bugs | valid |\n|---|---|---|\n";
  for (const ControlRow& c : controls) {
    std::string names;
    for (const auto& b : c.bugs) names += (names.empty() ? "" : ", ") + b;
    out += "| `" + c.config + "` | " + names + " | " + std::to_string(c.valid) + "/" + std::to_string(c.runs.size()) +
           " |\n";
  }
  return out;
}

namespace {

json RunJson(const RunOutcome& r) {
  json j = {{"seed", r.seed},   {"dir", r.dir},           {"verdict", r.verdict}, {"summary", r.summary},
            {"fault", r.fault}, {"findings", r.findings}, {"wall_s", r.wall_s}};
  j["violation_s"] = r.violation_s ? json(*r.violation_s) : json(nullptr);
  return j;
}

}  // namespace

std::string ValidateJson(const std::vector<BugRow>& bugs, const std::vector<ControlRow>& controls,
                         const ValidateOptions& o) {
  json jb = json::array();
  for (const BugRow& r : bugs) {
    json runs = json::array();
    for (const auto& run : r.runs) runs.push_back(RunJson(run));
    jb.push_back({{"bug", r.bug->name},
                  {"class", r.bug->bug_class},
                  {"recreates", r.bug->recreates},
                  {"config", ConfigOf(r)},
                  {"bar", BarOf(r)},
                  {"needs", r.missing},
                  {"seeds", r.runs.size()},
                  {"detected", r.detected},
                  {"median_violation_s", r.median_violation_s ? json(*r.median_violation_s) : json(nullptr)},
                  {"summary", r.summary},
                  {"fault", r.fault},
                  {"meets_bar", r.missing.empty() && r.meets_bar},
                  {"runs", runs}});
  }
  json jc = json::array();
  for (const ControlRow& c : controls) {
    json runs = json::array();
    for (const auto& run : c.runs) runs.push_back(RunJson(run));
    jc.push_back({{"config", c.config}, {"bugs", c.bugs}, {"valid", c.valid}, {"runs", runs}});
  }
  json j = {{"time_limit_s", o.time_limit_s},
            {"control_time_limit_s", o.control_time_limit_s > 0 ? o.control_time_limit_s : o.time_limit_s},
            {"seeds", o.seeds},
            {"control_seeds", o.control_seeds},
            {"quick", o.quick},
            {"default_tests", o.default_tests},
            {"bugs", jb},
            {"controls", jc}};
  return j.dump(2);
}

std::string ValidateHtml(const std::vector<BugRow>& bugs, const std::vector<ControlRow>& controls,
                         const ValidateOptions& o) {
  using checkers::HtmlEscape;
  std::string h =
      "<!doctype html><html><head><meta charset=\"utf-8\"><title>raftlab-harness validate</title><style>"
      "body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;"
      "padding:4px 8px;text-align:left;vertical-align:top}.ok{background:#dfd}.bad{background:#fdd}"
      ".na{background:#eee}code{font-size:90%}</style></head><body><h1>Planted bugs: detection</h1>";
  char buf[160];
  std::snprintf(buf, sizeof buf, "<p>%g-second runs; %d seeds per bug, %d per control.</p>", o.time_limit_s, o.seeds,
                o.control_seeds);
  h += buf;
  h += "<table><tr><th>bug</th><th>re-creates</th><th>configuration</th><th>detected</th><th>median time to "
       "violation</th><th>bar</th><th>checker</th><th>fault overlapping the violation</th></tr>";
  for (const BugRow& r : bugs) {
    const char* cls = !r.missing.empty() ? "na" : (r.meets_bar ? "ok" : "bad");
    const std::string detected = !r.missing.empty() ? "needs " + r.missing
                                                    : std::to_string(r.detected) + "/" + std::to_string(r.runs.size());
    h += std::string("<tr class=\"") + cls + "\"><td>" + HtmlEscape(r.bug->name) + "</td><td>" +
         HtmlEscape(r.bug->recreates) + "</td><td><code>" + HtmlEscape(ConfigOf(r)) + "</code></td><td>" +
         HtmlEscape(detected) + "</td><td>" + HtmlEscape(Seconds(r.median_violation_s)) + "</td><td>" +
         std::to_string(BarOf(r)) + "/10</td><td>" + HtmlEscape(r.summary) + "</td><td>" + HtmlEscape(r.fault) +
         "</td></tr>";
  }
  h += "</table><h2>Controls (correct server)</h2><table><tr><th>configuration</th><th>for bugs</th><th>valid</th>"
       "<th>runs</th></tr>";
  for (const ControlRow& c : controls) {
    std::string names, runs;
    for (const auto& b : c.bugs) names += (names.empty() ? "" : ", ") + b;
    for (const auto& r : c.runs) runs += "seed " + std::to_string(r.seed) + ": " + HtmlEscape(r.summary) + "<br>";
    h += std::string("<tr class=\"") + (c.valid == static_cast<int>(c.runs.size()) ? "ok" : "bad") +
         "\"><td><code>" + HtmlEscape(c.config) + "</code></td><td>" + HtmlEscape(names) + "</td><td>" +
         std::to_string(c.valid) + "/" + std::to_string(c.runs.size()) + "</td><td>" + runs + "</td></tr>";
  }
  h += "</table></body></html>\n";
  return h;
}

int RunValidate(const ValidateOptions& options, const std::atomic<bool>& stop) {
  Validator v(options, stop);
  return v.Go();
}

}  // namespace raftlab::harness
