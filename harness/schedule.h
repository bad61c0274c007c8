#pragma once
// The nemesis schedule as data: a table of (fault, start, stop) made from the seed before
// the run begins, written to the run folder as schedule.json, and executed by the runner.
// Quiet gaps and fault durations are drawn around their configured means (uniform in
// [mean/2, 3*mean/2]), so different seeds put faults at different moments relative to
// elections, heartbeats and snapshots, and one seed always gives the same table. Faults are
// drawn from a seeded shuffle of the list, each once per round of the list.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace raftlab::harness {

struct ScheduledFault {
  std::string fault;      // a nemesis name (nemesis.h)
  int64_t start_ms = 0;   // from the start of the main phase
  int64_t stop_ms = 0;    // > start_ms; the fault is undone then
};

struct ScheduleOptions {
  std::vector<std::string> faults;  // candidates; empty = no faults
  int64_t time_limit_ms = 60000;
  int64_t interval_ms = 3000;  // mean quiet time between faults
  int64_t duration_ms = 3000;  // mean fault duration
  bool all_at_once = false;    // every listed fault in each step instead of one drawn
  uint64_t seed = 1;
};

// Faults one after another (or, with all_at_once, in groups sharing start and stop), each
// stopping before the time limit; sorted by start.
std::vector<ScheduledFault> MakeSchedule(const ScheduleOptions& options);

// [{"fault":..., "start_ms":..., "stop_ms":...}, ...]
std::string ScheduleJson(const std::vector<ScheduledFault>& schedule);
// Reads ScheduleJson's form; an error names `origin`, the entry and the field.
absl::StatusOr<std::vector<ScheduledFault>> ParseScheduleJson(const std::string& text, const std::string& origin);

}  // namespace raftlab::harness
