#include "faults/bugs.h"

#include <algorithm>

namespace raftlab::faults {

std::atomic<uint32_t> g_planted_bugs{0};

std::span<const PlantedBug> AllPlantedBugs() { return kAllPlantedBugs; }

const PlantedBug* FindPlantedBug(std::string_view name) {
  for (const PlantedBug& b : kAllPlantedBugs) {
    if (name == b.name) return &b;
  }
  return nullptr;
}

absl::StatusOr<uint32_t> ParsePlantedBugs(std::string_view csv) {
  uint32_t mask = 0;
  if (csv.empty()) return mask;
  for (size_t start = 0; start <= csv.size();) {
    const size_t comma = std::min(csv.find(',', start), csv.size());
    const std::string_view name = csv.substr(start, comma - start);
    start = comma + 1;
    const PlantedBug* b = FindPlantedBug(name);
    if (b == nullptr) {
      std::string known;
      for (const PlantedBug& k : kAllPlantedBugs) known += std::string(known.empty() ? "" : ", ") + k.name;
      return absl::InvalidArgumentError("--unsafe-bug: unknown bug \"" + std::string(name) + "\" (known: " + known +
                                        ")");
    }
    mask |= 1u << static_cast<unsigned>(b->bug);
  }
  return mask;
}

void SetPlantedBugs(uint32_t mask) { g_planted_bugs.store(mask, std::memory_order_relaxed); }

std::string PlantedBugNames() {
  std::string out;
  for (const PlantedBug& b : kAllPlantedBugs) {
    if (BugOn(b.bug)) out += std::string(out.empty() ? "" : ",") + b.name;
  }
  return out;
}

}  // namespace raftlab::faults
