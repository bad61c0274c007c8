#include "harness/etcd/bench_turns.h"

#include <optional>
#include <string>

namespace raftlab::harness {
namespace {

// A member that cannot be paused or resumed has ended: say how, for the reader.
absl::Status WithExit(const absl::Status& s, const SystemUnderTest& system, uint64_t id) {
  const std::optional<ExitInfo> exit = system.ExitOf(id);
  if (!exit) return s;
  return absl::Status(s.code(), system.system_name() + " node " + std::to_string(id) +
                                    " has ended (" + exit->ToString() + "; its log: " +
                                    system.log_path(id) + "): " + std::string(s.message()));
}

}  // namespace

absl::Status RunAlone(const std::vector<SystemUnderTest*>& systems, size_t active,
                      std::chrono::milliseconds healthy_timeout) {
  for (size_t i = 0; i < systems.size(); ++i) {
    if (i == active) continue;
    for (uint64_t id : systems[i]->ids()) {
      if (systems[i]->Paused(id)) continue;
      if (auto s = systems[i]->Pause(id); !s.ok()) return WithExit(s, *systems[i], id);
    }
  }
  SystemUnderTest& mine = *systems[active];
  bool resumed = false;
  for (uint64_t id : mine.ids()) {
    if (!mine.Paused(id)) continue;
    if (auto s = mine.Resume(id); !s.ok()) return WithExit(s, mine, id);
    resumed = true;
  }
  if (!resumed) return absl::OkStatus();
  if (auto s = mine.WaitHealthy(healthy_timeout); !s.ok()) {
    return absl::Status(s.code(), mine.system_name() + " after its pause: " + std::string(s.message()));
  }
  return absl::OkStatus();
}

}  // namespace raftlab::harness
