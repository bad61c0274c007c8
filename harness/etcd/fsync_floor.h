#pragma once
// The fsync floor of a disk: what one 4 KiB append followed by fdatasync costs in a folder,
// the least a durable single-client write can take. bench-compare measures it beside the
// clusters, in the same run, so a write latency can be read as a multiple of it.

#include <string>

#include "absl/status/statusor.h"

namespace raftlab::harness {

// Appends `samples` blocks of 4 KiB to a scratch file in `dir`, fdatasync after each, and
// returns the median latency in milliseconds; the file is removed. Errors name the file.
absl::StatusOr<double> FsyncFloorP50Ms(const std::string& dir, int samples);

}  // namespace raftlab::harness
