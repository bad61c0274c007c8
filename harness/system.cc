#include "harness/system.h"

namespace raftlab::harness {

absl::Status SupportsFault(const std::string& system, const std::string& network, const std::string& name) {
  if (name == "net-delay" && network != "netns") {
    return absl::InvalidArgumentError("--nemesis net-delay: delays messages through the netns proxies; add --network netns");
  }
  if (system == "raftlab") return absl::OkStatus();
  // What every system supports: its processes are the harness's children, and its data
  // directories can sit on raftlab-powerfs.
  for (const char* generic : {"kill", "kill-leader", "pause", "pause-leader", "net-delay", "power-loss", "torn-write"}) {
    if (name == generic) return absl::OkStatus();
  }
  // Slows the isolated leader's clock through the Admin API.
  if (name.rfind("partition", 0) == 0 && name != "partition-leader-slow") {
    if (network == "netns") return absl::OkStatus();
    return absl::InvalidArgumentError("--nemesis " + name + ": " + system +
                                      " members cannot be partitioned on loopback; add --network netns");
  }
  return absl::InvalidArgumentError("--nemesis " + name +
                                    ": needs raftlab's Admin API (fault control inside the server); not available "
                                    "with --system " + system + " (its faults: kill, kill-leader, pause, "
                                    "pause-leader, power-loss, torn-write, and partition* and net-delay with "
                                    "--network netns)");
}

}  // namespace raftlab::harness
