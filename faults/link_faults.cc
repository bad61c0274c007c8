#include "faults/link_faults.h"

#include <algorithm>

namespace raftlab::faults {

void LinkFaults::Set(const std::vector<LinkFault>& links) {
  std::lock_guard lock(mu_);
  links_.clear();
  for (const LinkFault& l : links) links_[l.peer] = l;
}

std::vector<LinkFault> LinkFaults::Get() const {
  std::lock_guard lock(mu_);
  std::vector<LinkFault> out;
  for (const auto& [peer, l] : links_) out.push_back(l);
  return out;
}

bool AppliesToLane(const LinkFault& fault, std::string_view lane) {
  return fault.lanes.empty() || std::find(fault.lanes.begin(), fault.lanes.end(), lane) != fault.lanes.end();
}

LinkDecision LinkFaults::Decide(uint64_t peer, std::string_view lane) {
  std::lock_guard lock(mu_);
  LinkDecision d;
  auto it = links_.find(peer);
  if (it == links_.end() || !AppliesToLane(it->second, lane)) return d;
  std::uniform_real_distribution<double> u(0, 1);
  d.drop = it->second.drop_probability > 0 && u(rng_) < it->second.drop_probability;
  d.duplicate = !d.drop && it->second.duplicate_probability > 0 && u(rng_) < it->second.duplicate_probability;
  d.delay = it->second.delay;
  return d;
}

}  // namespace raftlab::faults
