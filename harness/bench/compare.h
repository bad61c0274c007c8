#pragma once
// Compares a benchmark result against a baseline, noise-aware.
//
// With at least `min_utest_repetitions` repetitions on both sides (as Google Benchmark's
// compare.py does) a two-sided Mann-Whitney U test decides whether the two sets of
// repetitions differ at all (p < alpha), and the change of the medians whether it matters
// (beyond `threshold` in the worse direction: a regression; in the better one: an
// improvement). With fewer repetitions the best value of each side (min-of-N: the least
// time, the most throughput) is compared with `threshold` as the tolerance. Exact U
// distribution without ties and for small samples, else the normal approximation with tie
// and continuity corrections.

#include <optional>
#include <string>
#include <vector>

#include "harness/bench/result.h"

namespace raftlab::bench {

struct CompareOptions {
  double threshold = 0.10;  // relative change that counts
  double alpha = 0.05;      // U test significance
  int min_utest_repetitions = 5;
};

struct Comparison {
  std::string name, unit;
  bool higher_is_better = false;
  double base = 0, now = 0;  // medians (U test) or bests (min-of-N)
  double change = 0;         // now / base - 1
  std::optional<double> p;   // U test p-value
  std::string method;        // "u-test" or "min-of-n"
  std::string verdict;       // regression, improvement, same, only-in-baseline, new
};

// Two-sided p-value of the Mann-Whitney U test of a and b (1 when either is empty).
double MannWhitneyP(const std::vector<double>& a, const std::vector<double>& b);

double Median(std::vector<double> v);

// Every benchmark of either file, in the baseline's order then the new ones.
std::vector<Comparison> Compare(const BenchResult& base, const BenchResult& now, const CompareOptions& options);

// A table: one line per benchmark, regressions and improvements listed again at the end.
std::string CompareText(const std::vector<Comparison>& rows, const CompareOptions& options);

bool HasRegression(const std::vector<Comparison>& rows);

}  // namespace raftlab::bench
