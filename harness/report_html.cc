#include "harness/report_html.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>

#include "checkers/html_report.h"

namespace raftlab::harness {
namespace {

namespace ck = checkers;
using nlohmann::json;

std::string Esc(const std::string& s) { return ck::HtmlEscape(s); }

std::string Fmt(double v, int prec = 2) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", prec, v);
  return buf;
}

std::string Sec(int64_t ns) { return Fmt(static_cast<double>(ns) / 1e9, 3) + " s"; }

const char* kFaultColors[] = {"#f4a261", "#e76f51", "#8ab17d", "#9d8df1", "#e9c46a", "#5fa8d3"};

// Shaded nemesis bands over an x range [t0, t1] mapped onto [x0, x0+w], full height h.
std::string Bands(const std::vector<NemesisInterval>& nem, int64_t t0, int64_t t1, double x0, double w, double y0,
                  double h, bool labels) {
  std::string s;
  const double span = std::max<double>(1, static_cast<double>(t1 - t0));
  for (size_t i = 0; i < nem.size(); ++i) {
    const auto& n = nem[i];
    int64_t a = std::max(n.start_ns, t0), b = n.end_ns < 0 ? t1 : std::min(n.end_ns, t1);
    if (b < a) continue;
    double xa = x0 + w * static_cast<double>(a - t0) / span, xb = x0 + w * static_cast<double>(b - t0) / span;
    s += "<rect x='" + Fmt(xa) + "' y='" + Fmt(y0) + "' width='" + Fmt(std::max(1.0, xb - xa)) + "' height='" +
         Fmt(h) + "' fill='" + kFaultColors[i % 6] + "' opacity='0.25'><title>" + Esc(n.fault + " " + n.detail) +
         "</title></rect>";
    if (labels) {
      s += "<text x='" + Fmt(xa + 2) + "' y='" + Fmt(y0 + 10 + 10 * static_cast<double>(i % 3)) +
           "' font-size='9' fill='#555'>" + Esc(n.fault) + "</text>";
    }
  }
  return s;
}

std::string ParamsTable(const json& p) {
  std::string s = "<table class='params'>";
  for (const char* k : {"workload", "nemesis", "nodes", "time_limit_s", "rate", "concurrency", "dispatcher_lanes",
                        "fsm_sync_mode", "seed", "nemesis_interval_ms", "nemesis_duration_ms", "op_timeout_ms",
                        "started_at"}) {
    if (!p.contains(k)) continue;
    const json& v = p[k];
    s += "<tr><th>" + std::string(k) + "</th><td>" + Esc(v.is_string() ? v.get<std::string>() : v.dump()) + "</td></tr>";
  }
  return s + "</table>";
}

const ck::Event& Ev(const Analysis& a, int64_t i) { return a.history.events[static_cast<size_t>(i)]; }

std::string OpRow(const Analysis& a, uint32_t i, bool failed) {
  const ck::Op& op = a.ops[i];
  const auto& extra = op.complete_event >= 0 ? a.history.ExtraOf(Ev(a, op.complete_event)) : ck::EventExtra{};
  auto str = [&](int32_t id) { return id == ck::kNoString ? std::string() : a.history.Str(id); };
  const char* type = op.status == ck::OpStatus::kOk ? "ok" : op.status == ck::OpStatus::kFail ? "fail" : "info";
  return std::string("<tr") + (failed ? " class='bad'" : "") + "><td>" + std::to_string(a.file_index[static_cast<size_t>(op.invoke_event)]) +
         "</td><td>" + (op.complete_event >= 0 ? std::to_string(a.file_index[static_cast<size_t>(op.complete_event)]) : "—") +
         "</td><td>" + std::to_string(op.process) + "</td><td>" + Esc(a.history.Str(op.f)) + "</td><td>" +
         Esc(ck::ValueToString(ck::OpValue(a.history, op))) + "</td><td>" + type + "</td><td>" + Esc(str(extra.node)) +
         "</td><td>" + Esc(str(extra.read_mode)) + "</td><td>" + Sec(op.invoke_time) + "</td><td>" +
         (op.complete_time >= 0 ? Sec(op.complete_time) : "—") + "</td></tr>";
}

// The window's ops as bars on a time axis, one row each, with the faults overlapping it.
std::string Timeline(const Analysis& a, const ck::Counterexample& cex, int64_t end_of_history) {
  if (cex.window.empty()) return "";
  int64_t t0 = INT64_MAX, t1 = 0;
  for (uint32_t i : cex.window) {
    const ck::Op& op = a.ops[i];
    t0 = std::min(t0, op.invoke_time);
    t1 = std::max(t1, op.complete_time >= 0 ? op.complete_time : end_of_history);
  }
  const int64_t pad = std::max<int64_t>((t1 - t0) / 10, 1000000);
  t0 = std::max<int64_t>(0, t0 - pad);
  t1 += pad;
  const double left = 170, width = 700, row = 22;
  const double height = row * static_cast<double>(cex.window.size()) + 30;
  std::string s = "<svg class='timeline' width='" + Fmt(left + width + 20) + "' height='" + Fmt(height) +
                  "' xmlns='http://www.w3.org/2000/svg'>";
  s += Bands(a.nemesis, t0, t1, left, width, 0, height - 20, false);
  const double span = static_cast<double>(t1 - t0);
  for (size_t r = 0; r < cex.window.size(); ++r) {
    const ck::Op& op = a.ops[cex.window[r]];
    const int64_t end = op.complete_time >= 0 ? op.complete_time : t1;
    const double xa = left + width * static_cast<double>(op.invoke_time - t0) / span;
    const double xb = left + width * static_cast<double>(end - t0) / span;
    const double y = 4 + row * static_cast<double>(r);
    const bool failed = static_cast<int64_t>(cex.window[r]) == cex.failed_op;
    const char* color = failed ? "#d62828" : op.status == ck::OpStatus::kOk ? "#2a9d8f" : "#adb5bd";
    std::string label = "p" + std::to_string(op.process) + " " + a.history.Str(op.f) + " " +
                        ck::ValueToString(ck::OpValue(a.history, op));
    s += "<text x='4' y='" + Fmt(y + 13) + "' font-size='11'>" + Esc(label) + "</text>";
    s += "<rect x='" + Fmt(xa) + "' y='" + Fmt(y) + "' width='" + Fmt(std::max(2.0, xb - xa)) + "' height='" +
         Fmt(row - 6) + "' fill='" + color + "'><title>" + Esc(label) + "</title></rect>";
  }
  s += "<text x='" + Fmt(left) + "' y='" + Fmt(height - 4) + "' font-size='10'>" + Sec(t0) + "</text>";
  s += "<text x='" + Fmt(left + width - 60) + "' y='" + Fmt(height - 4) + "' font-size='10'>" + Sec(t1) + "</text>";
  s += "</svg>";
  std::string faults;
  for (const auto& n : a.nemesis) {
    const int64_t end = n.end_ns < 0 ? INT64_MAX : n.end_ns;
    if (n.start_ns <= t1 && end >= t0) {
      faults += "<li><b>" + Esc(n.fault) + "</b> " + Esc(n.detail) + " (" + Sec(n.start_ns) + " – " +
                (n.end_ns < 0 ? std::string("end") : Sec(n.end_ns)) + ")</li>";
    }
  }
  s += faults.empty() ? "<p>No fault overlaps this window.</p>" : "<p>Faults overlapping this window:</p><ul>" + faults + "</ul>";
  return s;
}

std::string Linearizability(const Analysis& a, int64_t end_of_history) {
  const auto& r = *a.report.linearizability;
  size_t valid = 0, invalid = 0, unknown = 0;
  for (const auto& k : r.keys) {
    (k.verdict == ck::Verdict::kValid ? valid : k.verdict == ck::Verdict::kInvalid ? invalid : unknown)++;
  }
  std::string s = "<h2>Linearizability (" + std::string(ck::ModelKindName(a.report.model)) + ")</h2><p>" +
                  std::to_string(r.keys.size()) + " keys: " + std::to_string(valid) + " valid, " +
                  std::to_string(invalid) + " invalid, " + std::to_string(unknown) + " unknown.</p>";
  int shown = 0;
  for (const auto& k : r.keys) {
    if (k.verdict == ck::Verdict::kValid || shown >= 5) continue;
    ++shown;
    const std::string key = k.key == ck::kNoString ? "(no key)" : a.history.Str(k.key);
    s += "<div class='key'><h3>Key " + Esc(key) + ": " + ck::VerdictName(k.verdict) + "</h3>";
    if (k.verdict == ck::Verdict::kUnknown) {
      s += "<p>" + Esc(k.unknown_reason) + "</p></div>";
      continue;
    }
    s += "<p><b>" + Esc(k.cex.kind) + "</b>: " + Esc(k.cex.explanation) + "</p>";
    s += "<table class='ops'><tr><th>invoke idx</th><th>complete idx</th><th>process</th><th>f</th><th>value</th>"
         "<th>type</th><th>node</th><th>read mode</th><th>invoked</th><th>completed</th></tr>";
    for (uint32_t i : k.cex.window) s += OpRow(a, i, static_cast<int64_t>(i) == k.cex.failed_op);
    s += "</table>";
    if (!k.cex.states.empty()) {
      std::string st;
      for (const auto& x : k.cex.states) st += (st.empty() ? "" : ", ") + x;
      s += "<p>Register state(s) there: " + Esc(st) + "</p>";
    }
    s += Timeline(a, k.cex, end_of_history) + "</div>";
  }
  return s;
}

std::string SetSection(const Analysis& a) {
  const auto& r = *a.report.set;
  auto list = [](const std::vector<int64_t>& v) {
    std::string s;
    for (int64_t x : v) s += (s.empty() ? "" : ", ") + std::to_string(x);
    return s;
  };
  return "<h2>Set</h2><table class='params'><tr><th>attempted</th><td>" + std::to_string(r.attempted) +
         "</td></tr><tr><th>acknowledged</th><td>" + std::to_string(r.acknowledged) + "</td></tr><tr><th>lost</th><td>" +
         std::to_string(r.lost) + " " + list(r.lost_values) + "</td></tr><tr><th>unexpected</th><td>" +
         std::to_string(r.unexpected) + " " + list(r.unexpected_values) + "</td></tr><tr><th>stale</th><td>" +
         std::to_string(r.stale) + " " + list(r.stale_values) + "</td></tr><tr><th>recovered</th><td>" +
         std::to_string(r.recovered) + "</td></tr></table>" + (r.reason.empty() ? "" : "<p>" + Esc(r.reason) + "</p>");
}

// Latency of every op (sampled down to a few thousand points) against its invoke time, log
// scale, with fault bands.
std::string LatencyScatter(const Analysis& a, int64_t t1) {
  const double left = 50, width = 820, top = 10, height = 220;
  std::string s = "<svg width='" + Fmt(left + width + 20) + "' height='" + Fmt(top + height + 30) +
                  "' xmlns='http://www.w3.org/2000/svg'>";
  s += Bands(a.nemesis, 0, t1, left, width, top, height, true);
  double max_ms = 1;
  for (const auto& op : a.ops) {
    if (op.complete_time >= 0) max_ms = std::max(max_ms, static_cast<double>(op.complete_time - op.invoke_time) / 1e6);
  }
  const double lo = std::log10(0.05), hi = std::log10(max_ms * 1.2);
  const size_t step = std::max<size_t>(1, a.ops.size() / 6000);
  for (size_t i = 0; i < a.ops.size(); i += step) {
    const auto& op = a.ops[i];
    if (op.complete_time < 0) continue;
    const double ms = std::max(0.05, static_cast<double>(op.complete_time - op.invoke_time) / 1e6);
    const double x = left + width * static_cast<double>(op.invoke_time) / static_cast<double>(std::max<int64_t>(1, t1));
    const double y = top + height - height * (std::log10(ms) - lo) / (hi - lo);
    const char* c = op.status == ck::OpStatus::kOk ? "#2a9d8f" : op.status == ck::OpStatus::kFail ? "#e76f51" : "#6c757d";
    s += "<circle cx='" + Fmt(x, 1) + "' cy='" + Fmt(y, 1) + "' r='1.5' fill='" + c + "'/>";
  }
  for (double ms : {0.1, 1.0, 10.0, 100.0, 1000.0, 10000.0}) {
    if (std::log10(ms) > hi) break;
    const double y = top + height - height * (std::log10(ms) - lo) / (hi - lo);
    s += "<line x1='" + Fmt(left) + "' x2='" + Fmt(left + width) + "' y1='" + Fmt(y) + "' y2='" + Fmt(y) +
         "' stroke='#ddd'/><text x='2' y='" + Fmt(y + 3) + "' font-size='10'>" + Fmt(ms, ms < 1 ? 1 : 0) + " ms</text>";
  }
  s += "<text x='" + Fmt(left) + "' y='" + Fmt(top + height + 20) + "' font-size='10'>0 s</text><text x='" +
       Fmt(left + width - 40) + "' y='" + Fmt(top + height + 20) + "' font-size='10'>" + Sec(t1) + "</text>";
  s += "</svg><p class='legend'><span style='color:#2a9d8f'>●</span> ok <span style='color:#e76f51'>●</span> fail "
       "<span style='color:#6c757d'>●</span> info; shaded bands are faults.</p>";
  return s;
}

std::string Throughput(const Analysis& a, int64_t t1) {
  const auto& per = a.report.stats.ok_per_second;
  const double left = 50, width = 820, top = 10, height = 160;
  std::string s = "<svg width='" + Fmt(left + width + 20) + "' height='" + Fmt(top + height + 30) +
                  "' xmlns='http://www.w3.org/2000/svg'>";
  s += Bands(a.nemesis, 0, t1, left, width, top, height, true);
  uint64_t max = 1;
  for (uint64_t v : per) max = std::max(max, v);
  const double secs = std::max(1.0, static_cast<double>(t1) / 1e9);
  std::string pts;
  for (size_t i = 0; i < per.size(); ++i) {
    const double x = left + width * (static_cast<double>(i) + 0.5) / secs;
    const double y = top + height - height * static_cast<double>(per[i]) / static_cast<double>(max);
    pts += Fmt(x, 1) + "," + Fmt(y, 1) + " ";
  }
  s += "<polyline points='" + pts + "' fill='none' stroke='#264653' stroke-width='1.5'/>";
  s += "<text x='2' y='" + Fmt(top + 10) + "' font-size='10'>" + std::to_string(max) + "/s</text><text x='2' y='" +
       Fmt(top + height) + "' font-size='10'>0</text>";
  s += "<text x='" + Fmt(left + width - 40) + "' y='" + Fmt(top + height + 20) + "' font-size='10'>" + Sec(t1) + "</text>";
  return s + "</svg>";
}

std::string StatsTable(const ck::Stats& st) {
  std::string s = "<table class='ops'><tr><th>f</th><th>ok</th><th>fail</th><th>info</th><th>p50</th><th>p95</th>"
                  "<th>p99</th><th>max</th></tr>";
  auto ms = [](int64_t ns) { return Fmt(static_cast<double>(ns) / 1e6, 2) + " ms"; };
  for (const auto& f : st.per_f) {
    s += "<tr><td>" + Esc(f.f) + "</td><td>" + std::to_string(f.ok) + "</td><td>" + std::to_string(f.fail) + "</td><td>" +
         std::to_string(f.info) + "</td><td>" + ms(f.latency.p50) + "</td><td>" + ms(f.latency.p95) + "</td><td>" +
         ms(f.latency.p99) + "</td><td>" + ms(f.latency.max) + "</td></tr>";
  }
  return s + "</table>";
}

std::string Links(const std::string& dir) {
  std::vector<std::string> logs, scrapes;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    if (name.size() > 4 && name.compare(name.size() - 4, 4, ".log") == 0) logs.push_back(name);
  }
  for (const auto& e : std::filesystem::directory_iterator(dir + "/metrics", ec)) {
    scrapes.push_back("metrics/" + e.path().filename().string());
  }
  std::sort(logs.begin(), logs.end());
  std::sort(scrapes.begin(), scrapes.end());
  std::string s = "<h2>Files</h2><p><a href='history.jsonl'>history.jsonl</a> · <a href='results.json'>results.json</a> · "
                  "<a href='command.txt'>command.txt</a> · <a href='params.json'>params.json</a></p><p>Node logs: ";
  for (const auto& l : logs) s += "<a href='" + Esc(l) + "'>" + Esc(l) + "</a> ";
  s += "</p><p>Metrics scrapes: ";
  for (const auto& m : scrapes) s += "<a href='" + Esc(m) + "'>" + Esc(m) + "</a> ";
  return s + "</p>";
}

// Warnings (not meaningful, outside assumptions) and availability findings, near the top.
std::string Findings(const json& results) {
  std::vector<std::string> lines;
  for (const auto& w : results.value("warnings", json::array())) lines.push_back(w.get<std::string>());
  const json avail = results.value("coverage", json::object()).value("availability", json::object());
  for (const auto& f : avail.value("findings", json::array())) lines.push_back("availability: " + f.get<std::string>());
  if (lines.empty()) return "";
  std::string s = "<div class='warn'><b>Findings</b><ul>";
  for (const auto& l : lines) s += "<li>" + Esc(l) + "</li>";
  return s + "</ul></div>";
}

// Each counter and count as one row; nested objects (by lane, by outcome) inline.
std::string CoverageSection(const json& results) {
  const json cov = results.value("coverage", json::object());
  if (cov.empty()) return "";
  std::string s = "<h2>Coverage</h2><p>What the run exercised, from the servers' own counters (summed over nodes "
                  "and restarts) and the nemesis.</p><table class='params'>";
  auto row = [&](const std::string& k, const json& v) {
    std::string text;
    if (v.is_object()) {
      for (auto it = v.begin(); it != v.end(); ++it) text += (text.empty() ? "" : ", ") + it.key() + " " + it.value().dump();
      if (text.empty()) text = "none";
    } else {
      text = v.dump();
    }
    s += "<tr><th>" + Esc(k) + "</th><td>" + Esc(text) + "</td></tr>";
  };
  const json counters = cov.value("counters", json::object());
  for (auto it = counters.begin(); it != counters.end(); ++it) row(it.key(), it.value());
  row("faults started", cov.value("faults_started", json::object()));
  const json avail = cov.value("availability", json::object());
  for (const char* k : {"leader_changes_seen_by_clients", "crash_points_hit", "fail_stops"}) {
    if (avail.contains(k)) row(k, avail[k]);
  }
  s += "</table>";
  const json restarts = avail.value("fault_restarts", json::array());
  if (!restarts.empty()) {
    s += "<p>Nodes the faults took down and the nemesis restarted:</p><table class='ops'><tr><th>node</th><th>how it "
         "ended</th><th>fault</th></tr>";
    for (const auto& r : restarts) {
      s += "<tr><td>" + r.value("node", json()).dump() + "</td><td>" + Esc(r.value("how", "")) + "</td><td>" +
           Esc(r.value("cause", "")) + "</td></tr>";
    }
    s += "</table>";
  }
  return s;
}

}  // namespace

std::string RenderReportHtml(const Analysis& a, const json& params, const std::string& dir, const json& results) {
  const ck::Verdict v = a.report.verdict;
  const char* color = v == ck::Verdict::kValid ? "#2a9d8f" : v == ck::Verdict::kInvalid ? "#d62828" : "#e9c46a";
  int64_t t1 = 1;
  if (!a.history.events.empty()) t1 = std::max<int64_t>(1, a.history.events.back().time);
  for (const auto& n : a.nemesis) t1 = std::max(t1, n.end_ns);
  std::string s =
      "<!DOCTYPE html><html><head><meta charset='utf-8'><title>raftlab-harness: " + std::string(ck::VerdictName(v)) +
      "</title><style>body{font-family:sans-serif;margin:20px;color:#222;max-width:960px}"
      ".banner{background:" + color + ";color:white;padding:14px 18px;border-radius:6px}"
      ".banner h1{margin:0 0 6px 0;font-size:26px}.banner p{margin:0}"
      "table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ccc;padding:3px 7px;font-size:13px;text-align:left}"
      "th{background:#f3f3f3}.bad td{background:#fde2e2}pre{background:#f6f6f6;padding:8px;white-space:pre-wrap;font-size:12px}"
      ".key{border-left:4px solid #d62828;padding-left:10px;margin:12px 0}.legend{font-size:12px}"
      ".warn{background:#fff3cd;border-left:4px solid #e9c46a;padding:6px 12px;margin:12px 0}</style></head><body>";
  s += "<div class='banner'><h1>" + std::string(ck::VerdictName(v)) + "</h1><p>" + Esc(a.summary) + "</p></div>";
  if (params.value("interrupted", false)) s += "<p><b>The run was interrupted</b>; this checks the recorded prefix.</p>";
  s += Findings(results);
  s += "<h2>Test</h2>" + ParamsTable(params);
  s += "<p>Command to reproduce:</p><pre>" + Esc(params.value("command", "")) + "</pre>";
  s += "<p>Re-check this folder: <code>raftlab-harness analyze " + Esc(dir) + "</code></p>";
  if (a.report.linearizability) s += Linearizability(a, t1);
  if (a.report.set) s += SetSection(a);
  if (a.report.list_append) s += checkers::ListAppendHtml(*a.report.list_append, a.history, a.ops);
  if (!a.text.empty()) s += "<details><summary>Checker text</summary><pre>" + Esc(a.text) + "</pre></details>";
  s += "<h2>Faults</h2>";
  if (a.nemesis.empty()) {
    s += "<p>None.</p>";
  } else {
    s += "<table class='ops'><tr><th>fault</th><th>detail</th><th>start</th><th>end</th></tr>";
    for (const auto& n : a.nemesis) {
      s += "<tr><td>" + Esc(n.fault) + "</td><td>" + Esc(n.detail) + "</td><td>" + Sec(n.start_ns) + "</td><td>" +
           (n.end_ns < 0 ? std::string("never healed") : Sec(n.end_ns)) + "</td></tr>";
    }
    s += "</table>";
  }
  s += CoverageSection(results);
  s += "<h2>Latency</h2>" + LatencyScatter(a, t1);
  s += "<h2>Throughput (ok ops per second)</h2>" + Throughput(a, t1);
  s += "<h2>Operations</h2>" + StatsTable(a.report.stats);
  s += Links(dir);
  return s + "</body></html>\n";
}

}  // namespace raftlab::harness
