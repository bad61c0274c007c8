#include "server/kv/cluster_file.h"

#include <fstream>
#include <sstream>
#include <vector>

namespace raftlab::kv {
namespace {

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// "-" → "", otherwise unescapes \xHH and \\; the error says what is wrong.
absl::StatusOr<std::string> ParseKey(std::string_view word) {
  if (word == "-") return std::string();
  std::string out;
  for (size_t i = 0; i < word.size(); ++i) {
    if (word[i] != '\\') {
      out.push_back(word[i]);
      continue;
    }
    if (i + 1 < word.size() && word[i + 1] == '\\') {
      out.push_back('\\');
      ++i;
      continue;
    }
    if (i + 3 < word.size() && word[i + 1] == 'x' && HexDigit(word[i + 2]) >= 0 &&
        HexDigit(word[i + 3]) >= 0) {
      out.push_back(static_cast<char>(HexDigit(word[i + 2]) * 16 + HexDigit(word[i + 3])));
      i += 3;
      continue;
    }
    return absl::InvalidArgumentError("bad escape in '" + std::string(word) +
                                      "' (use \\xHH or \\\\)");
  }
  return out;
}

}  // namespace

std::string PrintableKey(std::string_view key) {
  if (key.empty()) return "-";
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (char ch : key) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '\\') {
      out += "\\\\";
    } else if (c > 0x20 && c < 0x7f && !(out.empty() && c == '-' && key.size() == 1)) {
      out.push_back(static_cast<char>(c));
    } else {
      out += "\\x";
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

absl::StatusOr<RouteTable> ParseClusterFile(std::string_view text, const std::string& path) {
  std::vector<Route> routes;
  std::istringstream in{std::string(text)};
  std::string line;
  int lineno = 0;
  int last_line = 0;
  auto err = [&](int at, const std::string& field, const std::string& msg) {
    return absl::InvalidArgumentError(path + ":" + std::to_string(at) + ": " + field + ": " + msg);
  };
  while (std::getline(in, line)) {
    ++lineno;
    if (auto hash = line.find('#'); hash != std::string::npos) line.resize(hash);
    std::istringstream words(line);
    std::vector<std::string> w;
    for (std::string x; words >> x;) w.push_back(x);
    if (w.empty()) continue;
    if (w[0] != "route") return err(lineno, "directive", "unknown directive '" + w[0] + "' (expected 'route')");
    if (w.size() != 4) {
      return err(lineno, "directive", "expected 'route <start> <end> <group>', got " +
                                          std::to_string(w.size()) + " words");
    }
    Route r;
    r.route_id = routes.size() + 1;
    auto start = ParseKey(w[1]);
    if (!start.ok()) return err(lineno, "start", std::string(start.status().message()));
    auto end = ParseKey(w[2]);
    if (!end.ok()) return err(lineno, "end", std::string(end.status().message()));
    r.start = *start;
    r.end = *end;
    try {
      size_t used = 0;
      const unsigned long long g = std::stoull(w[3], &used);
      if (used != w[3].size() || g == 0 || w[3][0] == '-') throw std::invalid_argument("x");
      r.group_id = g;
    } catch (const std::exception&) {
      return err(lineno, "group", "'" + w[3] + "' is not a positive integer");
    }
    if (routes.empty() && !r.start.empty()) {
      return err(lineno, "start", "the first route must start at '-' (the start of the key space)");
    }
    if (!routes.empty()) {
      if (routes.back().end.empty()) {
        return err(lineno, "start", "the previous route already ends at '-' (the end of the key space)");
      }
      if (r.start != routes.back().end) {
        return err(lineno, "start", "'" + PrintableKey(r.start) + "' is not where the previous route ends ('" +
                                        PrintableKey(routes.back().end) + "')");
      }
    }
    if (!r.end.empty() && r.end <= r.start) {
      return err(lineno, "end", "'" + PrintableKey(r.end) + "' is not after the start '" + PrintableKey(r.start) + "'");
    }
    routes.push_back(std::move(r));
    last_line = lineno;
  }
  if (routes.empty()) return absl::InvalidArgumentError(path + ": no 'route' lines");
  if (!routes.back().end.empty()) {
    return err(last_line, "end", "the last route must end at '-' (the end of the key space)");
  }
  auto table = RouteTable::Make(1, std::move(routes));
  if (!table.ok()) return absl::InvalidArgumentError(path + ": " + std::string(table.status().message()));
  return table;
}

absl::StatusOr<RouteTable> LoadClusterFile(const std::string& path) {
  std::ifstream f(path);
  if (!f) return absl::NotFoundError("--cluster-file: cannot read " + path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ParseClusterFile(ss.str(), path);
}

}  // namespace raftlab::kv
