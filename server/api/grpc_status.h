#pragma once
// The one conversion from the server's absl::Status to what a gRPC client sees.

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace raftlab::api {

// Same code for INVALID_ARGUMENT, NOT_FOUND, FAILED_PRECONDITION, DEADLINE_EXCEEDED and
// UNAVAILABLE; INTERNAL for anything else. The message is kept.
grpc::Status FromAbsl(const absl::Status& s);

}  // namespace raftlab::api
