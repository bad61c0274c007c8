#pragma once
// The two ways a client call reaches the cluster, shared by KvClient and AdminClient:
// CallAt sends to one endpoint and reports what it said; CallLeader starts at the
// remembered leader, follows NOT_LEADER hints (bounded), and moves on to the next endpoint
// when one is UNAVAILABLE if that is safe: always for reads, and for writes only when no
// connection could be made (NeverSent). A `Call` is
//   grpc::Status(Connection&, grpc::ClientContext*, Resp*)
// and is invoked once per attempt, on the calling thread.

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "server/api/client/call_status.h"
#include "server/api/client/channel_pool.h"
#include "server/api/client/endpoint_set.h"

namespace raftlab::client {

using Deadline = std::chrono::system_clock::time_point;

struct LeaderCallPolicy {
  int max_redirects = 5;
  // Reads change nothing, so an UNAVAILABLE endpoint can be skipped; a write can only when
  // it never left this process, as it may have been applied before a connection failed.
  bool read = false;
  // Mark the endpoint that answered as the leader (not for reads, which followers serve too).
  bool remember_leader = true;
};

template <typename Resp, typename Call>
absl::StatusOr<Resp> CallAt(ChannelPool& pool, const std::string& address, Deadline deadline, Call&& call) {
  grpc::ClientContext ctx;
  ctx.set_deadline(deadline);
  Resp resp;
  grpc::Status s = call(pool.Get(address), &ctx, &resp);
  if (s.ok()) return resp;
  return FromGrpc(s, address);
}

template <typename Resp, typename Call>
absl::StatusOr<Resp> CallLeader(ChannelPool& pool, EndpointSet& endpoints, Deadline deadline,
                                const LeaderCallPolicy& policy, Call&& call) {
  std::string address = endpoints.Preferred();
  int redirects = 0;
  size_t failovers = 0;
  for (;;) {
    grpc::ClientContext ctx;
    ctx.set_deadline(deadline);
    Resp resp;
    grpc::Status s = call(pool.Get(address), &ctx, &resp);
    if (s.ok()) {
      if (policy.remember_leader) endpoints.RememberLeader(address);
      return resp;
    }
    std::string next;
    if (std::optional<LeaderHint> hint = NotLeaderHint(s, ctx.GetServerTrailingMetadata())) {
      endpoints.ForgetLeader(address);
      if (++redirects > policy.max_redirects) {
        return WithCertainty(absl::FailedPreconditionError(address + ": " + s.error_message() + " (gave up after " +
                                                           std::to_string(policy.max_redirects) + " redirects)"),
                             Certainty::kDefinite);
      }
      bool useful = !hint->leader_address.empty() && hint->leader_address != address;
      next = useful ? hint->leader_address : endpoints.After(address);
    } else if (s.error_code() == grpc::StatusCode::UNAVAILABLE && (policy.read || NeverSent(s)) &&
               ++failovers < endpoints.all().size()) {
      endpoints.ForgetLeader(address);
      next = endpoints.After(address);
    } else {
      if (s.error_code() == grpc::StatusCode::UNAVAILABLE) endpoints.ForgetLeader(address);
      return FromGrpc(s, address);
    }
    // Every earlier attempt was refused before proposing, never sent, or a read, so running
    // out of time between attempts is a definite failure.
    if (std::chrono::system_clock::now() >= deadline) {
      return WithCertainty(absl::DeadlineExceededError(address + ": deadline passed before retrying at " + next),
                           Certainty::kDefinite);
    }
    address = std::move(next);
  }
}

}  // namespace raftlab::client
