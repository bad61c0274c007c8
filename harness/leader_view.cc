#include "harness/leader_view.h"

namespace raftlab::harness {
namespace {

using std::chrono::duration_cast;
using std::chrono::milliseconds;

}  // namespace

LeaderView::LeaderView(std::map<uint64_t, std::string> nodes, uint64_t group, milliseconds period)
    : nodes_(std::move(nodes)), group_(group), period_(period), t0_(Clock::now()) {
  client::AdminClientOptions o;
  for (const auto& [id, ep] : nodes_) o.endpoints.push_back(ep);
  // Short: a poll that waits on a paused node only delays that node's own poller.
  o.timeout = std::max(period_ * 4, milliseconds(200));
  auto admin = client::AdminClient::Create(o);
  if (admin.ok()) admin_ = std::move(*admin);
  leaderless_since_ = t0_;
  leaderless_ = true;
  if (!admin_) return;
  for (const auto& [id, ep] : nodes_) pollers_.emplace_back([this, id = id, ep = ep] { Poll(id, ep); });
}

LeaderView::~LeaderView() {
  {
    std::lock_guard l(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : pollers_) t.join();
}

void LeaderView::Poll(uint64_t id, std::string endpoint) {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    lock.unlock();
    auto st = admin_->Status(endpoint);
    NodeState s;
    if (st.ok()) {
      s.answered = true;
      for (const auto& g : st->groups()) {
        if (g.group_id() != group_) continue;
        s.term = g.term();
        s.leader = g.leader_id();
        s.claims_leadership = g.role() == "leader";
      }
    }
    lock.lock();
    state_[id] = s;
    Account();
    cv_.wait_for(lock, period_, [this] { return stopping_; });
  }
}

void LeaderView::Account() {
  bool claimed = false;
  for (const auto& [id, s] : state_) {
    if (!s.answered) continue;
    if (s.claims_leadership) claimed = true;
    // The leader a node names in its term; a self-claim counts the same.
    const uint64_t leader = s.claims_leadership ? id : s.leader;
    if (leader != 0 && s.term > best_term_) {
      best_term_ = s.term;
      if (leader != best_leader_) ++changes_;
      best_leader_ = leader;
    }
  }
  const auto now = Clock::now();
  if (!claimed && !leaderless_) {
    leaderless_ = true;
    leaderless_since_ = now;
  } else if (claimed && leaderless_) {
    leaderless_ = false;
    closed_.push_back({duration_cast<milliseconds>(leaderless_since_ - t0_).count(),
                       duration_cast<milliseconds>(now - leaderless_since_).count()});
  }
}

std::string LeaderView::LeaderEndpoint() const {
  std::lock_guard l(mu_);
  auto it = nodes_.find(best_leader_);
  return it == nodes_.end() ? "" : it->second;
}

std::string LeaderView::PickClaimedLeader(std::mt19937_64& rng) const {
  std::vector<uint64_t> claimants;
  {
    std::lock_guard l(mu_);
    for (const auto& [id, s] : state_) {
      if (s.answered && s.claims_leadership) claimants.push_back(id);
    }
  }
  if (claimants.empty()) return "";
  return nodes_.at(claimants[std::uniform_int_distribution<size_t>(0, claimants.size() - 1)(rng)]);
}

int LeaderView::leader_changes() const {
  std::lock_guard l(mu_);
  return changes_;
}

std::vector<LeaderlessInterval> LeaderView::Leaderless(milliseconds min) const {
  std::lock_guard l(mu_);
  std::vector<LeaderlessInterval> out;
  for (const auto& i : closed_) {
    if (i.length_ms >= min.count()) out.push_back(i);
  }
  if (leaderless_) {
    const LeaderlessInterval open{duration_cast<milliseconds>(leaderless_since_ - t0_).count(),
                                  duration_cast<milliseconds>(Clock::now() - leaderless_since_).count()};
    if (open.length_ms >= min.count()) out.push_back(open);
  }
  return out;
}

}  // namespace raftlab::harness
