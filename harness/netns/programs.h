#pragma once
// Running the system tools the harness needs (ip, iptables, etcd): found on PATH, run to
// completion with their output captured for error messages.

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace raftlab::harness {

// The executable `name` on PATH (or `name` itself when it contains a slash and is
// executable); an error names it.
absl::StatusOr<std::string> FindProgram(const std::string& name);

// Runs program (found on PATH) with args and waits; its stdout and stderr together, or an
// error naming the command line, its exit and the first lines of its output.
absl::StatusOr<std::string> RunProgram(const std::string& name, const std::vector<std::string>& args);

}  // namespace raftlab::harness
