#include "server/node/snapshot_reporting_sender.h"

namespace raftlab::node {

absl::Status SnapshotReportingSender::Send(uint64_t peer, std::string_view lane,
                                           std::span<const transport::OutboundMessage> batch) {
  absl::Status s = inner_.Send(peer, lane, batch);
  if (!s.ok()) return s;
  for (const transport::OutboundMessage& m : batch) {
    if (m.message.type() == raftpb::MsgSnap) on_sent_(m.group_id, peer);
  }
  return s;
}

}  // namespace raftlab::node
