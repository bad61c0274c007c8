#include "server/transport/dispatcher.h"

#include <mutex>
#include <string>
#include <utility>

#include "faults/bugs.h"

namespace raftlab::transport {

PeerDispatcher::PeerDispatcher(uint64_t peer, const DispatcherOptions& options,
                               BatchSender& sender, const DropCallback& on_send_failure,
                               std::span<metrics::Counter* const> drops,
                               metrics::Counter* errors) {
  const auto specs = LanesOf(options.layout);
  for (std::size_t i = 0; i < specs.size(); ++i) {
    DispatchLane::Options o{peer, specs[i].name, specs[i].capacity, options.max_batch};
    lanes_.push_back(std::make_unique<DispatchLane>(o, sender, on_send_failure, drops[i], errors));
  }
}

bool PeerDispatcher::TryEnqueue(std::size_t lane, uint64_t group_id, raftpb::Message& message) {
  return lanes_[lane]->TryEnqueue(group_id, message);
}

void PeerDispatcher::Stop() {
  for (auto& lane : lanes_) lane->Stop();
}

Dispatcher::Dispatcher(DispatcherOptions options, BatchSender& sender, DropCallback on_drop,
                       metrics::Registry& registry)
    : options_(options), sender_(sender), on_drop_(std::move(on_drop)) {
  auto& drops = registry.AddCounter(
      "raftlab_raft_dispatch_drop_total",
      "Raft messages the dispatcher dropped before sending: lane full or unknown peer.",
      {"lane"});
  for (const LaneSpec& spec : LanesOf(options_.layout)) {
    drops_.push_back(drops.WithLabels({spec.name}));
  }
  errors_ = registry
                .AddCounter("raftlab_raft_dispatch_errors_total",
                            "Batches of Raft messages whose send failed; each message in them "
                            "is reported unreachable.")
                .Get();
}

Dispatcher::~Dispatcher() { Shutdown(); }

absl::Status Dispatcher::AddPeer(uint64_t peer) {
  std::unique_lock lock(mu_);
  if (stopped_) {
    return absl::FailedPreconditionError("dispatcher is shut down; cannot add peer " +
                                         std::to_string(peer));
  }
  if (peers_.contains(peer)) {
    return absl::AlreadyExistsError("dispatcher already has lanes to peer " +
                                    std::to_string(peer));
  }
  peers_.emplace(peer, std::make_unique<PeerDispatcher>(peer, options_, sender_, on_drop_,
                                                        drops_, errors_));
  return absl::OkStatus();
}

void Dispatcher::RemovePeer(uint64_t peer) {
  std::unique_ptr<PeerDispatcher> removed;
  {
    std::unique_lock lock(mu_);
    auto it = peers_.find(peer);
    if (it == peers_.end()) return;
    removed = std::move(it->second);
    peers_.erase(it);
  }
  // Joined outside the lock so Enqueue to other peers continues meanwhile.
  removed->Stop();
}

EnqueueResult Dispatcher::Enqueue(uint64_t group_id, raftpb::Message message) {
  const std::optional<std::size_t> lane = LaneFor(options_.layout, message.type());
  if (!lane.has_value()) return EnqueueResult::kLocalMessage;
  DropReason reason;
  {
    std::shared_lock lock(mu_);
    if (stopped_) return EnqueueResult::kStopped;
    auto it = peers_.find(message.to());
    if (it == peers_.end()) {
      drops_[*lane]->Inc();
      reason = DropReason::kUnknownPeer;
    } else if (it->second->TryEnqueue(*lane, group_id, message)) {
      return EnqueueResult::kQueued;
    } else {
      reason = DropReason::kLaneFull;
    }
  }
  // Outside the lock, so the callback may enqueue again.
  if (!faults::BugOn(faults::Bug::kDroppedLaneNotReported)) on_drop_(group_id, message, reason);
  return EnqueueResult::kDropped;
}

void Dispatcher::Shutdown() {
  std::map<uint64_t, std::unique_ptr<PeerDispatcher>> peers;
  {
    std::unique_lock lock(mu_);
    stopped_ = true;
    peers.swap(peers_);
  }
  for (auto& [id, peer] : peers) peer->Stop();
}

std::size_t Dispatcher::queued(uint64_t peer, std::size_t lane) const {
  std::shared_lock lock(mu_);
  auto it = peers_.find(peer);
  return it == peers_.end() ? 0 : it->second->queued(lane);
}

}  // namespace raftlab::transport
