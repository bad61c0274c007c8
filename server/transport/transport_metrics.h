#pragma once
// The transport's metrics, registered once per process and shared by the sender and the
// service (registering again with the same registry returns the same families).
//
//   raftlab_transport_sent_bytes_total{lane}          encoded MessageBatch bytes written
//   raftlab_transport_sent_messages_total{lane}       messages in those batches
//   raftlab_transport_received_bytes_total{lane}      encoded MessageBatch bytes read
//   raftlab_transport_received_messages_total{lane}   messages handed to the InboundHandler
//   raftlab_transport_reconnects_total                streams reopened after one broke
//   raftlab_transport_partition_drops_total{direction="send|receive"}
//                                                     messages dropped by the PartitionFilter
//   raftlab_transport_fault_drops_total               messages dropped by raftlab/transport/send
//   raftlab_transport_receive_drops_total{reason}     messages refused at the receiver for
//                                                     another reason (wrong_node, invalid)
//   raftlab_transport_snapshot_sent_bytes_total       snapshot image bytes streamed out
//   raftlab_transport_snapshot_received_bytes_total   snapshot image bytes streamed in
//   raftlab_transport_snapshots_sent_total{outcome="accepted|failed"}
//   raftlab_transport_snapshots_received_total{outcome="accepted|refused|aborted"}
//
// The lane label takes a dispatcher lane name (lanes.h); on the receiving side a name the
// sender made up is counted as "unknown", so a peer cannot grow the label set.
// Threads: the pointers are stable; updating them is one atomic operation.

#include <array>
#include <string_view>

#include "server/metrics/registry.h"

namespace raftlab::transport {

// Per-lane counters for one direction.
struct LaneCounters {
  metrics::Counter* bytes;
  metrics::Counter* messages;
};

class TransportMetrics {
 public:
  explicit TransportMetrics(metrics::Registry& registry);

  LaneCounters Sent(std::string_view lane) const { return sent_[LaneIndex(lane)]; }
  LaneCounters Received(std::string_view lane) const { return received_[LaneIndex(lane)]; }

  metrics::Counter* reconnects;
  metrics::Counter* partition_drops_send;
  metrics::Counter* partition_drops_receive;
  metrics::Counter* fault_drops;
  metrics::Counter* receive_drops_wrong_node;
  metrics::Counter* receive_drops_invalid;
  metrics::Counter* snapshot_sent_bytes;
  metrics::Counter* snapshot_received_bytes;
  metrics::Counter* snapshots_sent_accepted;
  metrics::Counter* snapshots_sent_failed;
  metrics::Counter* snapshots_received_accepted;
  metrics::Counter* snapshots_received_refused;
  metrics::Counter* snapshots_received_aborted;

 private:
  // Every lane name of every layout, then "unknown".
  static constexpr std::array<std::string_view, 6> kLaneLabels{"heartbeat", "normal", "replication",
                                                               "snapshot",  "other",  "unknown"};
  static std::size_t LaneIndex(std::string_view lane);

  std::array<LaneCounters, kLaneLabels.size()> sent_;
  std::array<LaneCounters, kLaneLabels.size()> received_;
};

}  // namespace raftlab::transport
