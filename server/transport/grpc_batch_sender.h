#pragma once
// GrpcBatchSender: the production BatchSender. Carries the dispatcher's batches to peers
// over transport.proto's RaftTransport service.
//
//   per peer            one grpc::Channel (address from the address book), shared by lanes
//   per (peer, lane)    one long-lived client stream Send; each batch is one MessageBatch
//                       (split only when it exceeds max_batch_bytes)
//   per MsgSnap         one SendSnapshot stream of chunks (snapshot_stream.h), in lane order
//
// Before sending, a batch is dropped with an error (so the dispatcher reports the peer
// unreachable) when the PartitionFilter isolates the peer or raftlab/transport/send fires;
// raftlab/transport/delay holds it back for failinfo ms (default 100). raftlab/snapshot/send
// cuts a snapshot stream halfway through.
//
// Failure: a stream that breaks makes Send return UNAVAILABLE; the stream is reopened by a
// later Send, no earlier than its Backoff allows (Send fails fast meanwhile). No call
// blocks for long: every gRPC operation that may wait on the peer is armed on a
// CallWatchdog for write_timeout, and Shutdown() cancels all of them at once.
//
// Threads: Send is called by the dispatcher's lane workers, concurrently for different
// (peer, lane) pairs and never for the same pair; a pair's stream is touched only by its
// caller. SetPeerAddress and Shutdown may be called from any thread.
// Shutdown order: sender.Shutdown() (in-flight Sends return), then dispatcher.Shutdown(),
// then destroy the dispatcher before the sender.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "faults/link_faults.h"
#include "faults/partition_filter.h"
#include "server/transport/backoff.h"
#include "server/transport/batch_sender.h"
#include "server/transport/call_watchdog.h"
#include "server/transport/transport_metrics.h"
#include "transport.grpc.pb.h"

namespace raftlab::transport {

struct GrpcBatchSenderOptions {
  uint64_t self_id = 0;
  // The address book: node id -> host:port of its gRPC listener.
  std::map<uint64_t, std::string> peer_addresses;
  // Between attempts to reopen a broken stream; also the channel's own reconnect bounds.
  Backoff::Options backoff;
  // Seeds the backoff jitter (mixed with peer and lane, so lanes do not move in step).
  uint64_t seed = 1;
  // Longest a single write, stream open or close may wait on the peer before it is
  // cancelled and the stream counts as broken.
  std::chrono::milliseconds write_timeout{5000};
  // Snapshot images travel in chunks of this many bytes.
  std::size_t snapshot_chunk_bytes = 1 << 20;
  // A batch whose encoding would exceed this is written as several MessageBatches.
  std::size_t max_batch_bytes = 4 << 20;
  // Consulted for every batch; null means no partitions. Must outlive the sender.
  const faults::PartitionFilter* partition = nullptr;
  // Consulted for every batch after the partition filter; null means clean links.
  faults::LinkFaults* links = nullptr;
};

class GrpcBatchSender final : public BatchSender {
 public:
  // metrics must outlive the sender.
  GrpcBatchSender(GrpcBatchSenderOptions options, TransportMetrics& metrics);
  // Shutdown(), then closes every stream. No Send may be running (see Shutdown order).
  ~GrpcBatchSender() override;
  GrpcBatchSender(const GrpcBatchSender&) = delete;
  GrpcBatchSender& operator=(const GrpcBatchSender&) = delete;

  absl::Status Send(uint64_t peer, std::string_view lane,
                    std::span<const OutboundMessage> batch) override;

  // Adds a peer or changes its address; streams to it move to the new address on their
  // next Send.
  void SetPeerAddress(uint64_t peer, std::string address);

  // Cancels every call in flight; from now on Send returns UNAVAILABLE at once. Idempotent.
  void Shutdown();

 private:
  struct Peer;
  struct LaneStream;

  std::shared_ptr<const Peer> PeerFor(uint64_t peer);
  LaneStream& StreamFor(uint64_t peer, std::string_view lane);

  absl::Status WriteMessages(LaneStream& s, uint64_t peer, std::string_view lane,
                             std::span<const OutboundMessage> messages);
  absl::Status WriteBatch(LaneStream& s, uint64_t peer, std::string_view lane,
                          const MessageBatch& batch);
  absl::Status Open(LaneStream& s, uint64_t peer, std::string_view lane);
  // Closes a broken stream and schedules the next attempt; returns the error for Send.
  absl::Status Break(LaneStream& s, uint64_t peer, std::string_view lane);
  // Ends s's call (politely when the peer still listens) and forgets it.
  grpc::Status Close(LaneStream& s);
  absl::Status SendSnapshot(const Peer& p, uint64_t peer, const OutboundMessage& m);

  const GrpcBatchSenderOptions options_;
  TransportMetrics& metrics_;
  CallWatchdog watchdog_;

  std::mutex mu_;
  std::map<uint64_t, std::shared_ptr<const Peer>> peers_;  // guarded by mu_
  // Entries are never removed before the destructor, so a reference stays valid; the
  // LaneStream itself belongs to the (peer, lane)'s caller.
  std::map<std::pair<uint64_t, std::string>, std::unique_ptr<LaneStream>> streams_;  // mu_
};

}  // namespace raftlab::transport
