#include "server/api/grpc_status.h"

#include <string>

namespace raftlab::api {

grpc::Status FromAbsl(const absl::Status& s) {
  using grpc::StatusCode;
  switch (s.code()) {
    case absl::StatusCode::kOk:
      return grpc::Status::OK;
    case absl::StatusCode::kInvalidArgument:
      return {StatusCode::INVALID_ARGUMENT, std::string(s.message())};
    case absl::StatusCode::kNotFound:
      return {StatusCode::NOT_FOUND, std::string(s.message())};
    case absl::StatusCode::kFailedPrecondition:
      return {StatusCode::FAILED_PRECONDITION, std::string(s.message())};
    case absl::StatusCode::kDeadlineExceeded:
      return {StatusCode::DEADLINE_EXCEEDED, std::string(s.message())};
    case absl::StatusCode::kUnavailable:
      return {StatusCode::UNAVAILABLE, std::string(s.message())};
    default:
      return {StatusCode::INTERNAL, std::string(s.message())};
  }
}

}  // namespace raftlab::api
