#pragma once
// RaftTransportService: the receiving side of the node-to-node transport (transport.proto's
// RaftTransport), registered by the server's grpc::ServerBuilder next to KV and Admin.
//
//   Send          a long-lived stream of MessageBatches from one (peer, lane); each message
//                 is handed to the InboundHandler in stream order.
//   SendSnapshot  one snapshot in chunks, reassembled (snapshot_stream.h), CRC-checked,
//                 then handed over as one MsgSnap; the response says whether it was.
//
// What is dropped, and counted (transport_metrics.h): batches from peers the
// PartitionFilter isolates (the stream stays open: partitions heal); messages that are
// malformed (unknown or local-only type, `to` or `from` not matching the batch). A batch
// addressed to another node means a misconfigured peer list: it is dropped and the stream
// ends with FAILED_PRECONDITION naming both ids, so the sender sees the error.
// Snapshots are refused (accepted = false, with the reason) when the stream is malformed,
// larger than max_snapshot_bytes, fails its CRC, comes from an isolated peer, or when the
// raftlab/snapshot/apply fault point fires.
//
// Served on a CompletionLoop (server/rpc): no thread is held per stream. Register service()
// with the server's builder, then Listen on the loop once the server started.
// Streams never end on their own, so stop the server with grpc::Server::Shutdown(deadline)
// (a deadline of now is fine).
// The ServerBuilder should accept messages of kMaxInboundMessageBytes
// (SetMaxReceiveMessageSize): a batch of MsgApps can exceed gRPC's 4 MiB default.
// Owns nothing but its options; handler, partition filter and metrics must outlive it.

#include <cstdint>

#include "faults/partition_filter.h"
#include "server/rpc/completion_loop.h"
#include "server/transport/inbound_handler.h"
#include "server/transport/transport_metrics.h"
#include "transport.grpc.pb.h"

namespace raftlab::transport {

inline constexpr int kMaxInboundMessageBytes = 256 << 20;

struct RaftTransportServiceOptions {
  uint64_t self_id = 0;
  // Largest snapshot image accepted, in bytes; the buffer is bounded by it.
  uint64_t max_snapshot_bytes = uint64_t{4} << 30;
  // Consulted for every batch and snapshot; null means no partitions.
  const faults::PartitionFilter* partition = nullptr;
};

class RaftTransportService final {
 public:
  RaftTransportService(RaftTransportServiceOptions options, InboundHandler& handler,
                       TransportMetrics& metrics);

  // For grpc::ServerBuilder::RegisterService, before the server starts.
  grpc::Service* service() { return &async_; }
  // Serves Send and SendSnapshot streams on loop until the server shuts down.
  void Listen(rpc::CompletionLoop& loop);

 private:
  class BatchReader;
  class SnapshotReader;

  // Delivers (moving out) what may be delivered of batch; a non-OK status ends the stream.
  grpc::Status Handle(MessageBatch& batch, SendSummary& summary);
  bool DropsInbound(uint64_t peer) const {
    return options_.partition != nullptr && options_.partition->DropsInbound(peer);
  }

  const RaftTransportServiceOptions options_;
  RaftTransport::AsyncService async_;
  InboundHandler& handler_;
  TransportMetrics& metrics_;
};

}  // namespace raftlab::transport
