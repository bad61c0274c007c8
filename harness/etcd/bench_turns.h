#pragma once
// Turns of a side-by-side benchmark: the system measured runs alone. Every member of the
// other systems is paused (SIGSTOP) for the run, so their idle work does not share the
// cores with it: an idle 16-group raftlab cluster alone takes about a tenth of this
// 2-core machine, and a group-count comparison keeps six clusters up.

#include <chrono>
#include <cstddef>
#include <vector>

#include "absl/status/status.h"
#include "harness/system.h"

namespace raftlab::harness {

// Pauses every member of systems other than systems[active] and resumes those of
// systems[active]; when any was paused, waits until it is healthy again (a resumed leader
// may have lost its followers' votes to the pause). A member that has ended (crashed,
// fail-stopped) fails the turn with how it ended and the path of its log.
absl::Status RunAlone(const std::vector<SystemUnderTest*>& systems, size_t active,
                      std::chrono::milliseconds healthy_timeout);

}  // namespace raftlab::harness
