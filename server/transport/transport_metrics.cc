#include "server/transport/transport_metrics.h"

namespace raftlab::transport {

TransportMetrics::TransportMetrics(metrics::Registry& registry) {
  auto& sent_bytes = registry.AddCounter(
      "raftlab_transport_sent_bytes_total",
      "Bytes of encoded raft message batches written to peer streams.", {"lane"});
  auto& sent_messages = registry.AddCounter("raftlab_transport_sent_messages_total",
                                            "Raft messages written to peer streams.", {"lane"});
  auto& received_bytes = registry.AddCounter(
      "raftlab_transport_received_bytes_total",
      "Bytes of encoded raft message batches read from peer streams.", {"lane"});
  auto& received_messages =
      registry.AddCounter("raftlab_transport_received_messages_total",
                          "Raft messages received from peers and handed to their group.", {"lane"});
  for (std::size_t i = 0; i < kLaneLabels.size(); ++i) {
    sent_[i] = {sent_bytes.WithLabels({kLaneLabels[i]}),
                sent_messages.WithLabels({kLaneLabels[i]})};
    received_[i] = {received_bytes.WithLabels({kLaneLabels[i]}),
                    received_messages.WithLabels({kLaneLabels[i]})};
  }
  reconnects = registry
                   .AddCounter("raftlab_transport_reconnects_total",
                               "Peer streams reopened after a previous stream broke.")
                   .Get();
  auto& partition = registry.AddCounter(
      "raftlab_transport_partition_drops_total",
      "Raft messages dropped because the peer is partitioned off (Admin SetPartition).",
      {"direction"});
  partition_drops_send = partition.WithLabels({"send"});
  partition_drops_receive = partition.WithLabels({"receive"});
  fault_drops = registry
                    .AddCounter("raftlab_transport_fault_drops_total",
                                "Raft messages dropped by the raftlab/transport/send fault point or an Admin link fault.")
                    .Get();
  auto& receive_drops = registry.AddCounter(
      "raftlab_transport_receive_drops_total",
      "Raft messages refused on arrival: addressed to another node, or malformed.", {"reason"});
  receive_drops_wrong_node = receive_drops.WithLabels({"wrong_node"});
  receive_drops_invalid = receive_drops.WithLabels({"invalid"});
  snapshot_sent_bytes = registry
                            .AddCounter("raftlab_transport_snapshot_sent_bytes_total",
                                        "Snapshot image bytes streamed to peers.")
                            .Get();
  snapshot_received_bytes = registry
                                .AddCounter("raftlab_transport_snapshot_received_bytes_total",
                                            "Snapshot image bytes streamed in from peers.")
                                .Get();
  auto& sent = registry.AddCounter("raftlab_transport_snapshots_sent_total",
                                   "Snapshot streams to peers by outcome.", {"outcome"});
  snapshots_sent_accepted = sent.WithLabels({"accepted"});
  snapshots_sent_failed = sent.WithLabels({"failed"});
  auto& received = registry.AddCounter("raftlab_transport_snapshots_received_total",
                                       "Snapshot streams from peers by outcome.", {"outcome"});
  snapshots_received_accepted = received.WithLabels({"accepted"});
  snapshots_received_refused = received.WithLabels({"refused"});
  snapshots_received_aborted = received.WithLabels({"aborted"});
}

std::size_t TransportMetrics::LaneIndex(std::string_view lane) {
  for (std::size_t i = 0; i + 1 < kLaneLabels.size(); ++i) {
    if (kLaneLabels[i] == lane) return i;
  }
  return kLaneLabels.size() - 1;
}

}  // namespace raftlab::transport
