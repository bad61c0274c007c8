#include "server/transport/grpc_batch_sender.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/channel_arguments.h>

#include <string>
#include <utility>

#include "faults/points.h"
#include "server/transport/snapshot_stream.h"

namespace raftlab::transport {
namespace {

using Clock = std::chrono::steady_clock;

// Distinct, reproducible jitter per (seed, peer, lane): FNV-1a over the lane name.
uint64_t MixSeed(uint64_t seed, uint64_t peer, std::string_view lane) {
  uint64_t h = 1469598103934665603ULL;
  for (char c : lane) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
  return seed ^ (peer * 0x9E3779B97F4A7C15ULL) ^ h;
}

std::string Where(uint64_t peer, std::string_view lane) {
  return "node " + std::to_string(peer) + " lane " + std::string(lane);
}

// Keeps ctx registered with the watchdog for the lifetime of the scope.
class Registration {
 public:
  Registration(CallWatchdog& w, grpc::ClientContext* ctx)
      : w_(w), ctx_(ctx), ok_(w.Register(ctx)) {}
  ~Registration() { w_.Unregister(ctx_); }
  Registration(const Registration&) = delete;
  Registration& operator=(const Registration&) = delete;
  bool ok() const { return ok_; }

 private:
  CallWatchdog& w_;
  grpc::ClientContext* ctx_;
  bool ok_;
};

}  // namespace

struct GrpcBatchSender::Peer {
  std::string address;
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<RaftTransport::Stub> stub;
};

struct GrpcBatchSender::LaneStream {
  LaneStream(const Backoff::Options& o, uint64_t seed, LaneCounters counters)
      : backoff(o, seed), sent(counters) {}

  std::shared_ptr<const Peer> peer;  // the channel the open stream runs on
  std::unique_ptr<grpc::ClientContext> ctx;
  std::unique_ptr<grpc::ClientWriter<MessageBatch>> writer;  // null: no open stream
  SendSummary summary;
  Backoff backoff;
  Clock::time_point retry_at{};  // no new stream before this
  bool opened_before = false;
  const LaneCounters sent;
};

GrpcBatchSender::GrpcBatchSender(GrpcBatchSenderOptions options, TransportMetrics& metrics)
    : options_(std::move(options)), metrics_(metrics) {
  for (const auto& [peer, address] : options_.peer_addresses) SetPeerAddress(peer, address);
}

GrpcBatchSender::~GrpcBatchSender() {
  Shutdown();
  std::lock_guard lock(mu_);
  for (auto& [key, stream] : streams_) Close(*stream);
}

void GrpcBatchSender::Shutdown() { watchdog_.Shutdown(); }

void GrpcBatchSender::SetPeerAddress(uint64_t peer, std::string address) {
  grpc::ChannelArguments args;
  // gRPC's own reconnect backoff defaults to 1 s .. 120 s; a restarted peer must be found
  // again within our bounds. (The minimum stays at its default: gRPC also uses it as the
  // connect timeout.)
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS,
              static_cast<int>(options_.backoff.initial.count()));
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, static_cast<int>(options_.backoff.max.count()));
  // Each node keeps its own connections, as separate processes would.
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  auto p = std::make_shared<Peer>();
  p->address = std::move(address);
  p->channel = grpc::CreateCustomChannel(p->address, grpc::InsecureChannelCredentials(), args);
  p->stub = RaftTransport::NewStub(p->channel);
  std::lock_guard lock(mu_);
  peers_[peer] = std::move(p);
}

std::shared_ptr<const GrpcBatchSender::Peer> GrpcBatchSender::PeerFor(uint64_t peer) {
  std::lock_guard lock(mu_);
  auto it = peers_.find(peer);
  return it == peers_.end() ? nullptr : it->second;
}

GrpcBatchSender::LaneStream& GrpcBatchSender::StreamFor(uint64_t peer, std::string_view lane) {
  std::lock_guard lock(mu_);
  auto [it, inserted] = streams_.try_emplace({peer, std::string(lane)});
  if (inserted) {
    it->second = std::make_unique<LaneStream>(options_.backoff, MixSeed(options_.seed, peer, lane),
                                              metrics_.Sent(lane));
  }
  return *it->second;
}

absl::Status GrpcBatchSender::Send(uint64_t peer, std::string_view lane,
                                   std::span<const OutboundMessage> batch) {
  if (watchdog_.shut_down()) return absl::UnavailableError("transport is shut down");
  if (options_.partition != nullptr && options_.partition->DropsOutbound(peer)) {
    metrics_.partition_drops_send->Add(batch.size());
    return absl::UnavailableError("node " + std::to_string(peer) + " is partitioned off");
  }
  const faults::LinkDecision link = options_.links != nullptr ? options_.links->Decide(peer, lane) : faults::LinkDecision{};
  if (link.delay.count() > 0 && !watchdog_.SleepFor(link.delay)) return absl::UnavailableError("transport is shut down");
  if (link.drop || faults::ShouldFail(faults::kTransportSend)) {
    metrics_.fault_drops->Add(batch.size());
    return absl::UnavailableError(std::string(link.drop ? "link fault" : faults::kTransportSend.name) +
                                  " dropped the batch to " + Where(peer, lane));
  }
  if (long ms = 0; faults::ShouldFailWithInfo(faults::kTransportDelay, &ms)) {
    if (!watchdog_.SleepFor(std::chrono::milliseconds(ms > 0 ? ms : 100))) {
      return absl::UnavailableError("transport is shut down");
    }
  }
  std::shared_ptr<const Peer> p = PeerFor(peer);
  if (p == nullptr) {
    return absl::NotFoundError("no address for node " + std::to_string(peer) +
                               " in the transport's address book");
  }
  LaneStream& s = StreamFor(peer, lane);
  if (s.writer != nullptr && s.peer != p) Close(s);  // the address changed
  s.peer = std::move(p);

  // Each MsgSnap goes through its own SendSnapshot stream, between the messages around it.
  std::size_t start = 0;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    if (batch[i].message.type() != raftpb::MsgSnap) continue;
    if (i > start) {
      if (absl::Status st = WriteMessages(s, peer, lane, batch.subspan(start, i - start));
          !st.ok()) {
        return st;
      }
    }
    if (absl::Status st = SendSnapshot(*s.peer, peer, batch[i]); !st.ok()) return st;
    start = i + 1;
  }
  if (start == batch.size()) return absl::OkStatus();
  absl::Status st = WriteMessages(s, peer, lane, batch.subspan(start));
  if (st.ok() && link.duplicate) st = WriteMessages(s, peer, lane, batch.subspan(start));
  return st;
}

absl::Status GrpcBatchSender::WriteMessages(LaneStream& s, uint64_t peer, std::string_view lane,
                                            std::span<const OutboundMessage> messages) {
  MessageBatch batch;
  auto reset = [&] {
    batch.Clear();
    batch.set_from_node(options_.self_id);
    batch.set_to_node(peer);
    batch.set_lane(std::string(lane));
  };
  reset();
  std::size_t bytes = 0;
  for (const OutboundMessage& m : messages) {
    const std::size_t size = m.message.ByteSizeLong();
    if (batch.messages_size() > 0 && bytes + size > options_.max_batch_bytes) {
      if (absl::Status st = WriteBatch(s, peer, lane, batch); !st.ok()) return st;
      reset();
      bytes = 0;
    }
    GroupMessage* gm = batch.add_messages();
    gm->set_group_id(m.group_id);
    *gm->mutable_message() = m.message;
    bytes += size;
  }
  return WriteBatch(s, peer, lane, batch);
}

absl::Status GrpcBatchSender::WriteBatch(LaneStream& s, uint64_t peer, std::string_view lane,
                                         const MessageBatch& batch) {
  if (s.writer == nullptr) {
    if (absl::Status st = Open(s, peer, lane); !st.ok()) return st;
  }
  bool ok;
  {
    ArmedCall armed(watchdog_, s.ctx.get(), options_.write_timeout);
    ok = s.writer->Write(batch);
  }
  if (!ok) return Break(s, peer, lane);
  s.backoff.Reset();
  s.sent.bytes->Add(batch.ByteSizeLong());
  s.sent.messages->Add(batch.messages_size());
  return absl::OkStatus();
}

absl::Status GrpcBatchSender::Open(LaneStream& s, uint64_t peer, std::string_view lane) {
  const Clock::time_point now = Clock::now();
  if (now < s.retry_at) {
    const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(s.retry_at - now);
    return absl::UnavailableError("stream to " + Where(peer, lane) +
                                  " is backing off after a failure; next attempt in " +
                                  std::to_string(wait.count()) + " ms");
  }
  if (s.opened_before) metrics_.reconnects->Inc();
  s.opened_before = true;
  s.ctx = std::make_unique<grpc::ClientContext>();
  // Metadata goes out with the first batch, so opening never waits on the peer.
  s.ctx->set_initial_metadata_corked(true);
  if (!watchdog_.Register(s.ctx.get())) {
    s.ctx.reset();
    return absl::UnavailableError("transport is shut down");
  }
  s.summary.Clear();
  ArmedCall armed(watchdog_, s.ctx.get(), options_.write_timeout);
  s.writer = s.peer->stub->Send(s.ctx.get(), &s.summary);
  return absl::OkStatus();
}

absl::Status GrpcBatchSender::Break(LaneStream& s, uint64_t peer, std::string_view lane) {
  const grpc::Status status = Close(s);
  s.retry_at = Clock::now() + s.backoff.Next();
  return absl::UnavailableError("stream to " + Where(peer, lane) + " at " + s.peer->address +
                                " broke: " + status.error_message());
}

grpc::Status GrpcBatchSender::Close(LaneStream& s) {
  if (s.writer == nullptr) return grpc::Status::OK;
  grpc::Status status;
  {
    ArmedCall armed(watchdog_, s.ctx.get(), options_.write_timeout);
    s.writer->WritesDone();
    status = s.writer->Finish();
  }
  watchdog_.Unregister(s.ctx.get());
  s.writer.reset();
  s.ctx.reset();
  return status;
}

absl::Status GrpcBatchSender::SendSnapshot(const Peer& p, uint64_t peer, const OutboundMessage& m) {
  const SnapshotChunker chunker(m.group_id, options_.self_id, peer, m.message,
                                options_.snapshot_chunk_bytes);
  grpc::ClientContext ctx;
  Registration registration(watchdog_, &ctx);
  if (!registration.ok()) return absl::UnavailableError("transport is shut down");
  auto failed = [&](std::string why) {
    metrics_.snapshots_sent_failed->Inc();
    return absl::UnavailableError("snapshot of group " + std::to_string(m.group_id) + " to node " +
                                  std::to_string(peer) + ": " + why);
  };

  SnapshotResponse response;
  std::unique_ptr<grpc::ClientWriter<SnapshotChunk>> writer;
  {
    ArmedCall armed(watchdog_, &ctx, options_.write_timeout);
    writer = p.stub->SendSnapshot(&ctx, &response);
  }
  bool ok = true;
  const std::size_t fault_at = chunker.count() / 2;
  for (std::size_t i = 0; ok && i < chunker.count(); ++i) {
    if (i == fault_at && faults::ShouldFail(faults::kSnapshotSend)) {
      ctx.TryCancel();
      writer->Finish();
      return failed(std::string("fault point ") + faults::kSnapshotSend.name +
                    " cut the stream after " + std::to_string(i) + " of " +
                    std::to_string(chunker.count()) + " chunks");
    }
    const SnapshotChunk chunk = chunker.Chunk(i);
    ArmedCall armed(watchdog_, &ctx, options_.write_timeout);
    ok = writer->Write(chunk);
    if (ok) metrics_.snapshot_sent_bytes->Add(chunk.data().size());
  }
  grpc::Status status;
  {
    ArmedCall armed(watchdog_, &ctx, options_.write_timeout);
    if (ok) writer->WritesDone();
    status = writer->Finish();
  }
  if (!status.ok()) return failed("stream failed: " + status.error_message());
  if (!response.accepted()) return failed("refused by the receiver: " + response.error());
  metrics_.snapshots_sent_accepted->Inc();
  return absl::OkStatus();
}

}  // namespace raftlab::transport
