#include "harness/bench/result.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

namespace raftlab::bench {
namespace {

using json = nlohmann::json;

double NanosecondsPer(const std::string& unit) {
  if (unit == "ns") return 1;
  if (unit == "us") return 1e3;
  if (unit == "ms") return 1e6;
  if (unit == "s") return 1e9;
  return 0;
}

std::string FirstLineWith(const std::string& path, const std::string& prefix) {
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(prefix, 0) == 0) return line;
  }
  return "";
}

std::string AfterColon(const std::string& line) {
  const size_t c = line.find(':');
  if (c == std::string::npos) return "";
  size_t b = line.find_first_not_of(" \t", c + 1);
  return b == std::string::npos ? "" : line.substr(b);
}

}  // namespace

const Series* BenchResult::Find(const std::string& name) const {
  for (const Series& s : benchmarks) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

void BenchResult::Add(const std::string& name, const std::string& unit, bool higher_is_better, double value) {
  for (Series& s : benchmarks) {
    if (s.name == name) {
      s.values.push_back(value);
      return;
    }
  }
  benchmarks.push_back({name, unit, higher_is_better, {value}});
}

json ResultJson(const BenchResult& r) {
  json b = json::array();
  for (const Series& s : r.benchmarks) {
    b.push_back({{"name", s.name}, {"unit", s.unit}, {"better", s.higher_is_better ? "higher" : "lower"},
                 {"values", s.values}});
  }
  return {{"format", "raftlab-bench/1"}, {"commit", r.commit}, {"date", r.date}, {"machine", r.machine},
          {"benchmarks", b}};
}

absl::StatusOr<BenchResult> ParseResult(const std::string& text, const std::string& path) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return absl::InvalidArgumentError(path + ": not a JSON object");
  if (j.value("format", "") != "raftlab-bench/1") {
    return absl::InvalidArgumentError(path + ": field format: expected \"raftlab-bench/1\"");
  }
  BenchResult r;
  try {
    r.commit = j.at("commit").get<std::string>();
    r.date = j.at("date").get<std::string>();
    r.machine = j.value("machine", json::object());
    const json& list = j.at("benchmarks");
    for (size_t i = 0; i < list.size(); ++i) {
      const json& b = list[i];
      Series s;
      s.name = b.at("name").get<std::string>();
      s.unit = b.value("unit", "");
      const std::string better = b.value("better", "lower");
      if (better != "lower" && better != "higher") {
        return absl::InvalidArgumentError(path + ": field benchmarks[" + std::to_string(i) +
                                          "].better: must be lower or higher");
      }
      s.higher_is_better = better == "higher";
      s.values = b.at("values").get<std::vector<double>>();
      if (s.values.empty()) {
        return absl::InvalidArgumentError(path + ": field benchmarks[" + std::to_string(i) + "].values: empty");
      }
      r.benchmarks.push_back(std::move(s));
    }
  } catch (const json::exception& e) {
    return absl::InvalidArgumentError(path + ": not a raftlab-bench result: " + e.what());
  }
  return r;
}

absl::StatusOr<BenchResult> ReadResult(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(path + ": cannot read");
  std::stringstream ss;
  ss << in.rdbuf();
  return ParseResult(ss.str(), path);
}

absl::Status AddGoogleBenchmarkJson(const std::string& text, const std::string& path, const std::string& prefix,
                                    BenchResult* out) {
  // Google Benchmark prints a counter's undefined aggregate (the cv of a constant) as a bare
  // nan, which is not JSON: it is read as null.
  static const std::regex kNan(R"((:\s*)-?(nan|inf(inity)?)\b)", std::regex::icase);
  json j = json::parse(std::regex_replace(text, kNan, "$1null"), nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("benchmarks") || !j["benchmarks"].is_array()) {
    return absl::InvalidArgumentError(path + ": not Google Benchmark JSON (no \"benchmarks\" list)");
  }
  if (j.contains("context") && j["context"].is_object()) {
    const json& c = j["context"];
    json g = json::object();
    for (const char* k : {"mhz_per_cpu", "cpu_scaling_enabled", "caches", "library_build_type", "num_cpus"}) {
      if (c.contains(k)) g[k] = c[k];
    }
    out->machine["gbench"] = g;
  }
  static const std::set<std::string> kNotCounters = {
      "name", "family_index", "per_family_instance_index", "run_name", "run_type", "repetitions",
      "repetition_index", "threads", "iterations", "real_time", "cpu_time", "time_unit", "aggregate_name",
      "aggregate_unit", "label", "error_occurred", "error_message"};
  for (const json& b : j["benchmarks"]) {
    if (b.value("run_type", "iteration") != "iteration" || b.value("error_occurred", false)) continue;
    const std::string name = prefix + "/" + b.value("run_name", b.value("name", "?"));
    const double per = NanosecondsPer(b.value("time_unit", "ns"));
    if (per == 0 || !b.contains("real_time")) {
      return absl::InvalidArgumentError(path + ": benchmark " + name + ": no real_time in a known time_unit");
    }
    out->Add(name, "ns", false, b["real_time"].get<double>() * per);
    for (auto it = b.begin(); it != b.end(); ++it) {
      const std::string& k = it.key();
      if (kNotCounters.count(k) || !it.value().is_number()) continue;
      const bool rate = k.size() > 11 && (k.ends_with("_per_second") || k.ends_with("_per_s"));
      if (rate) out->Add(name + ":" + k, "/s", true, it.value().get<double>());
    }
  }
  return absl::OkStatus();
}

absl::Status AddCtlBenchJson(const std::string& text, const std::string& path, const std::string& name,
                             BenchResult* out) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("requests_per_s")) {
    return absl::InvalidArgumentError(path + ": not raftlab-ctl bench --json output (no requests_per_s)");
  }
  if (j.value("errors", int64_t{0}) > 0) {
    return absl::InvalidArgumentError(path + ": " + std::to_string(j.value("errors", int64_t{0})) +
                                      " requests failed: the run does not measure the server");
  }
  out->Add(name + "/req_per_s", "req/s", true, j["requests_per_s"].get<double>());
  if (const json p = j.value("percentiles_ms", json::object()); p.contains("p99")) {
    out->Add(name + "/p99_ms", "ms", false, p["p99"].get<double>());
  }
  return absl::OkStatus();
}

json DescribeMachine() {
  json m = json::object();
  std::string cpu = AfterColon(FirstLineWith("/proc/cpuinfo", "model name"));
  m["cpu"] = cpu.empty() ? "unknown" : cpu;
  m["cores"] = sysconf(_SC_NPROCESSORS_ONLN);
  std::istringstream mem(AfterColon(FirstLineWith("/proc/meminfo", "MemTotal")));
  int64_t kib = 0;
  mem >> kib;
  m["memory_mib"] = kib / 1024;
  struct utsname u {};
  if (uname(&u) == 0) {
    m["kernel"] = std::string(u.sysname) + " " + u.release + " " + u.machine;
    m["host"] = u.nodename;
  }
  double load[3] = {0, 0, 0};
  if (getloadavg(load, 3) == 3) m["load_avg"] = {load[0], load[1], load[2]};
  return m;
}

}  // namespace raftlab::bench
