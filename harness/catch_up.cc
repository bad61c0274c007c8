#include "harness/catch_up.h"

#include <chrono>
#include <cstdio>
#include <thread>

#include "server/api/client/admin_client.h"

namespace raftlab::harness {

void CatchUpWatch::Observe(double at_s, const std::vector<GroupProgress>& poll) {
  if (first_s_ < 0) first_s_ = at_s;
  last_s_ = at_s;
  std::map<uint64_t, uint64_t> fresh;
  for (const GroupProgress& p : poll) {
    if (!target_.count(p.group)) fresh[p.group] = std::max(fresh[p.group], p.commit);
  }
  target_.insert(fresh.begin(), fresh.end());
  for (const GroupProgress& p : poll) {
    Behind& b = nodes_[{p.node, p.group}];
    b.applied = std::max(b.applied, p.applied);
    b.caught_up = b.caught_up || b.applied >= target_[p.group];
  }
}

bool CatchUpWatch::AllCaughtUp() const {
  for (const auto& [key, b] : nodes_) {
    if (!b.caught_up) return false;
  }
  return true;
}

bool CatchUpWatch::Expired() const { return first_s_ >= 0 && last_s_ - first_s_ >= bound_s_; }

std::vector<std::string> CatchUpWatch::Findings() const {
  std::vector<std::string> out;
  if (!Expired()) return out;
  for (const auto& [key, b] : nodes_) {
    if (b.caught_up) continue;
    char buf[256];
    std::snprintf(buf, sizeof buf,
                  "node %llu never caught up in group %llu: its applied index %llu stayed below %llu, the "
                  "group's commit index when the cluster healed, for %.1f s",
                  static_cast<unsigned long long>(key.first), static_cast<unsigned long long>(key.second),
                  static_cast<unsigned long long>(b.applied),
                  static_cast<unsigned long long>(target_.at(key.second)), last_s_ - first_s_);
    out.push_back(buf);
  }
  return out;
}

std::vector<std::string> WatchCatchUp(LocalCluster& cluster, double bound_s, int every_ms) {
  using Clock = std::chrono::steady_clock;
  CatchUpWatch watch(bound_s);
  const auto t0 = Clock::now();
  while (true) {
    std::vector<GroupProgress> poll;
    for (uint64_t id : cluster.ids()) {
      if (!cluster.Running(id) || cluster.Paused(id)) continue;
      auto st = cluster.admin().Status(cluster.endpoint(id));
      if (!st.ok()) continue;
      for (const auto& g : st->groups()) poll.push_back({id, g.group_id(), g.commit_index(), g.applied_index()});
    }
    watch.Observe(std::chrono::duration<double>(Clock::now() - t0).count(), poll);
    if (watch.AllCaughtUp() || watch.Expired()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(every_ms));
  }
  return watch.Findings();
}

}  // namespace raftlab::harness
