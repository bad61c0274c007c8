#pragma once
// The per-peer outbound dispatcher: every Raft message a node sends goes through here, into
// one of its destination's lanes (lanes.h), and from there to the BatchSender. This is the
// component's entry header.
//
//   Dispatcher ── one PeerDispatcher per destination node ── one DispatchLane per lane
//
// Enqueue never blocks on the network or on disk: a full lane drops the message, bumps
// raftlab_raft_dispatch_drop_total{lane} and calls on_drop, so the group can
// ReportUnreachable (or ReportSnapshot(failure) for MsgSnap) and Raft retries later. A failed
// Send bumps raftlab_raft_dispatch_errors_total and calls on_drop for every message of the
// batch. Order is kept within one lane to one peer, not across lanes.
//
// Over the network: GrpcBatchSender (grpc_batch_sender.h) is the production BatchSender;
// RaftTransportService (raft_transport_service.h) is the receiving gRPC service, handing
// messages to an InboundHandler (inbound_handler.h).
//
// Threads: Enqueue may be called concurrently from every group's Ready loop. AddPeer,
// RemovePeer and Shutdown may be called from any thread but not from on_drop; RemovePeer
// and Shutdown wait for in-flight sends to return.

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <shared_mutex>
#include <vector>

#include "absl/status/status.h"
#include "server/metrics/registry.h"
#include "server/transport/batch_sender.h"
#include "server/transport/dispatch_lane.h"
#include "server/transport/lanes.h"

namespace raftlab::transport {

struct DispatcherOptions {
  LaneLayout layout = LaneLayout::kTwoLanes;
  std::size_t max_batch = 64;  // messages per Send
};

// What happened to one Enqueue call.
enum class EnqueueResult {
  kQueued,
  kDropped,       // lane full or unknown peer: counted and reported through on_drop
  kLocalMessage,  // a local-only message type: a caller bug, neither counted nor reported
  kStopped,       // after Shutdown: discarded silently
};

// The lanes of one destination node.
class PeerDispatcher {
 public:
  // drops: one counter per lane of layout, in lane order. Everything passed in must
  // outlive this object.
  PeerDispatcher(uint64_t peer, const DispatcherOptions& options, BatchSender& sender,
                 const DropCallback& on_send_failure, std::span<metrics::Counter* const> drops,
                 metrics::Counter* errors);

  // Moves from message only when it was queued; lane is LaneFor(layout, message.type()).
  bool TryEnqueue(std::size_t lane, uint64_t group_id, raftpb::Message& message, bool hold_wake);
  void Wake(std::size_t lane) { lanes_[lane]->Wake(); }
  void Stop();
  std::size_t queued(std::size_t lane) const { return lanes_[lane]->queued(); }
  bool worker_sleeping(std::size_t lane) const { return lanes_[lane]->worker_sleeping(); }

 private:
  std::vector<std::unique_ptr<DispatchLane>> lanes_;
};

class Dispatcher {
 public:
  // Registers (or shares) the dispatch metrics in registry. sender and registry must
  // outlive the dispatcher.
  Dispatcher(DispatcherOptions options, BatchSender& sender, DropCallback on_drop,
             metrics::Registry& registry);
  ~Dispatcher();  // Shutdown()
  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;

  // Starts the lanes to node `peer`; AlreadyExists if it has them, FailedPrecondition after
  // Shutdown.
  absl::Status AddPeer(uint64_t peer);
  // Stops and joins the peer's lanes, discarding what they still hold. No-op if unknown.
  void RemovePeer(uint64_t peer);

  // Sends message to message.to() on the lane its type belongs to.
  EnqueueResult Enqueue(uint64_t group_id, raftpb::Message message);

  // While the calling thread holds wake-ups, the lanes it queues messages in are woken
  // only when it releases them: the messages a Ready-loop pass sends for many groups then
  // leave as one batch per lane, not one each. Holds nest; other threads are not held.
  void HoldWakes();
  void ReleaseWakes();

  // Stops every lane; later Enqueue calls return kStopped. Idempotent.
  void Shutdown();

  LaneLayout layout() const { return options_.layout; }
  // Messages waiting in one lane to peer (0 for an unknown peer).
  std::size_t queued(uint64_t peer, std::size_t lane) const;
  // Whether the worker of one lane to peer sleeps (false for an unknown peer).
  bool worker_sleeping(uint64_t peer, std::size_t lane) const;

 private:
  const DispatcherOptions options_;
  BatchSender& sender_;
  const DropCallback on_drop_;
  std::vector<metrics::Counter*> drops_;  // per lane, lane order
  metrics::Counter* errors_;

  mutable std::shared_mutex mu_;
  std::map<uint64_t, std::unique_ptr<PeerDispatcher>> peers_;  // guarded by mu_
  bool stopped_ = false;                                       // guarded by mu_
};

}  // namespace raftlab::transport
