// A self-contained HTML report (inline CSS and SVG, no scripts or external files): the
// verdict, per-key counterexamples with a timeline of the ops around each window, set
// and bank findings, and statistics with a throughput chart.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "checkers/report.h"

namespace raftlab::checkers {

// s with <, >, & and " escaped for HTML text and attribute values.
std::string HtmlEscape(std::string_view s);

// The list-append section: each anomaly's witness; for a cycle, the txns (T1, T2, ...)
// and one row per edge with its kind and the reason it exists.
std::string ListAppendHtml(const ListAppendResult& result, const History& history, const std::vector<Op>& ops);

std::string ReportHtml(const CheckReport& report, const History& history,
                       const std::vector<Op>& ops);

}  // namespace raftlab::checkers
