#include "harness/schedule.h"

#include <algorithm>
#include <random>

#include <nlohmann/json.hpp>

namespace raftlab::harness {
namespace {

int64_t Jittered(int64_t mean, std::mt19937_64& rng) {
  const int64_t lo = std::max<int64_t>(1, mean / 2), hi = std::max<int64_t>(lo, mean + mean / 2);
  return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
}

}  // namespace

std::vector<ScheduledFault> MakeSchedule(const ScheduleOptions& o) {
  std::vector<ScheduledFault> out;
  if (o.faults.empty()) return out;
  std::mt19937_64 rng(o.seed ^ 0x7363686564756c65ULL);
  // Drawn from a shuffled bag refilled when empty: every listed fault comes once per round,
  // so a run with as many steps as faults exercises the whole list.
  std::vector<std::string> bag;
  int64_t t = Jittered(o.interval_ms, rng);
  while (true) {
    const int64_t stop = t + Jittered(o.duration_ms, rng);
    if (stop >= o.time_limit_ms) break;
    if (o.all_at_once) {
      for (const auto& f : o.faults) out.push_back({f, t, stop});
    } else {
      if (bag.empty()) {
        bag = o.faults;
        std::shuffle(bag.begin(), bag.end(), rng);
      }
      out.push_back({bag.back(), t, stop});
      bag.pop_back();
    }
    t = stop + Jittered(o.interval_ms, rng);
  }
  return out;
}

std::string ScheduleJson(const std::vector<ScheduledFault>& schedule) {
  nlohmann::json j = nlohmann::json::array();
  for (const auto& f : schedule) j.push_back({{"fault", f.fault}, {"start_ms", f.start_ms}, {"stop_ms", f.stop_ms}});
  return j.dump(1);
}

absl::StatusOr<std::vector<ScheduledFault>> ParseScheduleJson(const std::string& text, const std::string& origin) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_array()) return absl::InvalidArgumentError(origin + ": not a JSON array of faults");
  std::vector<ScheduledFault> out;
  for (size_t i = 0; i < j.size(); ++i) {
    const auto& e = j[i];
    const std::string where = origin + ": entry " + std::to_string(i);
    if (!e.is_object() || !e.contains("fault") || !e["fault"].is_string()) {
      return absl::InvalidArgumentError(where + ": field \"fault\" must be a string");
    }
    for (const char* field : {"start_ms", "stop_ms"}) {
      if (!e.contains(field) || !e[field].is_number_integer()) {
        return absl::InvalidArgumentError(where + ": field \"" + field + "\" must be an integer");
      }
    }
    ScheduledFault f{e["fault"].get<std::string>(), e["start_ms"].get<int64_t>(), e["stop_ms"].get<int64_t>()};
    if (f.start_ms < 0 || f.stop_ms <= f.start_ms) {
      return absl::InvalidArgumentError(where + ": needs 0 <= start_ms < stop_ms");
    }
    out.push_back(std::move(f));
  }
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.start_ms < b.start_ms; });
  return out;
}

}  // namespace raftlab::harness
