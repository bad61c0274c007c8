#include "harness/bench/compare.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace raftlab::bench {
namespace {

// Number of orderings of n + m distinct values giving each U (pairs with the first sample's
// value above the second's), for the exact null distribution.
std::vector<double> UCounts(int n, int m) {
  // f[i][j][u]: orderings of i values of a and j of b with U = u.
  std::vector<std::vector<std::vector<double>>> f(
      static_cast<size_t>(n + 1), std::vector<std::vector<double>>(static_cast<size_t>(m + 1)));
  for (int i = 0; i <= n; ++i) {
    for (int j = 0; j <= m; ++j) {
      auto& cell = f[static_cast<size_t>(i)][static_cast<size_t>(j)];
      cell.assign(static_cast<size_t>(i * j + 1), 0.0);
      if (i == 0 || j == 0) {
        cell[0] = 1;
        continue;
      }
      // The largest value belongs to a (it beats all j of b) or to b.
      const auto& from_a = f[static_cast<size_t>(i - 1)][static_cast<size_t>(j)];
      const auto& from_b = f[static_cast<size_t>(i)][static_cast<size_t>(j - 1)];
      for (size_t u = 0; u < from_a.size(); ++u) cell[u + static_cast<size_t>(j)] += from_a[u];
      for (size_t u = 0; u < from_b.size(); ++u) cell[u] += from_b[u];
    }
  }
  return f[static_cast<size_t>(n)][static_cast<size_t>(m)];
}

std::string Percent(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%+.1f%%", x * 100);
  return buf;
}

std::string Number(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, std::fabs(x) >= 100 ? "%.0f" : "%.3g", x);
  return buf;
}

}  // namespace

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t m = v.size() / 2;
  return v.size() % 2 == 1 ? v[m] : (v[m - 1] + v[m]) / 2;
}

double MannWhitneyP(const std::vector<double>& a, const std::vector<double>& b) {
  const size_t n = a.size(), m = b.size();
  if (n == 0 || m == 0) return 1;
  double u = 0;
  bool ties = false;
  for (double x : a) {
    for (double y : b) {
      if (x > y) {
        u += 1;
      } else if (x == y) {
        u += 0.5;
        ties = true;
      }
    }
  }
  if (!ties && n + m <= 40) {
    const std::vector<double> counts = UCounts(static_cast<int>(n), static_cast<int>(m));
    double total = 0, below = 0, above = 0;
    for (size_t k = 0; k < counts.size(); ++k) {
      total += counts[k];
      if (static_cast<double>(k) <= u) below += counts[k];
      if (static_cast<double>(k) >= u) above += counts[k];
    }
    return std::min(1.0, 2 * std::min(below, above) / total);
  }
  // Normal approximation; the variance shrinks with each group of tied values.
  std::vector<double> all(a);
  all.insert(all.end(), b.begin(), b.end());
  std::sort(all.begin(), all.end());
  double tie_term = 0;
  for (size_t i = 0; i < all.size();) {
    size_t j = i;
    while (j < all.size() && all[j] == all[i]) ++j;
    const double t = static_cast<double>(j - i);
    tie_term += t * t * t - t;
    i = j;
  }
  const double N = static_cast<double>(n + m), nn = static_cast<double>(n), mm = static_cast<double>(m);
  const double mean = nn * mm / 2;
  const double var = nn * mm / 12 * ((N + 1) - tie_term / (N * (N - 1)));
  if (var <= 0) return 1;
  const double z = (std::fabs(u - mean) - 0.5) / std::sqrt(var);
  return std::min(1.0, std::erfc(std::max(z, 0.0) / std::sqrt(2.0)));
}

std::vector<Comparison> Compare(const BenchResult& base, const BenchResult& now, const CompareOptions& o) {
  std::vector<Comparison> out;
  auto row = [](const Series& s) {
    Comparison c;
    c.name = s.name;
    c.unit = s.unit;
    c.higher_is_better = s.higher_is_better;
    return c;
  };
  auto judge = [&](const Series& b, const Series& n) {
    Comparison c = row(b);
    const int reps = static_cast<int>(std::min(b.values.size(), n.values.size()));
    if (reps >= o.min_utest_repetitions) {
      c.method = "u-test";
      c.base = Median(b.values);
      c.now = Median(n.values);
      c.p = MannWhitneyP(b.values, n.values);
    } else {
      c.method = "min-of-n";
      auto best = [&](const std::vector<double>& v) {
        return b.higher_is_better ? *std::max_element(v.begin(), v.end()) : *std::min_element(v.begin(), v.end());
      };
      c.base = best(b.values);
      c.now = best(n.values);
    }
    c.change = c.base != 0 ? c.now / c.base - 1 : 0;
    const double worse = b.higher_is_better ? -c.change : c.change;
    const bool significant = !c.p || *c.p < o.alpha;
    c.verdict = !significant ? "same" : worse > o.threshold ? "regression" : -worse > o.threshold ? "improvement" : "same";
    return c;
  };
  for (const Series& b : base.benchmarks) {
    if (const Series* n = now.Find(b.name)) {
      out.push_back(judge(b, *n));
    } else {
      Comparison c = row(b);
      c.base = Median(b.values);
      c.verdict = "only-in-baseline";
      out.push_back(c);
    }
  }
  for (const Series& n : now.benchmarks) {
    if (base.Find(n.name)) continue;
    Comparison c = row(n);
    c.now = Median(n.values);
    c.verdict = "new";
    out.push_back(c);
  }
  return out;
}

bool HasRegression(const std::vector<Comparison>& rows) {
  return std::any_of(rows.begin(), rows.end(), [](const Comparison& c) { return c.verdict == "regression"; });
}

std::string CompareText(const std::vector<Comparison>& rows, const CompareOptions& o) {
  char head[200];
  std::snprintf(head, sizeof head,
                "threshold %.0f%%, U test at alpha %.2g with >= %d repetitions per side, else min-of-N\n", o.threshold * 100,
                o.alpha, o.min_utest_repetitions);
  std::string out = head;
  char line[512];
  std::snprintf(line, sizeof line, "%-60s %12s %12s %9s %8s  %s\n", "benchmark", "baseline", "new", "change", "p",
                "verdict");
  out += line;
  std::string regressions, improvements;
  for (const Comparison& c : rows) {
    const std::string p = c.p ? Number(*c.p) : c.method == "min-of-n" ? "min-N" : "-";
    std::snprintf(line, sizeof line, "%-60s %12s %12s %9s %8s  %s\n", c.name.c_str(),
                  c.verdict == "new" ? "-" : (Number(c.base) + " " + c.unit).c_str(),
                  c.verdict == "only-in-baseline" ? "-" : (Number(c.now) + " " + c.unit).c_str(),
                  c.verdict == "new" || c.verdict == "only-in-baseline" ? "-" : Percent(c.change).c_str(), p.c_str(),
                  c.verdict.c_str());
    out += line;
    const std::string item = "  " + c.name + " " + Percent(c.change) + (c.higher_is_better ? " (higher is better)" : "") + "\n";
    if (c.verdict == "regression") regressions += item;
    if (c.verdict == "improvement") improvements += item;
  }
  out += "regressions:" + std::string(regressions.empty() ? " none\n" : "\n" + regressions);
  out += "improvements:" + std::string(improvements.empty() ? " none\n" : "\n" + improvements);
  return out;
}

}  // namespace raftlab::bench
