#pragma once
// How a failed client call is reported to callers that must know whether it took effect.
// Every error from KvClient/AdminClient is an absl::Status with the gRPC code and message,
// tagged definite (certainly not applied; a history records `fail`) or indeterminate (it
// may take effect, now or later; a history records `info`). Untagged errors count as
// indeterminate, so an error built elsewhere is never mistaken for a safe failure.

#include <grpcpp/grpcpp.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "absl/status/status.h"

namespace raftlab::client {

enum class Certainty {
  kDefinite,       // the request was certainly not applied
  kIndeterminate,  // the request may have been applied
};

// The leader a NOT_LEADER answer pointed to; zero/empty fields are unknown.
struct LeaderHint {
  uint64_t group_id = 0;
  uint64_t leader_id = 0;
  std::string leader_address;
};

using TrailingMetadata = std::multimap<grpc::string_ref, grpc::string_ref>;

// The certainty the code implies for a request that reached the wire. NOT_LEADER
// (FAILED_PRECONDITION), INVALID_ARGUMENT, PERMISSION_DENIED and other rejections are
// definite; DEADLINE_EXCEEDED, UNAVAILABLE, CANCELLED, INTERNAL, UNKNOWN are not.
Certainty ClassifyCode(grpc::StatusCode code);

// True when gRPC failed the call while picking a connection (none could be made), so the
// request never left this process. Recognised by gRPC's own message; if that wording ever
// changes this returns false, which only makes such errors indeterminate (the safe side).
bool NeverSent(const grpc::Status& status);

// The status as an absl::Status naming `endpoint`, tagged with ClassifyCode (definite as
// well when NeverSent).
absl::Status FromGrpc(const grpc::Status& status, const std::string& endpoint);

// `status` (not OK) tagged with `certainty`.
absl::Status WithCertainty(absl::Status status, Certainty certainty);

// The tag of a non-OK status; untagged means indeterminate.
Certainty CertaintyOf(const absl::Status& status);
inline bool IsDefiniteFailure(const absl::Status& s) { return !s.ok() && CertaintyOf(s) == Certainty::kDefinite; }
inline bool IsIndeterminate(const absl::Status& s) { return !s.ok() && CertaintyOf(s) == Certainty::kIndeterminate; }

// "definite" or "indeterminate".
const char* CertaintyName(Certainty certainty);

// The hint of a NOT_LEADER answer: FAILED_PRECONDITION with a NotLeader in the error
// details or the raftlab-leader-* trailing metadata. nullopt for any other status.
std::optional<LeaderHint> NotLeaderHint(const grpc::Status& status, const TrailingMetadata& trailers);

}  // namespace raftlab::client
