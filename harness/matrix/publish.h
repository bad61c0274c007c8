#pragma once
// The pages a CI job publishes from a matrix folder: index.html (one row per cell, failed
// and error cells first, each linking to its run's report) and junit.xml (one testcase per
// cell, in the JUnit XML shape CI systems read: testsuites > testsuite > testcase with
// failure, error or skipped).

#include <string>

#include "harness/matrix/results.h"

namespace raftlab::harness {

std::string MatrixIndexHtml(const MatrixSummary& summary);
std::string MatrixJunitXml(const MatrixSummary& summary);

// Text for XML character data and attributes: escaped, with characters XML 1.0 forbids dropped.
std::string XmlEscape(std::string_view s);

}  // namespace raftlab::harness
