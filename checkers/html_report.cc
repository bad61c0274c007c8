#include "checkers/html_report.h"

#include <algorithm>
#include <map>
#include <set>

namespace raftlab::checkers {
namespace {

constexpr size_t kKeysShown = 10;
constexpr size_t kContextOps = 10;  // ops of the key shown either side of a window
constexpr size_t kTimelineOps = 80;

std::string Esc(const std::string& s) { return HtmlEscape(s); }

const char* StatusName(OpStatus s) {
  return s == OpStatus::kOk ? "ok" : s == OpStatus::kFail ? "fail" : "info";
}

std::string OpRow(const History& h, const std::vector<Op>& ops, uint32_t i, bool failed) {
  const Op& op = ops[i];
  std::string end = op.complete_event >= 0 ? std::to_string(h.FileIndex(op.complete_event)) : "&ndash;";
  return std::string("<tr") + (failed ? " class=failed" : "") + "><td>" +
         std::to_string(h.FileIndex(op.invoke_event)) + "</td><td>" + end + "</td><td>" +
         std::to_string(op.process) + "</td><td>" + Esc(h.Str(op.f)) + "</td><td>" +
         StatusName(op.status) + "</td><td>" + Esc(ValueToString(OpValue(h, op))) + "</td><td>" +
         (failed ? "cannot be placed" : "") + "</td></tr>\n";
}

std::string OpTable(const History& h, const std::vector<Op>& ops,
                    const std::vector<uint32_t>& list, int64_t failed) {
  std::string out =
      "<table><tr><th>invoke</th><th>complete</th><th>process</th><th>f</th><th>type</th>"
      "<th>value</th><th></th></tr>\n";
  for (uint32_t i : list) out += OpRow(h, ops, i, static_cast<int64_t>(i) == failed);
  return out + "</table>\n";
}

// The key's ops invoked within the window's span plus kContextOps either side, one lane
// per process, x = event position (the order the checkers use).
std::string Timeline(const History& h, const std::vector<Op>& ops, const KeyResult& k) {
  const Counterexample& c = k.cex;
  if (c.window.empty()) return "";
  int64_t first_call = INT64_MAX, last_call = 0;
  for (uint32_t i : c.window) {
    first_call = std::min(first_call, ops[i].invoke_event);
    last_call = std::max(last_call, ops[i].invoke_event);
  }
  std::vector<uint32_t> key_ops;  // invoke order, as ops are
  for (size_t i = 0; i < ops.size(); ++i) {
    if (ops[i].key == k.key) key_ops.push_back(static_cast<uint32_t>(i));
  }
  auto by_call = [&](uint32_t i, int64_t pos) { return ops[i].invoke_event < pos; };
  size_t from = static_cast<size_t>(
      std::lower_bound(key_ops.begin(), key_ops.end(), first_call, by_call) - key_ops.begin());
  size_t to = static_cast<size_t>(
      std::lower_bound(key_ops.begin(), key_ops.end(), last_call + 1, by_call) - key_ops.begin());
  from = from > kContextOps ? from - kContextOps : 0;
  to = std::min(key_ops.size(), to + kContextOps);
  std::vector<uint32_t> shown(key_ops.begin() + static_cast<std::ptrdiff_t>(from),
                              key_ops.begin() + static_cast<std::ptrdiff_t>(to));
  std::set<uint32_t> window(c.window.begin(), c.window.end());
  int64_t lo = INT64_MAX, hi = 0;
  for (uint32_t i : shown) {
    lo = std::min(lo, ops[i].invoke_event);
    hi = std::max({hi, ops[i].invoke_event, ops[i].complete_event});
  }
  hi += 1;
  if (shown.size() > kTimelineOps) {
    // Keep the window and the ops nearest to it.
    int64_t mid = (lo + hi) / 2;
    std::stable_sort(shown.begin(), shown.end(), [&](uint32_t a, uint32_t b) {
      bool wa = window.count(a), wb = window.count(b);
      if (wa != wb) return wa;
      return std::llabs(ops[a].invoke_event - mid) < std::llabs(ops[b].invoke_event - mid);
    });
    shown.resize(kTimelineOps);
    std::sort(shown.begin(), shown.end());
  }
  std::map<int64_t, int> lane;
  for (uint32_t i : shown) lane.emplace(ops[i].process, 0);
  int row = 0;
  for (auto& [p, r] : lane) r = row++;
  const double width = 1100, left = 90, lane_h = 26;
  const double span = static_cast<double>(hi - lo + 1);
  auto x = [&](int64_t pos) {
    return left + (width - left - 10) * static_cast<double>(std::clamp(pos, lo, hi) - lo) / span;
  };
  std::string svg = "<svg class=timeline width=" + std::to_string(int(width)) + " height=" +
                    std::to_string(int(lane_h * row + 30)) + ">\n";
  for (auto& [p, r] : lane) {
    svg += "<text x=4 y=" + std::to_string(int(r * lane_h + 18)) + ">process " +
           std::to_string(p) + "</text>\n";
  }
  for (uint32_t i : shown) {
    const Op& op = ops[i];
    double x0 = x(op.invoke_event);
    double x1 = op.complete_event >= 0 ? x(op.complete_event) : x(hi);
    double y = lane.at(op.process) * lane_h + 4;
    std::string cls = StatusName(op.status);
    if (window.count(i)) cls += " win";
    if (static_cast<int64_t>(i) == c.failed_op) cls += " failed";
    std::string label = h.Str(op.f) + " " + ValueToString(OpValue(h, op));
    svg += "<g class=\"" + cls + "\"><title>" + Esc(label) + " [" +
           std::to_string(h.FileIndex(op.invoke_event)) + ".." +
           (op.complete_event >= 0 ? std::to_string(h.FileIndex(op.complete_event)) : "open") + "] " +
           StatusName(op.status) + "</title><rect x=" + std::to_string(x0) + " y=" +
           std::to_string(y) + " width=" + std::to_string(std::max(3.0, x1 - x0)) +
           " height=" + std::to_string(lane_h - 8) + " rx=3 /><text x=" +
           std::to_string(x0 + 3) + " y=" + std::to_string(y + 13) + ">" + Esc(label) +
           "</text></g>\n";
  }
  svg += "<text x=" + std::to_string(left) + " y=" + std::to_string(int(lane_h * row + 24)) +
         ">event " + std::to_string(lo) + "</text><text x=" + std::to_string(width - 110) +
         " y=" + std::to_string(int(lane_h * row + 24)) + ">event " + std::to_string(hi) +
         "</text>\n</svg>\n";
  return svg;
}

std::string ThroughputChart(const Stats& s) {
  if (s.ok_per_second.empty()) return "";
  const double width = 1100, height = 120;
  uint64_t peak = *std::max_element(s.ok_per_second.begin(), s.ok_per_second.end());
  if (peak == 0) return "";
  double bar = width / static_cast<double>(s.ok_per_second.size());
  std::string svg = "<svg class=chart width=" + std::to_string(int(width)) + " height=" +
                    std::to_string(int(height + 20)) + ">\n";
  for (size_t i = 0; i < s.ok_per_second.size(); ++i) {
    double h = height * static_cast<double>(s.ok_per_second[i]) / static_cast<double>(peak);
    svg += "<rect x=" + std::to_string(bar * static_cast<double>(i)) + " y=" +
           std::to_string(height - h) + " width=" + std::to_string(std::max(1.0, bar - 1)) +
           " height=" + std::to_string(h) + "><title>second " + std::to_string(i) + ": " +
           std::to_string(s.ok_per_second[i]) + " ok ops</title></rect>\n";
  }
  svg += "<text x=0 y=" + std::to_string(int(height + 16)) + ">peak " + std::to_string(peak) +
         " ok ops/s over " + std::to_string(s.ok_per_second.size()) + " s</text></svg>\n";
  return svg;
}

std::string Ms(int64_t ns) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", static_cast<double>(ns) / 1e6);
  return buf;
}

}  // namespace

std::string ListAppendHtml(const ListAppendResult& la, const History& h, const std::vector<Op>& ops) {
  std::string out = "<h2>List-append</h2>\n<p>" + std::to_string(la.txns) + " txns (" + std::to_string(la.ok) +
                    " ok, " + std::to_string(la.info) + " info, " + std::to_string(la.fail) + " fail) on " +
                    std::to_string(la.keys) + " keys; " + std::to_string(la.edges) +
                    " dependency edges. Strongest model satisfied: <b>" +
                    (la.strongest ? ConsistencyModelName(*la.strongest) : "none") + "</b>; checked against <b>" +
                    ConsistencyModelName(la.checked) + "</b>.</p>\n";
  if (!la.reason.empty()) out += "<p>note: " + Esc(la.reason) + "</p>\n";
  for (const ListAppendAnomaly& a : la.anomalies) {
    out += "<h3>" + Esc(a.type) + " <small>(rules out " + ConsistencyModelName(a.forbidden_from) +
           " and stronger; " + std::to_string(la.counts.at(a.type)) + " found)</small></h3>\n<pre>" +
           Esc(a.explanation) + "</pre>\n";
    if (!a.steps.empty()) {
      out += "<table><tr><th>step</th><th>edge</th><th>why</th></tr>\n";
      for (size_t i = 0; i < a.steps.size(); ++i) {
        const size_t j = (i + 1) % a.steps.size();
        out += "<tr><td>" + std::to_string(i + 1) + "</td><td>T" + std::to_string(i + 1) + " &rarr;" +
               EdgeKindName(a.steps[i].kind) + "&rarr; T" + std::to_string(j + 1) + "</td><td>" +
               Esc(a.steps[i].why) + "</td></tr>\n";
      }
      out += "</table>\n";
    }
    out += OpTable(h, ops, a.ops, -1);
  }
  return out;
}

std::string ReportHtml(const CheckReport& r, const History& h, const std::vector<Op>& ops) {
  const std::string verdict = VerdictName(r.verdict);
  std::string out =
      "<!DOCTYPE html>\n<html><head><meta charset=utf-8><title>raftlab-check: " + verdict +
      "</title>\n<style>\n"
      "body{font-family:sans-serif;margin:2em;color:#222}\n"
      ".verdict{font-size:1.3em;padding:.6em 1em;border-radius:6px;font-family:monospace}\n"
      ".valid{background:#d9f2d9}.invalid{background:#f8d0d0}.unknown{background:#fbeccb}\n"
      "table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:2px "
      "8px;font-family:monospace;text-align:left}\n"
      "tr.failed td{background:#f8d0d0;font-weight:bold}\n"
      "svg text{font-size:11px;font-family:monospace}\n"
      "svg.timeline g rect{fill:#cfe0f5;stroke:#6b8fbf}\n"
      "svg.timeline g.info rect{fill:#fbeccb;stroke:#c99a2e;stroke-dasharray:4 2}\n"
      "svg.timeline g.fail rect{fill:#eee;stroke:#aaa}\n"
      "svg.timeline g.win rect{stroke:#c33;stroke-width:2}\n"
      "svg.timeline g.failed rect{fill:#f5b5b5;stroke:#a00;stroke-width:3}\n"
      "svg.chart rect{fill:#6b8fbf}\n"
      "</style></head><body>\n<h1>raftlab-check</h1>\n<p>history <code>" +
      Esc(r.history_path) + "</code>, model <code>" + ModelKindName(r.model) + "</code>, " +
      std::to_string(ops.size()) + " ops</p>\n<div class=\"verdict " + verdict + "\">" +
      Esc(SummaryLine(r, h, ops)) + "</div>\n";
  if (r.linearizability) {
    size_t shown = 0;
    for (const KeyResult& k : r.linearizability->keys) {
      if (k.verdict == Verdict::kValid) continue;
      if (shown++ == kKeysShown) {
        out += "<p>(more keys omitted; see the JSON result)</p>\n";
        break;
      }
      out += "<h2>key <code>" + Esc(KeyName(h, k.key)) + "</code>: " + VerdictName(k.verdict) +
             "</h2>\n";
      if (k.verdict == Verdict::kUnknown) {
        out += "<p>search stopped: " + Esc(k.unknown_reason) + " after " +
               std::to_string(k.search_states) + " states</p>\n";
        if (!k.verified.empty()) {
          out += "<p>verified on this key:";
          for (const auto& v : k.verified) out += " <code>" + Esc(v) + "</code>";
          out += "</p>\n";
        }
        continue;
      }
      const Counterexample& c = k.cex;
      out += "<p><b>" + Esc(c.kind) + "</b> (found by " + Esc(k.method) + "): " +
             Esc(c.explanation) + "</p>\n<h3>Window: " + std::to_string(c.window.size()) +
             " ops that cannot be linearized together</h3>\n" +
             OpTable(h, ops, c.window, c.failed_op);
      for (const auto& s : c.states) out += "<p>state: " + Esc(s) + "</p>\n";
      out += "<h3>Timeline around the window</h3>\n" + Timeline(h, ops, k);
      if (!c.prefix.empty()) {
        std::vector<uint32_t> tail(
            c.prefix.end() - static_cast<std::ptrdiff_t>(std::min<size_t>(10, c.prefix.size())),
            c.prefix.end());
        out += "<h3>Longest linearizable prefix found: " + std::to_string(c.prefix.size()) +
               " ops (last " + std::to_string(tail.size()) + " shown, in order)</h3>\n" +
               OpTable(h, ops, tail, -1);
      }
    }
  }
  if (r.set) {
    const SetResult& s = *r.set;
    out += "<h2>Set</h2>\n<table><tr><th>attempted</th><th>acknowledged</th><th>lost</th>"
           "<th>unexpected</th><th>stale</th><th>recovered</th></tr><tr><td>" +
           std::to_string(s.attempted) + "</td><td>" + std::to_string(s.acknowledged) +
           "</td><td>" + std::to_string(s.lost) + "</td><td>" + std::to_string(s.unexpected) +
           "</td><td>" + std::to_string(s.stale) + "</td><td>" + std::to_string(s.recovered) +
           "</td></tr></table>\n";
  }
  if (r.bank) {
    const BankResult& b = *r.bank;
    out += "<h2>Bank</h2>\n<p>" + std::to_string(b.bad_reads) + " of " +
           std::to_string(b.reads) + " reads break the total " + std::to_string(b.total) +
           "</p>\n";
    if (!b.bad_ops.empty()) out += OpTable(h, ops, b.bad_ops, -1);
  }
  if (r.list_append) out += ListAppendHtml(*r.list_append, h, ops);
  const Stats& s = r.stats;
  out += "<h2>Statistics</h2>\n<table><tr><th>f</th><th>ok</th><th>fail</th><th>info</th>"
         "<th>p50 ms</th><th>p95 ms</th><th>p99 ms</th><th>max ms</th></tr>\n";
  auto row = [&](const std::string& f, uint64_t ok, uint64_t fail, uint64_t info,
                 const LatencyStats& l) {
    out += "<tr><td>" + Esc(f) + "</td><td>" + std::to_string(ok) + "</td><td>" +
           std::to_string(fail) + "</td><td>" + std::to_string(info) + "</td><td>" + Ms(l.p50) +
           "</td><td>" + Ms(l.p95) + "</td><td>" + Ms(l.p99) + "</td><td>" + Ms(l.max) +
           "</td></tr>\n";
  };
  for (const FStats& f : s.per_f) row(f.f, f.ok, f.fail, f.info, f.latency);
  row("all", s.ok, s.fail, s.info, s.latency);
  out += "</table>\n<h3>Throughput (ok ops per second of history time)</h3>\n" +
         ThroughputChart(s) + "</body></html>\n";
  return out;
}

std::string HtmlEscape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

}  // namespace raftlab::checkers
