#include "server/raft/errors.h"

#include <string>

#include "absl/strings/cord.h"

namespace raftlab::raft {
namespace {

constexpr char kPayloadUrl[] = "raftlab.raft.RaftError";

absl::StatusCode CodeOf(RaftError kind) {
  switch (kind) {
    case RaftError::kProposalDropped: return absl::StatusCode::kUnavailable;
    case RaftError::kUncommittedSizeExceeded: return absl::StatusCode::kResourceExhausted;
    case RaftError::kPendingConfChange: return absl::StatusCode::kFailedPrecondition;
    case RaftError::kInvalidConfChange: return absl::StatusCode::kInvalidArgument;
    case RaftError::kStepLocalMessage: return absl::StatusCode::kInvalidArgument;
    case RaftError::kStepPeerNotFound: return absl::StatusCode::kNotFound;
    case RaftError::kCompacted: return absl::StatusCode::kOutOfRange;
    case RaftError::kUnavailable: return absl::StatusCode::kOutOfRange;
    case RaftError::kSnapshotOutOfDate: return absl::StatusCode::kFailedPrecondition;
    case RaftError::kSnapshotTemporarilyUnavailable: return absl::StatusCode::kUnavailable;
    case RaftError::kInvalidConfig: return absl::StatusCode::kInvalidArgument;
  }
  return absl::StatusCode::kUnknown;
}

}  // namespace

std::string_view ToString(RaftError kind) {
  switch (kind) {
    case RaftError::kProposalDropped: return "proposal dropped";
    case RaftError::kUncommittedSizeExceeded: return "uncommitted entries size exceeded";
    case RaftError::kPendingConfChange: return "configuration change pending";
    case RaftError::kInvalidConfChange: return "invalid configuration change";
    case RaftError::kStepLocalMessage: return "local message stepped from the wire";
    case RaftError::kStepPeerNotFound: return "response from unknown peer";
    case RaftError::kCompacted: return "index compacted";
    case RaftError::kUnavailable: return "index unavailable";
    case RaftError::kSnapshotOutOfDate: return "snapshot out of date";
    case RaftError::kSnapshotTemporarilyUnavailable: return "snapshot temporarily unavailable";
    case RaftError::kInvalidConfig: return "invalid config";
  }
  return "unknown";
}

absl::Status MakeError(RaftError kind, std::string_view message) {
  std::string text(ToString(kind));
  if (!message.empty()) {
    text += ": ";
    text += message;
  }
  absl::Status s(CodeOf(kind), text);
  s.SetPayload(kPayloadUrl, absl::Cord(std::to_string(static_cast<int>(kind))));
  return s;
}

std::optional<RaftError> ErrorOf(const absl::Status& status) {
  if (status.ok()) return std::nullopt;
  auto payload = status.GetPayload(kPayloadUrl);
  if (!payload) return std::nullopt;
  return static_cast<RaftError>(std::stoi(std::string(*payload)));
}

}  // namespace raftlab::raft
