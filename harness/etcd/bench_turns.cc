#include "harness/etcd/bench_turns.h"

#include <string>

namespace raftlab::harness {

absl::Status RunAlone(const std::vector<SystemUnderTest*>& systems, size_t active,
                      std::chrono::milliseconds healthy_timeout) {
  for (size_t i = 0; i < systems.size(); ++i) {
    if (i == active) continue;
    for (uint64_t id : systems[i]->ids()) {
      if (systems[i]->Paused(id)) continue;
      if (auto s = systems[i]->Pause(id); !s.ok()) return s;
    }
  }
  SystemUnderTest& mine = *systems[active];
  bool resumed = false;
  for (uint64_t id : mine.ids()) {
    if (!mine.Paused(id)) continue;
    if (auto s = mine.Resume(id); !s.ok()) return s;
    resumed = true;
  }
  if (!resumed) return absl::OkStatus();
  if (auto s = mine.WaitHealthy(healthy_timeout); !s.ok()) {
    return absl::Status(s.code(), mine.system_name() + " after its pause: " + std::string(s.message()));
  }
  return absl::OkStatus();
}

}  // namespace raftlab::harness
