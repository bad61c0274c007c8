#include "harness/matrix/publish.h"

#include <cstdio>
#include <ctime>

#include "checkers/html_report.h"

namespace raftlab::harness {
namespace {

using checkers::HtmlEscape;

std::string Fixed(double v, const char* fmt = "%.1f") {
  char buf[32];
  std::snprintf(buf, sizeof buf, fmt, v);
  return buf;
}

// At most `max` bytes of s, not cutting a UTF-8 character in two.
std::string Prefix(const std::string& s, size_t max) {
  if (s.size() <= max) return s;
  while (max > 0 && (static_cast<unsigned char>(s[max]) & 0xC0) == 0x80) --max;
  return s.substr(0, max);
}

std::string Join(const std::vector<std::string>& v, const char* sep) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : sep) + s;
  return out;
}

// The coverage counters worth a glance in a table cell: the non-zero scalar ones.
std::string CoverageText(const nlohmann::json& counters) {
  std::string out;
  if (!counters.is_object()) return out;
  for (auto it = counters.begin(); it != counters.end(); ++it) {
    if (!it.value().is_number() || it.value().get<double>() == 0) continue;
    out += (out.empty() ? "" : ", ") + it.key() + " " + Fixed(it.value().get<double>(), "%.0f");
  }
  return out;
}

std::string Counts(const MatrixSummary& s, int* passed, int* failed, int* errors, int* skipped) {
  *passed = *failed = *errors = *skipped = 0;
  double time = 0;
  for (const CellResult& r : s.cells) {
    (r.status == "passed" ? *passed : r.status == "failed" ? *failed : r.status == "error" ? *errors : *skipped)++;
    time += r.wall_s;
  }
  return Fixed(time, "%.3f");
}

std::string UtcNow() {
  std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", std::gmtime(&t));
  return buf;
}

std::string CellRow(const CellResult& r) {
  const std::string cls = r.status == "passed" ? "ok" : r.status == "skipped" ? "na" : "bad";
  std::string axes;
  for (const auto& [k, v] : r.cell.axes) axes += (axes.empty() ? "" : " ") + HtmlEscape(v);
  if (axes.empty()) axes = HtmlEscape(r.cell.command);
  const std::string link = r.report.empty() ? (r.log.empty() ? "-" : "<a href=\"" + HtmlEscape(r.log) + "\">log</a>")
                                            : "<a href=\"" + HtmlEscape(r.report) + "\">report</a> <a href=\"" +
                                                  HtmlEscape(r.log) + "\">log</a>";
  std::string faults = r.fault_count > 0 ? std::to_string(r.fault_count) + ": " + Join(r.faults, ", ") : "-";
  std::string notes = HtmlEscape(r.summary);
  for (const auto& f : r.findings) notes += "<br><i>" + HtmlEscape(f) + "</i>";
  return "<tr class=\"" + cls + "\"><td>" + HtmlEscape(r.status) + "</td><td>" + HtmlEscape(r.verdict) +
         (r.cell.expect == "invalid" ? " (expected invalid)" : "") + "</td><td><b>" + HtmlEscape(r.cell.id) +
         "</b><br><small>" + axes + (r.cell.seed ? " seed " + std::to_string(r.cell.seed) : "") +
         "</small></td><td>" + (r.ops >= 0 ? std::to_string(r.ops) : "-") + "</td><td>" + HtmlEscape(faults) +
         "</td><td><small>" + HtmlEscape(CoverageText(r.coverage)) + "</small></td><td>" + notes + "</td><td>" +
         Fixed(r.wall_s, "%.0f") + " s</td><td>" + link + "</td></tr>\n";
}

}  // namespace

std::string XmlEscape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t' && c != '\r') continue;
        out += c;
    }
  }
  return out;
}

std::string MatrixIndexHtml(const MatrixSummary& s) {
  int passed, failed, errors, skipped;
  Counts(s, &passed, &failed, &errors, &skipped);
  const int code = MatrixExitCode(s.cells);
  std::string shards;
  for (int i : s.shards) shards += (shards.empty() ? "" : ", ") + std::to_string(i);
  std::string h =
      "<!doctype html><html><head><meta charset=\"utf-8\"><title>raftlab matrix</title><style>"
      "body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;"
      "padding:4px 8px;text-align:left;vertical-align:top}.ok{background:#dfd}.bad{background:#fdd}"
      ".na{background:#eee}.banner{padding:8px 12px;font-size:120%}</style></head><body>"
      "<h1>raftlab fault-injection matrix</h1>";
  h += std::string("<p class=\"banner ") + (code == 0 ? "ok" : "bad") + "\">" +
       (code == 0 ? "all cells passed" : code == 1 ? "cells failed" : "harness errors") + ": " +
       std::to_string(passed) + " passed, " + std::to_string(failed) + " failed, " + std::to_string(errors) +
       " errors, " + std::to_string(skipped) + " skipped of " + std::to_string(s.planned) + " planned</p>";
  h += "<p>Matrix <code>" + HtmlEscape(s.matrix) + "</code>, " + std::to_string(s.seeds) + " seed(s) per configuration" +
       (s.budget_s > 0 ? ", budget " + Fixed(s.budget_s / 60, "%.0f") + " min per shard" : "") + ", shard(s) " +
       shards + " of " + std::to_string(s.shard_count) + ". Each row: the cell's run folder holds its report, " +
       "history and logs; <code>reproduce</code> in summary.json is its exact command.</p>";
  h += "<table><tr><th>status</th><th>verdict</th><th>cell</th><th>ops</th><th>faults</th><th>coverage</th>"
       "<th>summary and findings</th><th>wall</th><th>links</th></tr>\n";
  for (const CellResult& r : ReportOrder(s.cells)) h += CellRow(r);
  h += "</table><p>Generated " + UtcNow() + " UTC. Also: <a href=\"junit.xml\">junit.xml</a>, "
       "<a href=\"summary.json\">summary.json</a>.</p></body></html>\n";
  return h;
}

std::string MatrixJunitXml(const MatrixSummary& s) {
  int passed, failed, errors, skipped;
  const std::string time = Counts(s, &passed, &failed, &errors, &skipped);
  const std::string counts = " tests=\"" + std::to_string(s.cells.size()) + "\" failures=\"" + std::to_string(failed) +
                             "\" errors=\"" + std::to_string(errors) + "\" skipped=\"" + std::to_string(skipped) +
                             "\" time=\"" + time + "\"";
  std::string x = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"raftlab-matrix\"" + counts + ">\n";
  x += "  <testsuite name=\"raftlab-harness matrix\"" + counts + " timestamp=\"" + UtcNow() +
       "\" hostname=\"localhost\">\n";
  for (const CellResult& r : s.cells) {
    std::string classname = "matrix." + r.cell.command;
    for (const auto& [k, v] : r.cell.axes) {
      if (k != "nemesis") classname += "." + v;
    }
    x += "    <testcase classname=\"" + XmlEscape(classname) + "\" name=\"" + XmlEscape(r.cell.id) + "\" time=\"" +
         Fixed(r.wall_s, "%.3f") + "\">\n";
    const std::string detail = XmlEscape(r.summary + "\n" + Join(r.findings, "\n") + "\nreport: " + r.report +
                                         "\nreproduce: " + r.command);
    if (r.status == "failed") {
      x += "      <failure message=\"" + XmlEscape(r.verdict + ": " + Prefix(r.summary, 200)) + "\" type=\"" +
           XmlEscape(r.verdict) + "\">" + detail + "</failure>\n";
    } else if (r.status == "error") {
      x += "      <error message=\"" + XmlEscape(Prefix(r.summary, 200)) + "\" type=\"harness-error\">" + detail +
           "</error>\n";
    } else if (r.status == "skipped") {
      x += "      <skipped message=\"" + XmlEscape(r.summary) + "\"/>\n";
    }
    if (r.status != "skipped") x += "      <system-out>" + detail + "</system-out>\n";
    x += "    </testcase>\n";
  }
  x += "  </testsuite>\n</testsuites>\n";
  return x;
}

}  // namespace raftlab::harness
