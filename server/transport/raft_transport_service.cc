#include "server/transport/raft_transport_service.h"

#include <string>
#include <utility>

#include "faults/points.h"
#include "proto/raft_message_types.h"
#include "server/rpc/reader_call.h"
#include "server/transport/snapshot_stream.h"

namespace raftlab::transport {
namespace {

// A message a peer may legitimately send: a known, non-local type addressed as its batch.
bool Valid(const raftpb::Message& m, uint64_t from_node, uint64_t to_node) {
  return raftpb::MessageType_IsValid(m.type()) && !raftpb::Info(m.type()).local_only &&
         m.to() == to_node && m.from() == from_node;
}

}  // namespace

// One Send stream: read a batch, deliver it, read the next, until the peer ends the stream.
class RaftTransportService::BatchReader final : public rpc::ReaderCall<MessageBatch, SendSummary> {
 public:
  BatchReader(RaftTransportService& service, rpc::CompletionLoop& loop)
      : ReaderCall(loop), service_(service) {
    service_.async_.RequestSend(context(), reader(), loop.queue(), loop.queue(), this);
  }

 private:
  void ListenForNext() override { new BatchReader(service_, loop()); }

  void OnMessage(MessageBatch& batch) override {
    if (grpc::Status status = service_.Handle(batch, response()); !status.ok()) {
      Finish(status);
      return;
    }
    ReadNext();
  }

  void OnEnd() override { Finish(grpc::Status::OK); }

  RaftTransportService& service_;
};

// One SendSnapshot stream: assemble chunks, then verify and deliver the MsgSnap.
class RaftTransportService::SnapshotReader final
    : public rpc::ReaderCall<SnapshotChunk, SnapshotResponse> {
 public:
  SnapshotReader(RaftTransportService& service, rpc::CompletionLoop& loop)
      : ReaderCall(loop), service_(service), assembler_(service.options_.max_snapshot_bytes) {
    service_.async_.RequestSendSnapshot(context(), reader(), loop.queue(), loop.queue(), this);
  }

 private:
  void ListenForNext() override { new SnapshotReader(service_, loop()); }

  void OnEnd() override {
    // The sender gave up (or was cut off) before the last chunk.
    service_.metrics_.snapshots_received_aborted->Inc();
    Finish(grpc::Status(grpc::StatusCode::ABORTED, "snapshot stream ended before its last chunk"));
  }

  void OnMessage(SnapshotChunk& chunk) override {
    const std::size_t bytes = chunk.data().size();
    if (absl::Status s = assembler_.Add(chunk); !s.ok()) {
      Refuse(std::string(s.message()));
      return;
    }
    service_.metrics_.snapshot_received_bytes->Add(bytes);
    if (!peer_checked_) {
      peer_checked_ = true;
      if (service_.DropsInbound(assembler_.from_node())) {
        Refuse("node " + std::to_string(assembler_.from_node()) + " is partitioned off");
        return;
      }
      if (assembler_.to_node() != service_.options_.self_id) {
        Refuse("snapshot for node " + std::to_string(assembler_.to_node()) + " sent to node " +
               std::to_string(service_.options_.self_id));
        return;
      }
    }
    if (!assembler_.done()) {
      ReadNext();
      return;
    }
    absl::StatusOr<raftpb::Message> msg = assembler_.Take();
    if (!msg.ok()) {
      Refuse(std::string(msg.status().message()));
      return;
    }
    if (faults::ShouldFail(faults::kSnapshotApply)) {
      Refuse(std::string("fault point ") + faults::kSnapshotApply.name + " refused the snapshot");
      return;
    }
    if (!Valid(*msg, assembler_.from_node(), assembler_.to_node())) {
      Refuse("snapshot header is not a MsgSnap from node " +
             std::to_string(assembler_.from_node()) + " to node " +
             std::to_string(assembler_.to_node()));
      return;
    }
    service_.metrics_.snapshots_received_accepted->Inc();
    service_.handler_.Deliver(assembler_.group_id(), std::move(*msg));
    response().set_accepted(true);
    Finish(grpc::Status::OK);
  }

  // A refusal is an answer, not a transport failure: OK status, accepted = false.
  void Refuse(std::string why) {
    service_.metrics_.snapshots_received_refused->Inc();
    response().set_accepted(false);
    response().set_error(std::move(why));
    Finish(grpc::Status::OK);
  }

  RaftTransportService& service_;
  SnapshotAssembler assembler_;
  bool peer_checked_ = false;  // the first chunk's sender and receiver were checked
};

RaftTransportService::RaftTransportService(RaftTransportServiceOptions options,
                                           InboundHandler& handler, TransportMetrics& metrics)
    : options_(options), handler_(handler), metrics_(metrics) {}

void RaftTransportService::Listen(rpc::CompletionLoop& loop) {
  new BatchReader(*this, loop);
  new SnapshotReader(*this, loop);
}

grpc::Status RaftTransportService::Handle(MessageBatch& batch, SendSummary& summary) {
  const uint64_t n = batch.messages_size();
  if (batch.to_node() != options_.self_id) {
    metrics_.receive_drops_wrong_node->Add(n);
    summary.set_messages_dropped(summary.messages_dropped() + n);
    return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                        "batch from node " + std::to_string(batch.from_node()) + " is for node " +
                            std::to_string(batch.to_node()) + " but reached node " +
                            std::to_string(options_.self_id) + ": check --peers");
  }
  if (DropsInbound(batch.from_node())) {
    metrics_.partition_drops_receive->Add(n);
    summary.set_messages_dropped(summary.messages_dropped() + n);
    return grpc::Status::OK;
  }
  const LaneCounters lane = metrics_.Received(batch.lane());
  lane.bytes->Add(batch.ByteSizeLong());
  uint64_t delivered = 0;
  handler_.BeginBatch();
  for (GroupMessage& gm : *batch.mutable_messages()) {
    if (!Valid(gm.message(), batch.from_node(), batch.to_node())) continue;
    // Counted first, so whoever sees the message also sees it counted.
    lane.messages->Inc();
    handler_.Deliver(gm.group_id(), std::move(*gm.mutable_message()));
    ++delivered;
  }
  handler_.EndBatch();
  if (delivered < n) {
    metrics_.receive_drops_invalid->Add(n - delivered);
    summary.set_messages_dropped(summary.messages_dropped() + (n - delivered));
  }
  summary.set_batches_received(summary.batches_received() + 1);
  return grpc::Status::OK;
}

}  // namespace raftlab::transport
