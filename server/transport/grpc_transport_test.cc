// The gRPC transport end to end, with in-process nodes on loopback: order within a lane,
// chunked snapshots and their refusal when corrupt, partitions from either side, the
// send and snapshot fault points, reconnecting to a restarted peer, and shutdown that does
// not hang on a peer that never reads.

#include <arpa/inet.h>
#include <grpcpp/create_channel.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <future>
#include <random>
#include <thread>

#include "faults/control.h"
#include "faults/points.h"
#include "server/transport/snapshot_stream.h"
#include "server/transport/transport_test_util.h"

namespace raftlab::transport {
namespace {

using namespace raftlab::transport::testing;  // NOLINT: test helpers
using raftpb::MsgApp;
using raftpb::MsgHeartbeat;
using raftpb::MsgSnap;

std::string RandomBytes(std::size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng());
  return s;
}

// Disables a fault point when the test ends, however it ends.
class FaultGuard {
 public:
  explicit FaultGuard(const faults::FaultPoint& p, faults::EnableOptions options = {})
      : name_(p.name) {
    enabled_ = faults::EnableWith(name_, options).ok();
  }
  ~FaultGuard() { Disable(); }
  void Disable() {
    if (enabled_) (void)faults::Disable(name_);
    enabled_ = false;
  }
  bool enabled() const { return enabled_; }

 private:
  std::string name_;
  bool enabled_ = false;
};

TEST(GrpcTransport, MessagesArriveInOrderPerLaneWithFourLanes) {
  auto nodes = StartCluster(3, {.layout = LaneLayout::kFourLanes});
  ASSERT_EQ(nodes.size(), 3u);
  constexpr uint64_t kEach = 300;
  for (uint64_t i = 1; i <= kEach; ++i) {
    for (uint64_t to : {2, 3}) {
      ASSERT_EQ(nodes[0]->SendTo(to, MsgApp, i, "entry"), EnqueueResult::kQueued);
      ASSERT_EQ(nodes[0]->SendTo(to, MsgHeartbeat, i), EnqueueResult::kQueued);
    }
  }
  for (int n : {1, 2}) {
    ASSERT_TRUE(
        nodes[n]->handler.WaitUntil([&](const auto& got) { return got.size() >= 2 * kEach; }));
    std::map<raftpb::MessageType, uint64_t> last;
    for (const auto& r : nodes[n]->handler.received()) {
      EXPECT_EQ(r.group_id, kGroup);
      EXPECT_EQ(r.message.from(), 1u);
      EXPECT_TRUE(r.in_batch) << "delivered outside its batch's BeginBatch/EndBatch";
      EXPECT_EQ(r.message.index(), last[r.message.type()] + 1)
          << raftpb::MessageType_Name(r.message.type()) << " out of order at node " << n + 1;
      last[r.message.type()] = r.message.index();
    }
    EXPECT_EQ(last[MsgApp], kEach);
    EXPECT_EQ(last[MsgHeartbeat], kEach);
    EXPECT_EQ(nodes[n]->metrics.Received("replication").messages->Value(), kEach);
    EXPECT_EQ(nodes[n]->metrics.Received("heartbeat").messages->Value(), kEach);
  }
  // The sender counts a batch once its write returned, which may be after it arrived.
  EXPECT_TRUE(Eventually(
      [&] { return nodes[0]->metrics.Sent("replication").messages->Value() == 2 * kEach; }));
  EXPECT_GT(nodes[0]->metrics.Sent("heartbeat").bytes->Value(), 0u);
  EXPECT_TRUE(nodes[0]->drops.drops().empty());
  EXPECT_NE(nodes[0]->registry.TextExposition().find(
                "raftlab_transport_sent_messages_total{lane=\"replication\"} 600"),
            std::string::npos);
}

TEST(GrpcTransport, AFiveMebibyteSnapshotArrivesWholeThroughChunks) {
  auto nodes = StartCluster(2);
  ASSERT_EQ(nodes.size(), 2u);
  const std::string image = RandomBytes(5 << 20, 42);
  ASSERT_EQ(nodes[0]->SendTo(2, MsgSnap, 9, image), EnqueueResult::kQueued);
  ASSERT_EQ(nodes[0]->SendTo(2, MsgApp, 10), EnqueueResult::kQueued);
  ASSERT_TRUE(nodes[1]->handler.WaitUntil([](const auto& got) { return got.size() >= 2; }))
      << "received " << nodes[1]->handler.received().size()
      << " of 2 messages; snapshot bytes sent " << nodes[0]->metrics.snapshot_sent_bytes->Value()
      << ", received " << nodes[1]->metrics.snapshot_received_bytes->Value()
      << "; snapshots failed " << nodes[0]->metrics.snapshots_sent_failed->Value() << ", aborted "
      << nodes[1]->metrics.snapshots_received_aborted->Value() << "; reconnects "
      << nodes[0]->metrics.reconnects->Value() << "; drops " << nodes[0]->drops.drops().size();
  const auto got = nodes[1]->handler.received();
  ASSERT_EQ(got[0].message.type(), MsgSnap);
  EXPECT_EQ(got[0].group_id, kGroup);
  EXPECT_EQ(got[0].message.snapshot().metadata().index(), 9u);
  EXPECT_TRUE(got[0].message.snapshot().data() == image) << "image differs after reassembly";
  EXPECT_EQ(got[1].message.type(), MsgApp);  // later messages of the lane follow it
  EXPECT_EQ(nodes[0]->metrics.snapshot_sent_bytes->Value(), 5u << 20);
  EXPECT_EQ(nodes[1]->metrics.snapshot_received_bytes->Value(), 5u << 20);
  EXPECT_EQ(nodes[0]->metrics.snapshots_sent_accepted->Value(), 1u);
  EXPECT_EQ(nodes[1]->metrics.snapshots_received_accepted->Value(), 1u);
}

// Streams chunks straight to a node, as a faulty or hostile peer would.
SnapshotResponse StreamChunks(const std::string& address, std::vector<SnapshotChunk> chunks,
                              grpc::Status* status) {
  auto stub =
      RaftTransport::NewStub(grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + kPatience);
  SnapshotResponse response;
  auto writer = stub->SendSnapshot(&ctx, &response);
  for (const SnapshotChunk& c : chunks) {
    if (!writer->Write(c)) break;
  }
  writer->WritesDone();
  *status = writer->Finish();
  return response;
}

std::vector<SnapshotChunk> ChunksOf(const raftpb::Message& m, uint64_t from, uint64_t to) {
  SnapshotChunker chunker(kGroup, from, to, m, 1 << 20);
  std::vector<SnapshotChunk> out;
  for (std::size_t i = 0; i < chunker.count(); ++i) out.push_back(chunker.Chunk(i));
  return out;
}

TEST(GrpcTransport, ACorruptedSnapshotIsRefusedAndNeverDelivered) {
  auto nodes = StartCluster(2);
  ASSERT_EQ(nodes.size(), 2u);
  const raftpb::Message m = MakeMessage(MsgSnap, 1, 2, 9, RandomBytes(3 << 20, 7));
  auto chunks = ChunksOf(m, 1, 2);
  (*chunks[1].mutable_data())[100] ^= 0x20;
  grpc::Status status;
  const SnapshotResponse r = StreamChunks(nodes[1]->address(), std::move(chunks), &status);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_FALSE(r.accepted());
  EXPECT_NE(r.error().find("CRC32C"), std::string::npos) << r.error();
  EXPECT_EQ(nodes[1]->metrics.snapshots_received_refused->Value(), 1u);
  EXPECT_TRUE(nodes[1]->handler.received().empty());
}

TEST(GrpcTransport, ASnapshotAboveTheConfiguredMaximumIsRefused) {
  auto nodes = StartCluster(2, {.max_snapshot_bytes = 1 << 20});
  ASSERT_EQ(nodes.size(), 2u);
  ASSERT_EQ(nodes[0]->SendTo(2, MsgSnap, 9, RandomBytes(2 << 20, 3)), EnqueueResult::kQueued);
  ASSERT_TRUE(nodes[0]->drops.WaitUntil([](const auto& d) { return !d.empty(); }));
  EXPECT_EQ(nodes[0]->drops.drops()[0].type, MsgSnap);
  EXPECT_EQ(nodes[0]->drops.drops()[0].reason, DropReason::kSendFailed);
  EXPECT_EQ(nodes[0]->metrics.snapshots_sent_failed->Value(), 1u);
  EXPECT_EQ(nodes[1]->metrics.snapshots_received_refused->Value(), 1u);
  EXPECT_TRUE(nodes[1]->handler.received().empty());
}

TEST(GrpcTransport, ABatchForAnotherNodeIsRefusedWithAnErrorNamingBothIds) {
  auto nodes = StartCluster(2);
  ASSERT_EQ(nodes.size(), 2u);
  auto stub = RaftTransport::NewStub(
      grpc::CreateChannel(nodes[1]->address(), grpc::InsecureChannelCredentials()));
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + kPatience);
  SendSummary summary;
  auto writer = stub->Send(&ctx, &summary);
  MessageBatch batch;
  batch.set_from_node(1);
  batch.set_to_node(3);
  batch.set_lane("normal");
  GroupMessage* gm = batch.add_messages();
  gm->set_group_id(kGroup);
  *gm->mutable_message() = MakeMessage(MsgApp, 1, 3, 1);
  writer->Write(batch);
  writer->WritesDone();
  const grpc::Status status = writer->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_NE(status.error_message().find("for node 3 but reached node 2"), std::string::npos)
      << status.error_message();
  EXPECT_EQ(nodes[1]->metrics.receive_drops_wrong_node->Value(), 1u);
  EXPECT_TRUE(nodes[1]->handler.received().empty());
}

// `cut` isolates `other` on its own side only; traffic must stop both ways, the third node
// must be unaffected, and Heal must restore the link.
void CheckPartition(std::vector<std::unique_ptr<TestNode>>& nodes, TestNode& cut, TestNode& other,
                    uint64_t first_index) {
  TestNode& bystander = *nodes[2];
  const uint64_t blocked = first_index;
  const uint64_t healed = first_index + 1;
  const uint64_t send_drops_before = cut.metrics.partition_drops_send->Value();
  const uint64_t receive_drops_before = cut.metrics.partition_drops_receive->Value();
  const std::size_t other_drops_before = other.drops.drops().size();
  cut.partition.Set({other.id});

  ASSERT_EQ(cut.SendTo(other.id, MsgApp, blocked), EnqueueResult::kQueued);
  ASSERT_EQ(other.SendTo(cut.id, MsgApp, blocked), EnqueueResult::kQueued);
  ASSERT_EQ(cut.SendTo(bystander.id, MsgApp, blocked), EnqueueResult::kQueued);
  ASSERT_TRUE(Eventually([&] { return bystander.handler.Has(cut.id, MsgApp, blocked); }));
  // The side holding the filter drops both directions: outbound before sending (reported
  // to its dispatcher), inbound on arrival (counted).
  ASSERT_TRUE(cut.drops.WaitUntil([&](const auto& d) {
    for (const auto& drop : d) {
      if (drop.to == other.id && drop.index == blocked) return true;
    }
    return false;
  }));
  ASSERT_TRUE(Eventually(
      [&] { return cut.metrics.partition_drops_receive->Value() > receive_drops_before; }));
  EXPECT_GT(cut.metrics.partition_drops_send->Value(), send_drops_before);
  EXPECT_EQ(other.drops.drops().size(), other_drops_before) << "the other side sent without error";

  cut.partition.Heal();
  // Each lane keeps order, so once the healed message arrives the blocked one would have.
  // A retry may be dropped while a stream backs off; Raft would resend too.
  auto arrives = [](TestNode& sender, TestNode& receiver, uint64_t index) {
    return RetryUntil([&] { (void)sender.SendTo(receiver.id, MsgApp, index); },
                      [&] { return receiver.handler.Has(sender.id, MsgApp, index); });
  };
  ASSERT_TRUE(arrives(cut, other, healed));
  ASSERT_TRUE(arrives(other, cut, healed));
  EXPECT_FALSE(other.handler.Has(cut.id, MsgApp, blocked));
  EXPECT_FALSE(cut.handler.Has(other.id, MsgApp, blocked));
}

TEST(GrpcTransport, APartitionOnEitherSideDropsTrafficBothWaysAndHealRestoresIt) {
  auto nodes = StartCluster(3);
  ASSERT_EQ(nodes.size(), 3u);
  SCOPED_TRACE("filter on node 1");
  CheckPartition(nodes, *nodes[0], *nodes[1], 1);
  SCOPED_TRACE("filter on node 2");
  CheckPartition(nodes, *nodes[1], *nodes[0], 10);
}

TEST(GrpcTransport, TheSendFaultPointDropsBatchesAndCountsThem) {
  if (!faults::FaultsCompiledIn()) GTEST_SKIP() << "fault points compiled out";
  auto nodes = StartCluster(2);
  ASSERT_EQ(nodes.size(), 2u);
  FaultGuard fault(faults::kTransportSend);
  ASSERT_TRUE(fault.enabled());
  ASSERT_EQ(nodes[0]->SendTo(2, MsgApp, 1), EnqueueResult::kQueued);
  ASSERT_TRUE(nodes[0]->drops.WaitUntil([](const auto& d) { return !d.empty(); }));
  EXPECT_EQ(nodes[0]->drops.drops()[0].reason, DropReason::kSendFailed);
  EXPECT_EQ(nodes[0]->metrics.fault_drops->Value(), 1u);
  fault.Disable();
  ASSERT_EQ(nodes[0]->SendTo(2, MsgApp, 2), EnqueueResult::kQueued);
  ASSERT_TRUE(nodes[1]->handler.WaitUntil([](const auto& got) { return !got.empty(); }));
  EXPECT_EQ(nodes[1]->handler.received()[0].message.index(), 2u);
}

TEST(GrpcTransport, TheDelayFaultPointHoldsBatchesBackAndShutdownCutsTheDelayShort) {
  if (!faults::FaultsCompiledIn()) GTEST_SKIP() << "fault points compiled out";
  auto nodes = StartCluster(2);
  ASSERT_EQ(nodes.size(), 2u);
  {
    FaultGuard fault(faults::kTransportDelay, {.failinfo = 1});
    ASSERT_TRUE(fault.enabled());
    ASSERT_EQ(nodes[0]->SendTo(2, MsgApp, 1), EnqueueResult::kQueued);
    ASSERT_TRUE(nodes[1]->handler.WaitUntil([](const auto& got) { return !got.empty(); }));
  }
  // A delay far beyond the test's patience: only shutdown can end it.
  FaultGuard fault(faults::kTransportDelay, {.failinfo = 3'600'000});
  ASSERT_TRUE(fault.enabled());
  ASSERT_EQ(nodes[0]->SendTo(2, MsgApp, 2), EnqueueResult::kQueued);
  ASSERT_TRUE(Eventually([&] { return nodes[0]->dispatcher->queued(2, 1) == 0; }));
  auto stopped = std::async(std::launch::async, [&] { nodes[0]->Stop(); });
  ASSERT_EQ(stopped.wait_for(kPatience), std::future_status::ready) << "shutdown hung";
  EXPECT_TRUE(nodes[0]->drops.Has(2, 2));
  EXPECT_FALSE(nodes[1]->handler.Has(1, MsgApp, 2));
}

TEST(GrpcTransport, TheSnapshotFaultPointsFailTheStreamOrTheInstall) {
  if (!faults::FaultsCompiledIn()) GTEST_SKIP() << "fault points compiled out";
  auto nodes = StartCluster(2);
  ASSERT_EQ(nodes.size(), 2u);
  {
    FaultGuard fault(faults::kSnapshotSend);
    ASSERT_TRUE(fault.enabled());
    ASSERT_EQ(nodes[0]->SendTo(2, MsgSnap, 1, RandomBytes(3 << 20, 1)), EnqueueResult::kQueued);
    ASSERT_TRUE(nodes[0]->drops.WaitUntil([](const auto& d) { return d.size() >= 1; }));
    EXPECT_EQ(nodes[0]->metrics.snapshots_sent_failed->Value(), 1u);
  }
  {
    FaultGuard fault(faults::kSnapshotApply);
    ASSERT_TRUE(fault.enabled());
    ASSERT_EQ(nodes[0]->SendTo(2, MsgSnap, 2, RandomBytes(1000, 2)), EnqueueResult::kQueued);
    ASSERT_TRUE(nodes[0]->drops.WaitUntil([](const auto& d) { return d.size() >= 2; }));
    EXPECT_EQ(nodes[1]->metrics.snapshots_received_refused->Value(), 1u);
  }
  EXPECT_TRUE(nodes[1]->handler.received().empty());
  ASSERT_EQ(nodes[0]->SendTo(2, MsgSnap, 3, RandomBytes(1000, 3)), EnqueueResult::kQueued);
  ASSERT_TRUE(nodes[1]->handler.WaitUntil([](const auto& got) { return !got.empty(); }));
  EXPECT_EQ(nodes[1]->handler.received()[0].message.index(), 3u);
}

TEST(GrpcTransport, AStoppedPeerFailsSendsAndTheSenderReconnectsWhenItReturns) {
  auto nodes = StartCluster(2);
  ASSERT_EQ(nodes.size(), 2u);
  TestNode& a = *nodes[0];
  TestNode& b = *nodes[1];
  ASSERT_EQ(a.SendTo(2, MsgApp, 1), EnqueueResult::kQueued);
  ASSERT_TRUE(b.handler.WaitUntil([](const auto& got) { return !got.empty(); }));

  const int port = b.port();
  b.StopServer();
  // The first write after the peer vanished may still be buffered; keep sending until one
  // fails, as Raft's heartbeats would.
  uint64_t index = 1;
  ASSERT_TRUE(RetryUntil([&] { (void)a.SendTo(2, MsgApp, ++index); },
                         [&] { return !a.drops.drops().empty(); }));
  EXPECT_EQ(a.drops.drops()[0].reason, DropReason::kSendFailed);

  ASSERT_TRUE(b.StartServer(port));
  const uint64_t after_restart = index + 1000;
  uint64_t next = after_restart;
  ASSERT_TRUE(RetryUntil([&] { (void)a.SendTo(2, MsgApp, next++); },
                         [&] { return b.handler.Has(1, MsgApp, next - 1); }));
  EXPECT_GE(a.metrics.reconnects->Value(), 1u);
}

TEST(GrpcTransport, SetPeerAddressMovesTheLaneStreamsToTheNewAddress) {
  TestNode a(1);
  TestNode b(2);
  ASSERT_TRUE(a.StartServer());
  ASSERT_TRUE(b.StartServer());
  // Node 2 is first listed at node 1's own address, which refuses batches for node 2.
  a.StartSender({{1, a.address()}, {2, a.address()}});
  ASSERT_EQ(a.SendTo(2, MsgApp, 1), EnqueueResult::kQueued);
  ASSERT_TRUE(RetryUntil([&] { (void)a.SendTo(2, MsgApp, 2); },
                         [&] { return a.metrics.receive_drops_wrong_node->Value() > 0; }));
  a.sender->SetPeerAddress(2, b.address());
  uint64_t index = 100;
  ASSERT_TRUE(RetryUntil([&] { (void)a.SendTo(2, MsgApp, ++index); },
                         [&] { return b.handler.Has(1, MsgApp, index); }));
  EXPECT_TRUE(a.handler.received().empty());
}

// A listener that never accepts: the kernel completes the TCP handshake, nothing reads.
class SilentPeer {
 public:
  SilentPeer() : fd_(socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    if (fd_ < 0 || bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
        listen(fd_, 16) != 0 || getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      return;
    }
    address_ = "127.0.0.1:" + std::to_string(ntohs(addr.sin_port));
  }
  ~SilentPeer() {
    if (fd_ >= 0) close(fd_);
  }
  SilentPeer(const SilentPeer&) = delete;
  SilentPeer& operator=(const SilentPeer&) = delete;
  // Empty when the socket could not be set up.
  const std::string& address() const { return address_; }

 private:
  int fd_;
  std::string address_;
};

TEST(GrpcTransport, ShutdownReturnsPromptlyWhileASendIsBlockedOnAPeerThatNeverReads) {
  SilentPeer silent;
  ASSERT_FALSE(silent.address().empty());
  // Only shutdown can end the send: the write timeout is far beyond the test's patience.
  TestNode a(1, {.write_timeout = std::chrono::hours(1)});
  ASSERT_TRUE(a.StartServer());
  a.StartSender({{1, a.address()}, {2, silent.address()}});
  ASSERT_EQ(a.SendTo(2, MsgApp, 1, RandomBytes(8 << 20, 5)), EnqueueResult::kQueued);
  ASSERT_TRUE(Eventually([&] { return a.dispatcher->queued(2, 1) == 0; }));
  EXPECT_TRUE(a.drops.drops().empty()) << "the send should still be in flight";

  auto stopped = std::async(std::launch::async, [&] { a.Stop(); });
  ASSERT_EQ(stopped.wait_for(kPatience), std::future_status::ready) << "shutdown hung";
  EXPECT_TRUE(a.drops.Has(2, 1));
}

TEST(GrpcTransport, AWriteToAPeerThatNeverReadsIsCancelledAtTheWriteTimeout) {
  SilentPeer silent;
  ASSERT_FALSE(silent.address().empty());
  TestNode a(1, {.write_timeout = std::chrono::milliseconds(400)});
  TestNode b(3);
  ASSERT_TRUE(a.StartServer());
  ASSERT_TRUE(b.StartServer());
  a.StartSender({{1, a.address()}, {2, silent.address()}, {3, b.address()}});
  // Writes to a live peer arm the watchdog first, so the stuck write's later deadline is
  // one the watchdog must find on its own scheduled look, not through a wake-up.
  for (uint64_t i = 1; i <= 20; ++i) ASSERT_EQ(a.SendTo(3, MsgApp, i, "entry"), EnqueueResult::kQueued);
  ASSERT_TRUE(b.handler.WaitUntil([](const auto& got) { return got.size() >= 20; }));
  ASSERT_EQ(a.SendTo(2, MsgApp, 1, RandomBytes(8 << 20, 5)), EnqueueResult::kQueued);
  EXPECT_TRUE(Eventually([&] { return a.drops.Has(2, 1); })) << "the stuck write was never cancelled";
}

}  // namespace
}  // namespace raftlab::transport
