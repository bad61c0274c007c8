// Switching fault points on and off at run time.
//
// Thin wrappers over libfiu's control API that refuse misspelt raftlab/ names and report
// errors as absl::Status. Names outside raftlab/ (e.g. posix/io/sync/fsync, served by
// fiu-run -x's preload library) pass through unchecked. Thread-safe: libfiu locks its own
// tables. When fault points are compiled out every call returns FailedPrecondition.
#ifndef RAFTLAB_FAULTS_CONTROL_H_
#define RAFTLAB_FAULTS_CONTROL_H_

#include <string>

#include "absl/status/status.h"

namespace raftlab::faults {

// Makes `name` fail on every check (or only the next one when `once`). `name` may end in
// '*' to match a whole subtree, as libfiu allows.
absl::Status Enable(const std::string& name, bool once = false);

// Makes `name` fail with the given probability in [0, 1] on each check.
absl::Status EnableRandom(const std::string& name, double probability);

// Everything the Admin API's EnableFault can ask for.
struct EnableOptions {
  double probability = 1.0;  // chance of failing per check, in [0, 1]
  int failnum = 1;           // handed to the failing code (fiu_fail's return value)
  long failinfo = 0;         // handed to the failing code (e.g. a delay in ms)
  bool once = false;         // fail on the next check only
};

// Enables `name` with all of libfiu's knobs; the error names the point and the bad knob.
absl::Status EnableWith(const std::string& name, const EnableOptions& options);

// Stops `name` failing. Disabling a point that is not enabled is an error from libfiu.
absl::Status Disable(const std::string& name);

// Opens libfiu remote control on the FIFO "<prefix>-<pid>" so fiu-ctrl and the harness can
// switch points while the process runs (the server's --fault-control=PREFIX).
absl::Status OpenRemoteControl(const std::string& prefix);

}  // namespace raftlab::faults

#endif  // RAFTLAB_FAULTS_CONTROL_H_
