#pragma once
// SnapshotReportingSender: a BatchSender that forwards to another and, for every MsgSnap of a
// batch the inner sender reported sent, tells the owning group that its snapshot reached the
// peer. The dispatcher reports only failures (its on_drop); Raft needs the success too, to
// leave the snapshot state promptly instead of waiting for the follower's next response.
//
// Threads: Send is called by the dispatcher's lane workers; on_sent runs on them and must not
// block (GroupEngine::ReportSnapshot only posts to the group's mailbox).

#include <cstdint>
#include <functional>
#include <span>
#include <string_view>

#include "server/transport/batch_sender.h"

namespace raftlab::node {

class SnapshotReportingSender final : public transport::BatchSender {
 public:
  using SnapshotSent = std::function<void(uint64_t group_id, uint64_t peer)>;

  // inner must outlive this object.
  SnapshotReportingSender(transport::BatchSender& inner, SnapshotSent on_sent)
      : inner_(inner), on_sent_(std::move(on_sent)) {}

  absl::Status Send(uint64_t peer, std::string_view lane,
                    std::span<const transport::OutboundMessage> batch) override;

 private:
  transport::BatchSender& inner_;
  const SnapshotSent on_sent_;
};

}  // namespace raftlab::node
