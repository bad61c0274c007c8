#pragma once
// Process-wide settings of the gRPC runtime, applied first thing by every main that runs gRPC.

namespace raftlab::proto {

// Debian's abseil is built with mutex deadlock detection on: every absl::Mutex that gRPC
// locks or destroys updates one process-wide lock graph (about 2% of the CPU of a put).
// raftlab's own locks are std::mutex, whose order the TSan build checks.
void DisableAbslDeadlockDetection();

}  // namespace raftlab::proto
