#include "server/kv/route_store.h"

#include <future>

#include "server/log/log.h"

namespace raftlab::kv {

RouteStore::RouteStore(storage::StateMachine* fsm, Coordinator* coordinator, RouteTable bootstrap)
    : fsm_(fsm), coordinator_(coordinator), bootstrap_(std::move(bootstrap)) {}

RouteStore::~RouteStore() { Stop(); }

absl::StatusOr<std::optional<RouteTable>> RouteStore::Load(const storage::StateMachine& fsm) {
  auto image = fsm.Get(kSystemGroup, kRouteTableKey);
  if (!image.ok()) return image.status();
  if (!image->has_value()) return std::optional<RouteTable>();
  auto table = RouteTable::Decode(**image);
  if (!table.ok()) return table.status();
  return std::optional<RouteTable>(std::move(*table));
}

void RouteStore::Start() {
  bootstrap_thread_ = std::thread([this] { BootstrapLoop(); });
}

void RouteStore::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (bootstrap_thread_.joinable()) bootstrap_thread_.join();
}

void RouteStore::OnApplied() {
  // Read under the lock: two callers (Ready loop, bootstrap thread) must not install an
  // older image after a newer one.
  std::lock_guard lock(mu_);
  auto image = fsm_->Get(kSystemGroup, kRouteTableKey);
  if (!image.ok() || !image->has_value()) return;
  if (**image == last_image_) return;
  auto table = RouteTable::Decode(**image);
  if (!table.ok()) {
    RAFTLAB_LOG(kError, "route_table_unreadable").Kv("group", kSystemGroup).Kv("error", table.status());
    return;
  }
  last_image_ = std::move(**image);
  coordinator_->Install(std::move(*table));
  stored_.store(true, std::memory_order_release);
}

RouteStore::CasOutcome RouteStore::Cas(std::optional<std::string> expected, std::string next,
                                       std::chrono::steady_clock::time_point deadline) {
  auto done = std::make_shared<std::promise<engine::ProposeResult>>();
  auto result = done->get_future();
  system_->Propose(storage::KvCommand::Cas(std::string(kRouteTableKey), std::move(expected), std::move(next)),
                   deadline, [done](const engine::ProposeResult& r) { done->set_value(r); });
  const engine::ProposeResult r = result.get();
  return {r.code, r.code == engine::ProposeResult::Code::kApplied && r.apply.succeeded, r.leader_hint};
}

void RouteStore::BootstrapLoop() {
  const std::string image = bootstrap_.Encode();
  while (!stored()) {
    if (system_ != nullptr && system_->is_leader()) {
      auto stored_now = Load(*fsm_);
      if (stored_now.ok() && !stored_now->has_value()) {
        Cas(std::nullopt, image, std::chrono::steady_clock::now() + std::chrono::seconds(1));
      }
    }
    OnApplied();
    std::unique_lock lock(mu_);
    if (cv_.wait_for(lock, std::chrono::milliseconds(50), [this] { return stopping_; })) return;
  }
}

absl::StatusOr<RouteTable> RouteStore::Split(std::string_view key, std::chrono::steady_clock::time_point deadline,
                                             uint64_t* leader_hint) {
  bool bootstrapping = false;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!system_->is_leader()) {
      *leader_hint = system_->leader_id();
      return absl::FailedPreconditionError("this node does not lead the system group; leader is node " +
                                           std::to_string(*leader_hint));
    }
    auto image = fsm_->Get(kSystemGroup, kRouteTableKey);
    if (!image.ok()) return image.status();
    if (!image->has_value()) {
      // A new leader stores the bootstrap table first (BootstrapLoop): wait for it.
      bootstrapping = true;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      continue;
    }
    bootstrapping = false;
    auto current = RouteTable::Decode(**image);
    if (!current.ok()) return current.status();
    auto next = current->Split(key);
    if (!next.ok()) return next.status();
    const CasOutcome out = Cas(**image, next->Encode(), deadline);
    using Code = engine::ProposeResult::Code;
    if (out.succeeded) {
      coordinator_->InstallIfNewer(*next);
      return next;
    }
    if (out.code == Code::kNotLeader || out.code == Code::kSuperseded) {
      *leader_hint = out.leader_hint;
      return absl::FailedPreconditionError("this node does not lead the system group; leader is node " +
                                           std::to_string(out.leader_hint));
    }
    if (out.code == Code::kTimeout) return absl::DeadlineExceededError("split not applied before the deadline");
    if (out.code == Code::kAborted) return absl::UnavailableError("system group stopped; the split may still apply");
    if (out.code == Code::kRefused) return absl::UnavailableError("system group refused the proposal");
    // The compare failed: another change won; retry on the newer table once it is applied.
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (bootstrapping)
    return absl::UnavailableError("the route table is not stored yet (bootstrapping)");
  return absl::DeadlineExceededError("split not applied before the deadline");
}

}  // namespace raftlab::kv
