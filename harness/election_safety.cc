#include "harness/election_safety.h"

#include <set>
#include <sstream>
#include <string_view>
#include <utility>

namespace raftlab::harness {
namespace {

// Reads the unsigned value of ` key=<digits>` in `line`; false when absent.
bool FieldOf(std::string_view line, std::string_view key, uint64_t* out) {
  const std::string needle = " " + std::string(key) + "=";
  const size_t at = line.find(needle);
  if (at == std::string_view::npos) return false;
  size_t i = at + needle.size();
  if (i >= line.size() || line[i] < '0' || line[i] > '9') return false;
  uint64_t v = 0;
  for (; i < line.size() && line[i] >= '0' && line[i] <= '9'; ++i) v = v * 10 + static_cast<uint64_t>(line[i] - '0');
  *out = v;
  return true;
}

}  // namespace

std::vector<std::string> ElectionSafetyViolations(const std::map<uint64_t, std::string>& node_logs) {
  std::map<std::pair<uint64_t, uint64_t>, std::set<uint64_t>> winners;  // (group, term) -> nodes
  for (const auto& [node, text] : node_logs) {
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
      if (line.find(" event=role_changed ") == std::string::npos || line.find(" to=leader") == std::string::npos) {
        continue;
      }
      uint64_t group = 0, term = 0;
      if (!FieldOf(line, "group", &group) || !FieldOf(line, "term", &term)) continue;
      winners[{group, term}].insert(node);
    }
  }
  std::vector<std::string> out;
  for (const auto& [key, nodes] : winners) {
    if (nodes.size() < 2) continue;
    std::string list;
    for (uint64_t n : nodes) list += (list.empty() ? "" : ", ") + std::to_string(n);
    out.push_back(std::string(kElectionSafetyPrefix) + ": nodes " + list + " each became leader of group " +
                  std::to_string(key.first) + " in term " + std::to_string(key.second));
  }
  return out;
}

}  // namespace raftlab::harness
