#include "server/raft/scenario_script.h"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>

#include "absl/strings/str_split.h"

namespace raftlab::raft::scenario {
namespace {

constexpr char kSeparator[] = "----";

std::vector<std::string> SplitLines(const std::string& text) {
  std::vector<std::string> lines = absl::StrSplit(text, '\n');
  if (!lines.empty() && lines.back().empty()) lines.pop_back();
  return lines;
}

bool IsBlank(const std::string& line) {
  return line.find_first_not_of(" \t\r") == std::string::npos;
}

// Splits at whitespace outside parentheses, so key=(1, 2) stays one token.
absl::StatusOr<std::vector<std::string>> Tokenize(const std::string& text) {
  std::vector<std::string> tokens;
  std::string cur;
  int depth = 0;
  for (char c : text) {
    if (c == '(') ++depth;
    if (c == ')' && --depth < 0) return absl::InvalidArgumentError("unbalanced ')'");
    if ((c == ' ' || c == '\t') && depth == 0) {
      if (!cur.empty()) tokens.push_back(std::move(cur));
      cur.clear();
      continue;
    }
    if (c != ' ' || depth == 0) cur.push_back(c);
  }
  if (depth != 0) return absl::InvalidArgumentError("unbalanced '('");
  if (!cur.empty()) tokens.push_back(std::move(cur));
  return tokens;
}

absl::StatusOr<uint64_t> ParseUint(const std::string& s) {
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty()) {
    return absl::InvalidArgumentError("'" + s + "' is not a non-negative integer");
  }
  return v;
}

// A line diff (longest common subsequence) of expected against actual, "-"/"+" marked.
std::string Diff(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  const size_t n = a.size(), m = b.size();
  std::vector<std::vector<int>> lcs(n + 1, std::vector<int>(m + 1, 0));
  for (size_t i = n; i-- > 0;) {
    for (size_t j = m; j-- > 0;) {
      lcs[i][j] = a[i] == b[j] ? lcs[i + 1][j + 1] + 1 : std::max(lcs[i + 1][j], lcs[i][j + 1]);
    }
  }
  std::string out;
  size_t i = 0, j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] == b[j]) {
      out += "  " + a[i++] + "\n";
      ++j;
    } else if (i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1])) {
      out += "- " + a[i++] + "\n";
    } else {
      out += "+ " + b[j++] + "\n";
    }
  }
  return out;
}

struct Case {
  Command command;
  std::vector<std::string> expected;
  std::vector<std::string> actual;
  size_t first_line = 0;  // index of the command line in the file
  size_t end_line = 0;    // one past the last expected line
};

absl::StatusOr<std::vector<Case>> ParseCases(const std::string& path,
                                             const std::vector<std::string>& lines) {
  std::vector<Case> cases;
  size_t i = 0;
  while (i < lines.size()) {
    const std::string& line = lines[i];
    if (IsBlank(line) || line[0] == '#') {
      ++i;
      continue;
    }
    const int lineno = static_cast<int>(i) + 1;
    auto cmd = ParseCommand(path, lineno, line);
    if (!cmd.ok()) return cmd.status();
    if (i + 1 >= lines.size() || lines[i + 1] != kSeparator) {
      return absl::InvalidArgumentError(path + ":" + std::to_string(lineno) +
                                        ": expected a '----' line after the command");
    }
    Case c;
    c.command = std::move(*cmd);
    c.first_line = i;
    i += 2;
    while (i < lines.size() && !IsBlank(lines[i])) c.expected.push_back(lines[i++]);
    c.end_line = i;
    cases.push_back(std::move(c));
  }
  return cases;
}

absl::Status WriteBack(const std::string& path, const std::vector<std::string>& lines,
                       const std::vector<Case>& cases) {
  std::ostringstream out;
  size_t next = 0;
  for (const Case& c : cases) {
    for (; next <= c.first_line + 1; ++next) out << lines[next] << "\n";
    for (const std::string& l : c.actual) out << l << "\n";
    next = c.end_line;
  }
  for (; next < lines.size(); ++next) out << lines[next] << "\n";
  std::ofstream f(path, std::ios::trunc);
  f << out.str();
  f.close();
  if (!f) return absl::UnavailableError("cannot rewrite " + path);
  return absl::OkStatus();
}

}  // namespace

std::string Command::Where() const { return file + ":" + std::to_string(line) + ": "; }

absl::StatusOr<uint64_t> Command::Uint(const std::string& key, uint64_t fallback) const {
  auto it = kv.find(key);
  if (it == kv.end()) return fallback;
  if (it->second.size() != 1) return absl::InvalidArgumentError(Where() + key + " takes one value");
  auto v = ParseUint(it->second[0]);
  if (!v.ok())
    return absl::InvalidArgumentError(Where() + key + ": " + std::string(v.status().message()));
  return v;
}

absl::StatusOr<bool> Command::Bool(const std::string& key, bool fallback) const {
  auto s = String(key, fallback ? "true" : "false");
  if (!s.ok()) return s.status();
  if (*s == "true") return true;
  if (*s == "false") return false;
  return absl::InvalidArgumentError(Where() + key + " must be true or false, not '" + *s + "'");
}

absl::StatusOr<std::string> Command::String(const std::string& key,
                                            const std::string& fallback) const {
  auto it = kv.find(key);
  if (it == kv.end()) return fallback;
  if (it->second.size() != 1) return absl::InvalidArgumentError(Where() + key + " takes one value");
  return it->second[0];
}

absl::StatusOr<std::vector<uint64_t>> Command::Uints(const std::string& key) const {
  std::vector<uint64_t> out;
  auto it = kv.find(key);
  if (it == kv.end()) return out;
  for (const std::string& s : it->second) {
    auto v = ParseUint(s);
    if (!v.ok())
      return absl::InvalidArgumentError(Where() + key + ": " + std::string(v.status().message()));
    out.push_back(*v);
  }
  return out;
}

absl::StatusOr<std::vector<uint64_t>> Command::ArgIds() const {
  std::vector<uint64_t> out;
  for (const std::string& s : args) {
    auto v = ParseUint(s);
    if (!v.ok() || *v == 0)
      return absl::InvalidArgumentError(Where() + "'" + s + "' is not a node id");
    out.push_back(*v);
  }
  return out;
}

absl::StatusOr<Command> ParseCommand(const std::string& file, int line, const std::string& text) {
  Command c;
  c.file = file;
  c.line = line;
  c.text = text;
  auto tokens = Tokenize(text);
  if (!tokens.ok()) {
    return absl::InvalidArgumentError(c.Where() + std::string(tokens.status().message()));
  }
  if (tokens->empty()) return absl::InvalidArgumentError(c.Where() + "empty command");
  c.name = (*tokens)[0];
  for (size_t i = 1; i < tokens->size(); ++i) {
    const std::string& t = (*tokens)[i];
    const size_t eq = t.find('=');
    if (eq == std::string::npos) {
      c.args.push_back(t);
      continue;
    }
    const std::string key = t.substr(0, eq);
    std::string value = t.substr(eq + 1);
    if (key.empty())
      return absl::InvalidArgumentError(c.Where() + "argument '" + t + "' has no key");
    if (c.kv.count(key))
      return absl::InvalidArgumentError(c.Where() + "argument " + key + " given twice");
    std::vector<std::string>& values = c.kv[key];
    if (value.size() >= 2 && value.front() == '(' && value.back() == ')') {
      const std::string inner = value.substr(1, value.size() - 2);
      if (!inner.empty()) {
        std::vector<std::string> parts = absl::StrSplit(inner, ',');
        values = std::move(parts);
      }
    } else {
      values.push_back(std::move(value));
    }
  }
  return c;
}

absl::StatusOr<ScriptResult> RunScript(const std::string& path, const CommandHandler& handler,
                                       bool rewrite) {
  std::ifstream f(path);
  if (!f) return absl::NotFoundError("cannot read scenario " + path);
  std::stringstream text;
  text << f.rdbuf();
  const std::vector<std::string> lines = SplitLines(text.str());
  auto cases = ParseCases(path, lines);
  if (!cases.ok()) return cases.status();

  ScriptResult result;
  for (Case& c : *cases) {
    auto out = handler(c.command);
    if (!out.ok()) return out.status();
    c.actual = SplitLines(*out);
    if (c.actual.empty()) c.actual.push_back("ok");
    for (const std::string& l : c.actual) {
      if (IsBlank(l)) {
        return absl::InternalError(c.command.Where() + "output contains a blank line");
      }
    }
    ++result.cases;
    if (c.actual != c.expected) {
      result.mismatches.push_back(c.command.Where() + c.command.text +
                                  "  (- expected, + actual)\n" + Diff(c.expected, c.actual));
    }
  }
  if (rewrite) {
    if (auto s = WriteBack(path, lines, *cases); !s.ok()) return s;
  }
  return result;
}

}  // namespace raftlab::raft::scenario
