#include "server/api/client/bench_report.h"

#include <cstdio>

#include <nlohmann/json.hpp>

namespace raftlab::client {
namespace {

std::string Label(double percent) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "p%g", percent);
  return buf;
}

}  // namespace

std::string FormatBenchReport(const BenchConfig& c, const BenchResult& r) {
  std::string out = std::string("bench ") + OpName(c.op) + ": " + std::to_string(c.total) + " requests, " +
                    std::to_string(c.clients) + " clients, " + std::to_string(c.conns) + " connections, key " +
                    std::to_string(c.key_size) + " B, value " + std::to_string(c.val_size) + " B, key space " +
                    std::to_string(c.key_space);
  if (c.op == BenchConfig::Op::kGet) out += std::string(", read mode ") + ReadModeName(c.read_mode);
  out += "\ntargets:";
  for (const auto& t : r.targets) out += " " + t;
  out += "\n";
  out += FormatSummary(r.summary);
  out += "\nRequests: " + std::to_string(r.ok) + " ok, " + std::to_string(r.errors) + " errors\n";
  if (!r.read_paths.empty()) {
    out += "Read paths:";
    for (const auto& [path, n] : r.read_paths) out += " " + path + "=" + std::to_string(n);
    out += "\n";
  }
  if (!r.error_counts.empty()) {
    out += "\nError distribution:\n";
    for (const auto& [what, n] : r.error_counts) out += "  [" + std::to_string(n) + "]\t" + what + "\n";
  }
  return out;
}

std::string BenchJson(const BenchConfig& c, const BenchResult& r) {
  const LatencySummary& s = r.summary;
  nlohmann::json j;
  j["op"] = OpName(c.op);
  j["clients"] = c.clients;
  j["conns"] = c.conns;
  j["total"] = c.total;
  j["key_size"] = c.key_size;
  j["val_size"] = c.val_size;
  j["key_space"] = c.key_space;
  j["read_mode"] = ReadModeName(c.read_mode);
  j["target"] = c.target == BenchConfig::Target::kLeader ? "leader" : "all";
  j["targets"] = r.targets;
  j["ok"] = r.ok;
  j["errors"] = r.errors;
  j["error_counts"] = r.error_counts;
  j["read_paths"] = r.read_paths;
  j["total_s"] = s.total_s;
  j["slowest_ms"] = s.slowest_s * 1e3;
  j["fastest_ms"] = s.fastest_s * 1e3;
  j["average_ms"] = s.average_s * 1e3;
  j["stddev_ms"] = s.stddev_s * 1e3;
  j["requests_per_s"] = s.requests_per_s;
  nlohmann::json percentiles = nlohmann::json::object();
  for (const auto& [p, l] : s.percentiles) percentiles[Label(p)] = l * 1e3;
  j["percentiles_ms"] = percentiles;
  nlohmann::json histogram = nlohmann::json::array();
  for (const auto& b : s.histogram) histogram.push_back({{"upper_ms", b.upper_s * 1e3}, {"count", b.count}});
  j["histogram"] = histogram;
  return j.dump(2) + "\n";
}

}  // namespace raftlab::client
