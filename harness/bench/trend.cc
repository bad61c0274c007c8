#include "harness/bench/trend.h"

#include <algorithm>
#include <cstdio>
#include <map>

#include "checkers/html_report.h"

namespace raftlab::bench {
namespace {

using checkers::HtmlEscape;

constexpr double kWidth = 640, kHeight = 170, kLeft = 70, kRight = 45, kTop = 14, kBottom = 36;

std::string Num(double x, const char* fmt = "%.1f") {
  char buf[48];
  std::snprintf(buf, sizeof buf, fmt, x);
  return buf;
}

std::string Short(const std::string& commit) { return commit.substr(0, 10); }

std::vector<std::string> BenchmarkNames(const std::vector<BenchResult>& results) {
  std::vector<std::string> names;
  for (const BenchResult& r : results) {
    for (const Series& s : r.benchmarks) {
      if (std::find(names.begin(), names.end(), s.name) == names.end()) names.push_back(s.name);
    }
  }
  return names;
}

std::string Plot(const std::vector<BenchResult>& results, const std::string& name,
                 const std::map<size_t, double>& regressed) {
  double lo = 1e300, hi = -1e300;
  const Series* any = nullptr;
  for (const BenchResult& r : results) {
    if (const Series* s = r.Find(name)) {
      any = s;
      for (double v : s->values) lo = std::min(lo, v), hi = std::max(hi, v);
    }
  }
  if (any == nullptr) return "";
  if (hi <= lo) hi = lo + std::max(1e-9, std::abs(lo) * 0.1);
  const double pad = (hi - lo) * 0.1;
  lo = std::max(0.0, lo - pad);
  hi += pad;
  const size_t n = results.size();
  auto x = [&](size_t i) { return kLeft + (n <= 1 ? 0.5 : static_cast<double>(i) / static_cast<double>(n - 1)) * (kWidth - kLeft - kRight); };
  auto y = [&](double v) { return kTop + (1 - (v - lo) / (hi - lo)) * (kHeight - kTop - kBottom); };
  std::string svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + Num(kWidth, "%.0f") + "\" height=\"" +
                    Num(kHeight, "%.0f") + "\" role=\"img\">";
  svg += "<rect x=\"" + Num(kLeft) + "\" y=\"" + Num(kTop) + "\" width=\"" + Num(kWidth - kLeft - kRight) +
         "\" height=\"" + Num(kHeight - kTop - kBottom) + "\" fill=\"#fafafa\" stroke=\"#ccc\"/>";
  for (double v : {lo, (lo + hi) / 2, hi}) {
    svg += "<text x=\"" + Num(kLeft - 4) + "\" y=\"" + Num(y(v) + 4) + "\" font-size=\"10\" text-anchor=\"end\">" +
           Num(v, v >= 100 ? "%.0f" : "%.3g") + "</text>";
  }
  std::string line;
  for (size_t i = 0; i < n; ++i) {
    svg += "<text x=\"" + Num(x(i)) + "\" y=\"" + Num(kHeight - kBottom + 14) +
           "\" font-size=\"9\" text-anchor=\"middle\">" + HtmlEscape(Short(results[i].commit)) + "</text>";
    const Series* s = results[i].Find(name);
    if (s == nullptr) continue;
    for (double v : s->values) {
      svg += "<circle cx=\"" + Num(x(i)) + "\" cy=\"" + Num(y(v)) + "\" r=\"2\" fill=\"#999\"/>";
    }
    const double med = Median(s->values);
    line += (line.empty() ? "" : " ") + Num(x(i)) + "," + Num(y(med));
    auto reg = regressed.find(i);
    const bool bad = reg != regressed.end();
    svg += "<circle cx=\"" + Num(x(i)) + "\" cy=\"" + Num(y(med)) + "\" r=\"" + (bad ? "6" : "3.5") + "\" fill=\"" +
           (bad ? "#d00" : "#2266cc") + "\"" + (bad ? " class=\"regression\"" : "") + "><title>" +
           HtmlEscape(Short(results[i].commit) + " " + results[i].date + ": median " + Num(med, "%.4g") + " " +
                      s->unit + (bad ? " - regression " + Num(reg->second * 100, "%+.1f") + "%" : "")) +
           "</title></circle>";
  }
  svg += "<polyline points=\"" + line + "\" fill=\"none\" stroke=\"#2266cc\" stroke-width=\"1.5\"/>";
  svg += "<text x=\"" + Num(kLeft) + "\" y=\"" + Num(kHeight - 6) + "\" font-size=\"10\">" +
         HtmlEscape(any->unit + (any->higher_is_better ? " (higher is better)" : " (lower is better)")) + "</text>";
  svg += "</svg>";
  return svg;
}

}  // namespace

std::vector<TrendRegression> TrendRegressions(const std::vector<BenchResult>& results, const CompareOptions& o) {
  std::vector<TrendRegression> out;
  for (size_t i = 1; i < results.size(); ++i) {
    for (const Comparison& c : Compare(results[i - 1], results[i], o)) {
      if (c.verdict == "regression") out.push_back({c.name, i, c.change});
    }
  }
  return out;
}

std::string TrendHtml(const std::vector<BenchResult>& results, const CompareOptions& o) {
  const std::vector<TrendRegression> regressions = TrendRegressions(results, o);
  std::string h =
      "<!doctype html><html><head><meta charset=\"utf-8\"><title>raftlab benchmark trend</title><style>"
      "body{font-family:sans-serif;margin:2em}h2{font-size:105%;margin:1.5em 0 .3em}table{border-collapse:collapse}"
      "td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}.bad{background:#fdd}</style></head><body>"
      "<h1>raftlab benchmarks over time</h1>";
  h += "<p>" + std::to_string(results.size()) + " results, oldest first. Grey dots: repetitions; blue: the median; "
       "red: a regression against the result before (beyond " + Num(o.threshold * 100, "%.0f") +
       "%, U test p &lt; " + Num(o.alpha, "%.2g") + " with enough repetitions, else min-of-N).</p>";
  h += "<h2>Regressions</h2>";
  if (regressions.empty()) {
    h += "<p>none</p>";
  } else {
    h += "<table><tr><th>benchmark</th><th>commit</th><th>date</th><th>change</th></tr>";
    for (const TrendRegression& r : regressions) {
      h += "<tr class=\"bad\"><td><a href=\"#b-" + HtmlEscape(r.benchmark) + "\">" + HtmlEscape(r.benchmark) +
           "</a></td><td>" + HtmlEscape(Short(results[r.result].commit)) + "</td><td>" +
           HtmlEscape(results[r.result].date) + "</td><td>" + Num(r.change * 100, "%+.1f") + "%</td></tr>";
    }
    h += "</table>";
  }
  for (const std::string& name : BenchmarkNames(results)) {
    std::map<size_t, double> regressed;
    for (const TrendRegression& r : regressions) {
      if (r.benchmark == name) regressed[r.result] = r.change;
    }
    h += "<h2 id=\"b-" + HtmlEscape(name) + "\">" + HtmlEscape(name) + "</h2>" + Plot(results, name, regressed);
  }
  h += "<h2>Results</h2><table><tr><th>#</th><th>commit</th><th>date</th><th>machine</th></tr>";
  for (size_t i = 0; i < results.size(); ++i) {
    const auto& m = results[i].machine;
    h += "<tr><td>" + std::to_string(i + 1) + "</td><td>" + HtmlEscape(results[i].commit) + "</td><td>" +
         HtmlEscape(results[i].date) + "</td><td>" + HtmlEscape(m.value("cpu", std::string("?"))) + ", " +
         HtmlEscape(m.contains("cores") ? m["cores"].dump() : "?") + " cores</td></tr>";
  }
  h += "</table></body></html>\n";
  return h;
}

}  // namespace raftlab::bench
