// JSON Lines histories (shared/docs/history-format.md): a streaming reader built on
// simdjson's On-Demand parser, and a writer. The reader checks each line's syntax and
// field types and names the file, line and field of the first problem; event sequencing
// (pairing, processes, time order) is checked later by BuildOps.
#pragma once

#include <ostream>
#include <string>
#include <string_view>

#include "checkers/history.h"
#include "checkers/status.h"

namespace raftlab::checkers {

// Reads a whole file in fixed-size chunks, parsing line by line.
Result<History> ReadJsonlFile(const std::string& path);

// Parses history text; `source` names it in messages.
Result<History> ParseJsonl(std::string_view text, const std::string& source);

void WriteJsonl(const History& history, std::ostream& out);
Status WriteJsonlFile(const History& history, const std::string& path);

// Appends s to out as a JSON string literal with quotes and escapes.
void AppendJsonString(std::string& out, std::string_view s);

}  // namespace raftlab::checkers
