#include "server/api/client/call_status.h"

#include <charconv>

#include "absl/strings/cord.h"
#include "kv.pb.h"

namespace raftlab::client {
namespace {

constexpr char kCertaintyPayload[] = "raftlab.client/certainty";

std::string ToString(const grpc::string_ref& ref) { return std::string(ref.data(), ref.size()); }

std::optional<std::string> Trailer(const TrailingMetadata& trailers, const char* name) {
  auto it = trailers.find(name);
  if (it == trailers.end()) return std::nullopt;
  return ToString(it->second);
}

}  // namespace

Certainty ClassifyCode(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::FAILED_PRECONDITION:
    case grpc::StatusCode::PERMISSION_DENIED:
    case grpc::StatusCode::UNAUTHENTICATED:
    case grpc::StatusCode::NOT_FOUND:
    case grpc::StatusCode::ALREADY_EXISTS:
    case grpc::StatusCode::OUT_OF_RANGE:
    case grpc::StatusCode::UNIMPLEMENTED:
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return Certainty::kDefinite;
    default:
      return Certainty::kIndeterminate;
  }
}

bool NeverSent(const grpc::Status& status) {
  return status.error_code() == grpc::StatusCode::UNAVAILABLE &&
         status.error_message().find("failed to connect to all addresses") != std::string::npos;
}

absl::Status FromGrpc(const grpc::Status& status, const std::string& endpoint) {
  absl::Status out(static_cast<absl::StatusCode>(status.error_code()),
                   endpoint + ": " + status.error_message());
  return WithCertainty(std::move(out), NeverSent(status) ? Certainty::kDefinite : ClassifyCode(status.error_code()));
}

absl::Status WithCertainty(absl::Status status, Certainty certainty) {
  if (!status.ok()) status.SetPayload(kCertaintyPayload, absl::Cord(CertaintyName(certainty)));
  return status;
}

Certainty CertaintyOf(const absl::Status& status) {
  auto tag = status.GetPayload(kCertaintyPayload);
  return tag && *tag == CertaintyName(Certainty::kDefinite) ? Certainty::kDefinite : Certainty::kIndeterminate;
}

const char* CertaintyName(Certainty certainty) {
  return certainty == Certainty::kDefinite ? "definite" : "indeterminate";
}

std::optional<LeaderHint> NotLeaderHint(const grpc::Status& status, const TrailingMetadata& trailers) {
  if (status.error_code() != grpc::StatusCode::FAILED_PRECONDITION) return std::nullopt;
  kv::NotLeader detail;
  if (!status.error_details().empty() && detail.ParseFromString(status.error_details())) {
    return LeaderHint{detail.group_id(), detail.leader_id(), detail.leader_address()};
  }
  auto id = Trailer(trailers, "raftlab-leader-id");
  auto address = Trailer(trailers, "raftlab-leader-address");
  if (!id && !address) return std::nullopt;
  LeaderHint hint;
  if (id) std::from_chars(id->data(), id->data() + id->size(), hint.leader_id);
  if (address) hint.leader_address = *address;
  return hint;
}

}  // namespace raftlab::client
