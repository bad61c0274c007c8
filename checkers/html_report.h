// A self-contained HTML report (inline CSS and SVG, no scripts or external files): the
// verdict, per-key counterexamples with a timeline of the ops around each window, set
// and bank findings, and statistics with a throughput chart.
#pragma once

#include <string>
#include <vector>

#include "checkers/report.h"

namespace raftlab::checkers {

std::string ReportHtml(const CheckReport& report, const History& history,
                       const std::vector<Op>& ops);

}  // namespace raftlab::checkers
