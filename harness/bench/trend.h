#pragma once
// The trend page over a stored history of benchmark results: one inline-SVG plot per
// benchmark (each repetition a grey dot, the median a line, one column per result in
// date order), a point marked red where the result regressed against the one before it
// (compare.h's rule). Self-contained: no scripts, no network.

#include <string>
#include <vector>

#include "harness/bench/compare.h"
#include "harness/bench/result.h"

namespace raftlab::bench {

struct TrendRegression {
  std::string benchmark;
  size_t result = 0;  // index into the results
  double change = 0;
};

// The regressions between consecutive results, in order.
std::vector<TrendRegression> TrendRegressions(const std::vector<BenchResult>& results, const CompareOptions& options);

// Results must be in the order to plot (oldest first).
std::string TrendHtml(const std::vector<BenchResult>& results, const CompareOptions& options);

}  // namespace raftlab::bench
