#include "proto/grpc_runtime.h"

#include <absl/synchronization/mutex.h>

namespace raftlab::proto {

void DisableAbslDeadlockDetection() { absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore); }

}  // namespace raftlab::proto
