// The nemesis's network faults: partitions as grudges (grudge.h).
#include "harness/nemesis.h"

#include <algorithm>
#include <cstdio>
#include <random>

namespace raftlab::harness {

std::string Nemesis::ApplyGrudge(const Grudge& grudge) {
  if (NetworkControl* net = cluster_.network(); net != nullptr) {
    absl::Status s = net->ApplyGrudge(grudge);
    return s.ok() ? "" : " (error: " + std::string(s.message()) + ")";
  }
  std::string errors;
  auto note = [&](uint64_t id, const absl::Status& s) {
    if (!s.ok()) errors += " node " + std::to_string(id) + " (error: " + std::string(s.message()) + ")";
  };
  if (IsSymmetric(grudge)) {
    for (uint64_t id : cluster_.ids()) {
      const std::set<uint64_t> peers = BidirectionalPeers(grudge, id);
      if (peers.empty() || !Reachable(id)) continue;
      note(id, Admin().SetPartition(cluster_.endpoint(id), {peers.begin(), peers.end()}).status());
    }
    return errors;
  }
  // One-way: each node drops, on arrival, what the nodes it holds a grudge against send.
  for (const auto& [id, from] : grudge) {
    if (from.empty() || !Reachable(id)) continue;
    note(id, Admin()
                 .SetPartition(cluster_.endpoint(id), {from.begin(), from.end()}, admin::PARTITION_DIRECTION_INBOUND)
                 .status());
  }
  return errors;
}

void Nemesis::HealNetwork() {
  if (NetworkControl* net = cluster_.network(); net != nullptr) {
    (void)net->Heal();
    if (cluster_.raftlab() == nullptr) return;
  }
  for (uint64_t id : cluster_.ids()) {
    if (!Reachable(id)) continue;
    (void)Admin().Heal(cluster_.endpoint(id));
    if (links_used_) (void)Admin().SetLinkFaults(cluster_.endpoint(id), {});
  }
}

Nemesis::ActiveFault Nemesis::StartPartition(const std::string& requested, std::chrono::milliseconds) {
  std::string name = requested;
  if (name == "partition") {
    static const char* kKinds[] = {"partition-halves", "partition-majority", "partition-leader", "partition-ring",
                                   "partition-bridge"};
    name = kKinds[std::uniform_int_distribution<int>(0, 4)(rng_)];
  }
  const NodeIds ids = ShuffledIds();
  Grudge grudge;
  std::string detail;
  uint64_t isolated = 0;
  if (name == "partition-ring") {
    grudge = RingGrudge(ids);
    detail = "ring";
    for (uint64_t id : ids) detail += (detail == "ring" ? " " : "-") + std::to_string(id);
  } else if (name == "partition-bridge") {
    grudge = BridgeGrudge(ids);
    detail = "bridge " + std::to_string(ids[0]) + ": " + DescribeGrudge(grudge);
  } else if (name == "partition-leader-inbound" || name == "partition-leader-outbound") {
    const uint64_t leader = LeaderOrRandom();
    const bool inbound = name == "partition-leader-inbound";
    grudge = OneWayGrudge(ids, leader, inbound ? Direction::kInbound : Direction::kOutbound);
    detail = "node " + std::to_string(leader) + (inbound ? " hears nobody" : " is heard by nobody");
  } else {
    std::vector<NodeIds> parts;
    if (name == "partition-leader" || name == "partition-leader-slow") {
      isolated = LeaderOrRandom();
      parts = IsolateNode(ids, isolated);
    } else if (name == "partition-halves") {
      parts = SplitHalves(ids);
    } else {
      const size_t k = std::uniform_int_distribution<size_t>(1, std::max<size_t>(1, (ids.size() - 1) / 2))(rng_);
      parts = SplitFirst(ids, k);
    }
    for (auto& p : parts) std::sort(p.begin(), p.end());
    grudge = CompleteGrudge(ids, parts);
    detail = DescribeComponents(parts);
  }
  std::string errors = ApplyGrudge(grudge);
  if (name == "partition-leader-slow") {
    const double rate = SlowIsolatedClock(isolated, &errors);
    char rate_text[16];
    std::snprintf(rate_text, sizeof rate_text, "%.2f", rate);
    detail += std::string(" clock rate ") + rate_text + " on node " + std::to_string(isolated) +
              " (beyond the lease margin: lease reads overlapping it are " + kOutsideAssumption + ")";
  }
  recorder_.Nemesis(true, name, detail + errors);
  return {0, name, detail, [this, isolated] {
            HealNetwork();
            if (isolated != 0 && Reachable(isolated)) (void)Admin().SetClock(cluster_.endpoint(isolated), 0, 1.0);
          }};
}

double Nemesis::SlowIsolatedClock(uint64_t id, std::string* errors) {
  // Slow enough that the cut-off leader's check-quorum step-down (one to two election
  // timeouts on its clock) comes well after the majority elected a new leader.
  const double rate = std::uniform_real_distribution<double>(0.2, 0.35)(rng_);
  clock_used_ = true;
  auto r = Admin().SetClock(cluster_.endpoint(id), 0, rate);
  if (!r.ok()) *errors += " (clock: " + std::string(r.status().message()) + ")";
  return rate;
}

Nemesis::ActiveFault Nemesis::StartNetDelay(const std::string& name, std::chrono::milliseconds) {
  const uint64_t id = RandomNode();
  const auto delay = std::chrono::milliseconds(std::uniform_int_distribution<int>(20, 200)(rng_));
  NetworkControl* net = cluster_.network();
  const absl::Status s = net != nullptr ? net->SetOutboundDelay(id, delay)
                                        : absl::FailedPreconditionError("needs --network netns");
  const std::string detail = "node " + std::to_string(id) + " outbound +" + std::to_string(delay.count()) + " ms";
  recorder_.Nemesis(true, name, detail + (s.ok() ? "" : " (error: " + std::string(s.message()) + ")"));
  return {0, name, detail, [net, id] {
            if (net != nullptr) (void)net->SetOutboundDelay(id, std::chrono::milliseconds(0));
          }};
}

Nemesis::ActiveFault Nemesis::StartNetDelayLeaderInbound(const std::string& name, std::chrono::milliseconds) {
  // As link-leader-inbound, through the proxies: about one election timeout, so the acks
  // of the leader's last rounds before a cut arrive after the followers' timers could fire.
  const uint64_t leader = LeaderOrRandom();
  const std::chrono::milliseconds delay = ElectionFraction(0.7, 1.1);
  NetworkControl* net = cluster_.network();
  std::string errors;
  for (uint64_t id : cluster_.ids()) {
    if (id == leader) continue;
    const absl::Status s = net != nullptr ? net->SetLinkDelay(id, leader, delay)
                                          : absl::FailedPreconditionError("needs --network netns");
    if (!s.ok()) errors += " (error: " + std::string(s.message()) + ")";
  }
  const std::string detail = "into node " + std::to_string(leader) + " delay " + std::to_string(delay.count()) + " ms";
  recorder_.Nemesis(true, name, detail + errors);
  ActiveFault f{0, name, detail, [this, net, leader] {
                  for (uint64_t id : cluster_.ids()) {
                    if (net != nullptr && id != leader) (void)net->SetLinkDelay(id, leader, std::chrono::milliseconds(0));
                  }
                }};
  f.settle = delay;
  return f;
}

}  // namespace raftlab::harness
