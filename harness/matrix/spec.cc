#include "harness/matrix/spec.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "harness/validate.h"

namespace raftlab::harness {
namespace {

using ojson = nlohmann::ordered_json;

absl::Status Bad(const std::string& path, const std::string& field, const std::string& msg) {
  return absl::InvalidArgumentError(path + ": field " + field + ": " + msg);
}

bool SafeLabel(const std::string& s) {
  return !s.empty() && s.size() <= 64 &&
         std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                  c == '_' || c == '.';
         }) &&
         s[0] != '.';
}

absl::Status CheckKeys(const ojson& obj, const std::string& path, const std::string& field,
                       const std::set<std::string>& known) {
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    if (!known.count(it.key())) {
      std::string list;
      for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
      return Bad(path, field + it.key(), "unknown field (known: " + list + ")");
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<double> PositiveNumber(const ojson& j, const std::string& path, const std::string& field) {
  if (!j.is_number() || !(j.get<double>() > 0)) return Bad(path, field, "must be a positive number");
  return j.get<double>();
}

absl::StatusOr<std::string> String(const ojson& j, const std::string& path, const std::string& field) {
  if (!j.is_string()) return Bad(path, field, "must be a string");
  return j.get<std::string>();
}

absl::StatusOr<MatrixAxis> ParseAxis(const std::string& name, const ojson& j, const std::string& path) {
  const std::string field = "axes." + name;
  if (!SafeLabel(name)) return Bad(path, field, "axis names are test flags without dashes ([a-z0-9-])");
  MatrixAxis axis{name, {}};
  if (j.is_array()) {
    for (size_t i = 0; i < j.size(); ++i) {
      const ojson& v = j[i];
      std::string label;
      if (v.is_string()) {
        label = v.get<std::string>();
      } else if (v.is_number_integer()) {
        label = std::to_string(v.get<int64_t>());
      } else {
        return Bad(path, field + "[" + std::to_string(i) + "]", "must be a string or an integer");
      }
      if (!SafeLabel(label)) {
        return Bad(path, field + "[" + std::to_string(i) + "]", "\"" + label + "\" is not a plain value ([A-Za-z0-9._-])");
      }
      axis.values.emplace_back(label, "--" + name + " " + label);
    }
  } else if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it) {
      if (!SafeLabel(it.key())) return Bad(path, field + "." + it.key(), "labels must match [A-Za-z0-9._-]");
      auto flags = String(it.value(), path, field + "." + it.key());
      if (!flags.ok()) return flags.status();
      axis.values.emplace_back(it.key(), *flags);
    }
  } else {
    return Bad(path, field, "must be a list of values or an object of label -> test flags");
  }
  if (axis.values.empty()) return Bad(path, field, "must not be empty");
  return axis;
}

absl::StatusOr<ExtraCell> ParseExtraCell(const ojson& j, const std::string& path, const std::string& field) {
  if (!j.is_object()) return Bad(path, field, "must be an object");
  if (auto s = CheckKeys(j, path, field + ".", {"name", "command", "flags", "expect", "time_limit_s", "estimate_s"});
      !s.ok()) {
    return s;
  }
  ExtraCell c;
  if (!j.contains("name")) return Bad(path, field + ".name", "required");
  auto name = String(j["name"], path, field + ".name");
  if (!name.ok()) return name.status();
  if (!SafeLabel(*name)) return Bad(path, field + ".name", "must match [A-Za-z0-9._-]");
  c.name = *name;
  if (j.contains("command")) {
    auto cmd = String(j["command"], path, field + ".command");
    if (!cmd.ok()) return cmd.status();
    if (*cmd != "test" && *cmd != "validate") return Bad(path, field + ".command", "must be test or validate");
    c.command = *cmd;
  }
  if (j.contains("flags")) {
    auto flags = String(j["flags"], path, field + ".flags");
    if (!flags.ok()) return flags.status();
    c.flags = *flags;
  }
  if (j.contains("expect")) {
    auto e = String(j["expect"], path, field + ".expect");
    if (!e.ok()) return e.status();
    if (*e != "valid" && *e != "invalid") return Bad(path, field + ".expect", "must be valid or invalid");
    if (c.command == "validate") return Bad(path, field + ".expect", "only for test cells");
    c.expect = *e;
  }
  for (auto [key, at] : {std::pair{"time_limit_s", &c.time_limit_s}, std::pair{"estimate_s", &c.estimate_s}}) {
    if (!j.contains(key)) continue;
    auto v = PositiveNumber(j[key], path, field + "." + key);
    if (!v.ok()) return v.status();
    *at = *v;
  }
  return c;
}

// The generated configurations: one (axis, label) pair per axis.
using Combination = std::vector<size_t>;

std::vector<Combination> Combinations(const MatrixSpec& spec) {
  std::vector<Combination> out;
  if (spec.axes.empty()) return out;
  Combination at(spec.axes.size(), 0);
  for (;;) {
    bool excluded = std::any_of(spec.excludes.begin(), spec.excludes.end(), [&](const auto& ex) {
      return std::all_of(ex.begin(), ex.end(), [&](const auto& kv) {
        for (size_t a = 0; a < spec.axes.size(); ++a) {
          if (spec.axes[a].name == kv.first) return spec.axes[a].values[at[a]].first == kv.second;
        }
        return false;
      });
    });
    if (!excluded) out.push_back(at);
    size_t a = spec.axes.size();
    while (a > 0) {
      --a;
      if (++at[a] < spec.axes[a].values.size()) break;
      at[a] = 0;
      if (a == 0) return out;
    }
  }
}

std::string Seconds(double s) {
  std::ostringstream o;
  o << s;
  return o.str();
}

}  // namespace

absl::StatusOr<MatrixSpec> ParseMatrixSpec(const std::string& text, const std::string& path) {
  ojson j;
  try {
    j = ojson::parse(text);
  } catch (const ojson::parse_error& e) {
    return absl::InvalidArgumentError(path + ": not JSON: " + e.what());
  }
  if (!j.is_object()) return absl::InvalidArgumentError(path + ": the matrix must be a JSON object");
  if (auto s = CheckKeys(j, path, "",
                         {"time_limit_s", "overhead_s", "seeds", "flags", "axes", "exclude", "cells", "description"});
      !s.ok()) {
    return s;
  }
  MatrixSpec spec;
  spec.path = path;
  spec.digest = std::to_string(std::hash<std::string>{}(text));
  for (auto [key, at] : {std::pair{"time_limit_s", &spec.time_limit_s}, std::pair{"overhead_s", &spec.overhead_s}}) {
    if (!j.contains(key)) continue;
    auto v = PositiveNumber(j[key], path, key);
    if (!v.ok()) return v.status();
    *at = *v;
  }
  if (j.contains("seeds")) {
    const ojson& s = j["seeds"];
    if (!s.is_object()) return Bad(path, "seeds", "must be an object {\"default\": N, \"max\": M}");
    if (auto st = CheckKeys(s, path, "seeds.", {"default", "max"}); !st.ok()) return st;
    for (auto [key, at] : {std::pair{"default", &spec.default_seeds}, std::pair{"max", &spec.max_seeds}}) {
      if (!s.contains(key)) continue;
      if (!s[key].is_number_integer() || s[key].get<int64_t>() < 1 || s[key].get<int64_t>() > 1000) {
        return Bad(path, std::string("seeds.") + key, "must be an integer in [1, 1000]");
      }
      *at = s[key].get<int>();
    }
    if (spec.default_seeds > spec.max_seeds) return Bad(path, "seeds.default", "must not exceed seeds.max");
  }
  if (j.contains("flags")) {
    auto f = String(j["flags"], path, "flags");
    if (!f.ok()) return f.status();
    spec.flags = *f;
  }
  if (j.contains("axes")) {
    if (!j["axes"].is_object()) return Bad(path, "axes", "must be an object of axis -> values");
    for (auto it = j["axes"].begin(); it != j["axes"].end(); ++it) {
      auto axis = ParseAxis(it.key(), it.value(), path);
      if (!axis.ok()) return axis.status();
      spec.axes.push_back(std::move(*axis));
    }
  }
  if (j.contains("exclude")) {
    if (!j["exclude"].is_array()) return Bad(path, "exclude", "must be a list of {axis: label} objects");
    for (size_t i = 0; i < j["exclude"].size(); ++i) {
      const ojson& e = j["exclude"][i];
      const std::string field = "exclude[" + std::to_string(i) + "]";
      if (!e.is_object() || e.empty()) return Bad(path, field, "must be a non-empty {axis: label} object");
      std::map<std::string, std::string> ex;
      for (auto it = e.begin(); it != e.end(); ++it) {
        auto axis = std::find_if(spec.axes.begin(), spec.axes.end(), [&](const MatrixAxis& a) { return a.name == it.key(); });
        if (axis == spec.axes.end()) return Bad(path, field + "." + it.key(), "no such axis");
        std::string label = it.value().is_number_integer() ? std::to_string(it.value().get<int64_t>())
                                                           : it.value().is_string() ? it.value().get<std::string>() : "";
        if (std::none_of(axis->values.begin(), axis->values.end(), [&](const auto& v) { return v.first == label; })) {
          return Bad(path, field + "." + it.key(), "no such value on this axis");
        }
        ex[it.key()] = label;
      }
      spec.excludes.push_back(std::move(ex));
    }
  }
  if (j.contains("cells")) {
    if (!j["cells"].is_array()) return Bad(path, "cells", "must be a list of cell objects");
    std::set<std::string> names;
    for (size_t i = 0; i < j["cells"].size(); ++i) {
      const std::string field = "cells[" + std::to_string(i) + "]";
      auto c = ParseExtraCell(j["cells"][i], path, field);
      if (!c.ok()) return c.status();
      if (!names.insert(c->name).second) return Bad(path, field + ".name", "\"" + c->name + "\" is used twice");
      spec.cells.push_back(std::move(*c));
    }
  }
  if (ConfigurationCount(spec) == 0) return absl::InvalidArgumentError(path + ": the matrix has no cell (axes and cells are empty or all excluded)");
  return spec;
}

absl::StatusOr<MatrixSpec> ReadMatrixSpec(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(path + ": cannot read the matrix file");
  std::stringstream ss;
  ss << in.rdbuf();
  return ParseMatrixSpec(ss.str(), path);
}

size_t ConfigurationCount(const MatrixSpec& spec) { return Combinations(spec).size() + spec.cells.size(); }

int PlanSeeds(const MatrixSpec& spec, int requested, double budget_s, int shards) {
  if (requested > 0) return requested;
  if (!(budget_s > 0)) return spec.default_seeds;
  double once = 0, per_seed = 0;
  for (const MatrixCell& c : ExpandCells(spec, 1)) (c.command == "validate" ? once : per_seed) += c.estimate_s;
  if (per_seed <= 0) return 1;
  const double fit = std::floor((budget_s * std::max(shards, 1) - once) / per_seed);
  return static_cast<int>(std::clamp(fit, 1.0, static_cast<double>(spec.max_seeds)));
}

std::vector<MatrixCell> ExpandCells(const MatrixSpec& spec, int seeds) {
  std::vector<MatrixCell> out;
  for (const ExtraCell& e : spec.cells) {
    if (e.command != "validate") continue;
    MatrixCell c;
    c.id = e.name;
    c.command = "validate";
    c.flags = SplitFlags(e.flags);
    const double limit = e.time_limit_s > 0 ? e.time_limit_s : spec.time_limit_s;
    c.flags.insert(c.flags.end(), {"--time-limit", Seconds(limit)});
    c.estimate_s = e.estimate_s > 0 ? e.estimate_s : limit + spec.overhead_s;
    out.push_back(std::move(c));
  }
  const auto combos = Combinations(spec);
  for (int seed = 1; seed <= seeds; ++seed) {
    const std::string s = std::to_string(seed);
    for (const Combination& combo : combos) {
      MatrixCell c;
      c.command = "test";
      c.seed = static_cast<uint64_t>(seed);
      c.flags = SplitFlags(spec.flags);
      for (size_t a = 0; a < combo.size(); ++a) {
        const auto& [label, flags] = spec.axes[a].values[combo[a]];
        c.axes.emplace_back(spec.axes[a].name, label);
        c.id += (c.id.empty() ? "" : "-") + label;
        for (std::string& f : SplitFlags(flags)) c.flags.push_back(std::move(f));
      }
      c.id += "-s" + s;
      c.flags.insert(c.flags.end(), {"--seed", s, "--time-limit", Seconds(spec.time_limit_s)});
      c.estimate_s = spec.time_limit_s + spec.overhead_s;
      out.push_back(std::move(c));
    }
    for (const ExtraCell& e : spec.cells) {
      if (e.command != "test") continue;
      MatrixCell c;
      c.id = e.name + "-s" + s;
      c.command = "test";
      c.seed = static_cast<uint64_t>(seed);
      c.expect = e.expect;
      c.flags = SplitFlags(e.flags);
      const double limit = e.time_limit_s > 0 ? e.time_limit_s : spec.time_limit_s;
      c.flags.insert(c.flags.end(), {"--seed", s, "--time-limit", Seconds(limit)});
      c.estimate_s = e.estimate_s > 0 ? e.estimate_s : limit + spec.overhead_s;
      out.push_back(std::move(c));
    }
  }
  for (size_t i = 0; i < out.size(); ++i) out[i].order = static_cast<int>(i);
  return out;
}

std::vector<MatrixCell> ShardCells(const std::vector<MatrixCell>& all, int index, int count) {
  // Each cell in plan order goes to the shard with the least estimated time so far (the
  // lowest-numbered on a tie): deterministic, and a long validate cell does not pile up
  // more work on one runner.
  std::vector<double> load(static_cast<size_t>(std::max(count, 1)), 0.0);
  std::vector<MatrixCell> out;
  for (const MatrixCell& c : all) {
    const size_t to = static_cast<size_t>(std::min_element(load.begin(), load.end()) - load.begin());
    load[to] += c.estimate_s;
    if (static_cast<int>(to) == index - 1) out.push_back(c);
  }
  return out;
}

absl::StatusOr<double> ParseDurationSeconds(const std::string& text, const std::string& flag) {
  auto bad = [&] {
    return absl::InvalidArgumentError(flag + ": \"" + text + "\" is not a duration (e.g. 90s, 60m, 2h, 1h30m, 3600)");
  };
  if (text.empty()) return bad();
  double total = 0;
  size_t i = 0;
  while (i < text.size()) {
    size_t j = i;
    while (j < text.size() && ((text[j] >= '0' && text[j] <= '9') || text[j] == '.')) ++j;
    if (j == i) return bad();
    double v = 0;
    try {
      v = std::stod(text.substr(i, j - i));
    } catch (...) {
      return bad();
    }
    double unit = 1;
    if (j < text.size()) {
      switch (text[j]) {
        case 'h': unit = 3600; break;
        case 'm': unit = 60; break;
        case 's': unit = 1; break;
        default: return bad();
      }
      ++j;
    } else if (i != 0) {
      return bad();  // "1h30" is ambiguous
    }
    total += v * unit;
    i = j;
  }
  if (!(total > 0)) return absl::InvalidArgumentError(flag + ": must be positive");
  return total;
}

absl::StatusOr<std::pair<int, int>> ParseShard(const std::string& text) {
  int i = 0, n = 0;
  char slash = 0, rest = 0;
  std::istringstream in(text);
  if (!(in >> i >> slash >> n) || slash != '/' || (in >> rest) || n < 1 || i < 1 || i > n) {
    return absl::InvalidArgumentError("--shard: \"" + text + "\" is not i/n with 1 <= i <= n (e.g. 2/4)");
  }
  return std::pair{i, n};
}

}  // namespace raftlab::harness
