#include "server/transport/dispatcher.h"

#include <algorithm>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "faults/bugs.h"

namespace raftlab::transport {
namespace {

// The wake-ups this thread holds back for one dispatcher (a process may run several nodes).
struct HeldWakes {
  const Dispatcher* dispatcher;
  int depth;
  std::vector<std::pair<uint64_t, std::size_t>> owed;  // (peer, lane), each once

  void Owe(uint64_t peer, std::size_t lane) {
    const std::pair<uint64_t, std::size_t> wake{peer, lane};
    if (std::find(owed.begin(), owed.end(), wake) == owed.end()) owed.push_back(wake);
  }
};

thread_local std::vector<HeldWakes> held_wakes;

HeldWakes* HeldBy(const Dispatcher* dispatcher) {
  for (HeldWakes& h : held_wakes) {
    if (h.dispatcher == dispatcher) return &h;
  }
  return nullptr;
}

}  // namespace

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

bool PeerDispatcher::TryEnqueue(std::size_t lane, uint64_t group_id, raftpb::Message& message, bool hold_wake) {
  return lanes_[lane]->TryEnqueue(group_id, message, hold_wake);
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
    const uint64_t peer = message.to();
    auto it = peers_.find(peer);
    if (it == peers_.end()) {
      drops_[*lane]->Inc();
      reason = DropReason::kUnknownPeer;
    } else if (HeldWakes* held = HeldBy(this); it->second->TryEnqueue(*lane, group_id, message, held != nullptr)) {
      if (held != nullptr) held->Owe(peer, *lane);  // message was moved from
      return EnqueueResult::kQueued;
    } else {
      reason = DropReason::kLaneFull;
    }
  }
  // Outside the lock, so the callback may enqueue again.
  if (!faults::BugOn(faults::Bug::kDroppedLaneNotReported)) on_drop_(group_id, message, reason);
  return EnqueueResult::kDropped;
}

void Dispatcher::HoldWakes() {
  if (HeldWakes* held = HeldBy(this)) {
    ++held->depth;
  } else {
    held_wakes.push_back({this, 1, {}});
  }
}

void Dispatcher::ReleaseWakes() {
  auto it = std::find_if(held_wakes.begin(), held_wakes.end(), [this](const HeldWakes& h) { return h.dispatcher == this; });
  if (it == held_wakes.end() || --it->depth > 0) return;
  const std::vector<std::pair<uint64_t, std::size_t>> owed = std::move(it->owed);
  held_wakes.erase(it);
  std::shared_lock lock(mu_);
  for (const auto& [peer, lane] : owed) {
    // A peer removed meanwhile took its lanes and their messages with it.
    if (auto p = peers_.find(peer); p != peers_.end()) p->second->Wake(lane);
  }
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

bool Dispatcher::worker_sleeping(uint64_t peer, std::size_t lane) const {
  std::shared_lock lock(mu_);
  auto it = peers_.find(peer);
  return it != peers_.end() && it->second->worker_sleeping(lane);
}

}  // namespace raftlab::transport
