#pragma once
// report.html of a run folder: one self-contained page (inline CSS and SVG, no scripts, no
// external files) that opens from disk. In order: the verdict banner with the parameters,
// seed and exact command; each checker's result; for an invalid key, the counterexample
// ops on a timeline with the overlapping nemesis intervals named; latency scatter and
// throughput over time with nemesis intervals shaded; coverage (the servers' counters) and
// availability findings; links to node logs, metrics scrapes and the raw files.

#include <string>

#include <nlohmann/json.hpp>

#include "harness/analysis.h"

namespace raftlab::harness {

// `dir` is scanned for node logs and metrics scrapes to link (relative links). `results`
// (results.json's document) supplies the warnings, coverage and availability sections.
std::string RenderReportHtml(const Analysis& analysis, const nlohmann::json& params, const std::string& dir,
                             const nlohmann::json& results = nlohmann::json::object());

}  // namespace raftlab::harness
