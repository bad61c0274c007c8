#pragma once
// The distinct error values of the Raft core. Every fallible call returns absl::Status (or
// StatusOr); ErrorOf() recovers which of these it was, so callers branch on a kind rather
// than on message text. The kind travels as a status payload, so it survives copies.

#include <optional>
#include <string_view>

#include "absl/status/status.h"

namespace raftlab::raft {

enum class RaftError {
  // No leader is known, or a leadership transfer is in progress: retry later.
  kProposalDropped,
  // The leader's uncommitted tail exceeds max_uncommitted_entries_size: back off.
  kUncommittedSizeExceeded,
  // A configuration change is already in the log and not yet applied.
  kPendingConfChange,
  // The configuration change itself is invalid (e.g. removes the last voter).
  kInvalidConfChange,
  // A local-only message type (MsgHup, MsgBeat, ...) arrived through Step from the wire.
  kStepLocalMessage,
  // A response came from a node that is not in the configuration.
  kStepPeerNotFound,
  // Storage: the requested index precedes the first available entry.
  kCompacted,
  // Storage: the requested index is beyond the last entry.
  kUnavailable,
  // Storage: the snapshot being applied or created is older than the current one.
  kSnapshotOutOfDate,
  // Storage: no snapshot can be produced right now; the leader retries later.
  kSnapshotTemporarilyUnavailable,
  // A Config field is out of range.
  kInvalidConfig,
};

// A status with the kind attached and a message naming what failed.
absl::Status MakeError(RaftError kind, std::string_view message);

// The kind attached to status, or nullopt for OK and foreign statuses.
std::optional<RaftError> ErrorOf(const absl::Status& status);

inline bool Is(const absl::Status& status, RaftError kind) { return ErrorOf(status) == kind; }

std::string_view ToString(RaftError kind);

}  // namespace raftlab::raft
