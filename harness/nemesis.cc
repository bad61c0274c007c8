#include "harness/nemesis.h"

#include <algorithm>
#include <map>
#include <set>
#include <thread>

#include "harness/power_loss.h"
#include "server/api/client/admin_client.h"

namespace raftlab::harness {
namespace {

using std::chrono::milliseconds;

std::string Join(const std::vector<uint64_t>& ids, const char* sep = ",") {
  std::string s;
  for (uint64_t id : ids) s += (s.empty() ? "" : sep) + std::to_string(id);
  return s;
}

std::string Components(const std::vector<std::vector<uint64_t>>& parts) {
  std::string s;
  for (const auto& p : parts) s += (s.empty() ? "[" : " | [") + Join(p) + "]";
  return s;
}

// The settings a rolling restart moves a node to: the other lane count, the other sync
// mode, and half the base lease margin (or back to the base).
NodeSettings Toggled(NodeSettings s, int base_margin_ms) {
  s.dispatcher_lanes = s.dispatcher_lanes == 2 ? 4 : 2;
  s.fsm_sync_mode = s.fsm_sync_mode == "sync" ? "nosync" : "sync";
  s.lease_margin_ms = s.lease_margin_ms == base_margin_ms ? std::max(1, base_margin_ms / 2) : base_margin_ms;
  return s;
}

std::string Err(const absl::Status& s) { return s.ok() ? "" : " (error: " + std::string(s.message()) + ")"; }

}  // namespace

const std::vector<std::string>& NemesisNames() {
  static const std::vector<std::string> kNames = {
      "partition", "partition-halves", "partition-majority", "partition-leader", "partition-ring",
      "kill",      "kill-leader",      "pause",              "pause-leader",     "clock",
      "fiu",       "rolling",          "transfer",           "power-loss",       "torn-write"};
  return kNames;
}

absl::StatusOr<std::vector<std::string>> ParseNemesisList(const std::string& csv) {
  std::vector<std::string> out;
  if (csv.empty() || csv == "none") return out;
  size_t start = 0;
  while (start <= csv.size()) {
    size_t comma = csv.find(',', start);
    std::string name = csv.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    const auto& known = NemesisNames();
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      std::string list;
      for (const auto& n : known) list += (list.empty() ? "" : ", ") + n;
      return absl::InvalidArgumentError("--nemesis: unknown fault \"" + name + "\" (expected none or a comma-separated list of " +
                                        list + ")");
    }
    if (std::find(out.begin(), out.end(), name) == out.end()) out.push_back(name);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

Nemesis::Nemesis(LocalCluster& cluster, HistoryRecorder& recorder, NemesisOptions options,
                 std::function<void(const std::string&)> scrape)
    : cluster_(cluster), recorder_(recorder), options_(std::move(options)), scrape_(std::move(scrape)),
      rng_(options_.seed ^ 0x6e656d65736973ULL) {}

uint64_t Nemesis::RandomNode() {
  auto ids = cluster_.ids();
  return ids[std::uniform_int_distribution<size_t>(0, ids.size() - 1)(rng_)];
}

uint64_t Nemesis::LeaderOrRandom() {
  auto l = cluster_.Leader();
  return l ? *l : RandomNode();
}

std::string Nemesis::Active() const {
  std::lock_guard<std::mutex> l(text_mu_);
  return active_text_;
}

void Nemesis::SetActiveText() {
  std::string s;
  for (const auto& f : active_) s += (s.empty() ? "" : "; ") + f.name + " " + f.detail;
  std::lock_guard<std::mutex> l(text_mu_);
  active_text_ = s;
}

void Nemesis::Start() {
  if (options_.faults.empty()) return;
  if (options_.all_at_once) {
    for (const auto& f : options_.faults) StartOne(f);
  } else {
    StartOne(options_.faults[std::uniform_int_distribution<size_t>(0, options_.faults.size() - 1)(rng_)]);
  }
  SetActiveText();
}

void Nemesis::StartPartition(const std::string& requested) {
  std::string name = requested;
  if (name == "partition") {
    static const char* kKinds[] = {"partition-halves", "partition-majority", "partition-leader", "partition-ring"};
    name = kKinds[std::uniform_int_distribution<int>(0, 3)(rng_)];
  }
  auto ids = cluster_.ids();
  const size_t n = ids.size();
  // isolated[id] = the peers node id must not talk to.
  std::map<uint64_t, std::vector<uint64_t>> isolated;
  std::string detail;
  if (name == "partition-ring") {
    std::shuffle(ids.begin(), ids.end(), rng_);
    for (size_t i = 0; i < n; ++i) {
      std::set<uint64_t> near = {ids[i], ids[(i + 1) % n], ids[(i + n - 1) % n]};
      for (uint64_t other : ids) {
        if (!near.count(other)) isolated[ids[i]].push_back(other);
      }
    }
    detail = "ring " + Join(ids, "-");
  } else {
    std::vector<uint64_t> small;
    if (name == "partition-leader") {
      small = {LeaderOrRandom()};
    } else {
      std::shuffle(ids.begin(), ids.end(), rng_);
      size_t k = name == "partition-halves" ? n / 2
                                            : std::uniform_int_distribution<size_t>(1, std::max<size_t>(1, (n - 1) / 2))(rng_);
      small.assign(ids.begin(), ids.begin() + static_cast<long>(k));
    }
    std::vector<uint64_t> big;
    for (uint64_t id : cluster_.ids()) {
      if (std::find(small.begin(), small.end(), id) == small.end()) big.push_back(id);
    }
    std::sort(small.begin(), small.end());
    for (uint64_t a : small) isolated[a] = big;
    for (uint64_t b : big) isolated[b] = small;
    detail = Components({small, big});
  }
  std::string errors;
  for (const auto& [id, peers] : isolated) {
    if (!cluster_.Running(id) || cluster_.Paused(id)) continue;
    auto r = cluster_.admin().SetPartition(cluster_.endpoint(id), peers);
    if (!r.ok()) errors += " node " + std::to_string(id) + Err(r.status());
  }
  recorder_.Nemesis(true, name, detail + errors);
  active_.push_back({name, detail, [this] {
                       for (uint64_t id : cluster_.ids()) {
                         if (cluster_.Running(id) && !cluster_.Paused(id)) (void)cluster_.admin().Heal(cluster_.endpoint(id));
                       }
                     }});
}

void Nemesis::StartOne(const std::string& name) {
  ++started_;
  scrape_("fault-" + std::to_string(started_) + "-" + name);
  if (name.rfind("partition", 0) == 0) {
    StartPartition(name);
    return;
  }
  if (name == "kill" || name == "kill-leader") {
    const uint64_t id = name == "kill" ? RandomNode() : LeaderOrRandom();
    absl::Status s = cluster_.Kill(id);
    recorder_.Nemesis(true, name, "node " + std::to_string(id) + Err(s));
    active_.push_back({name, "node " + std::to_string(id), [this, id] {
                         if (!cluster_.Running(id)) (void)cluster_.Restart(id);
                       }});
    return;
  }
  if ((name == "power-loss" || name == "torn-write") && options_.power_disks != nullptr) {
    PowerLossFault f = StartPowerLoss(name, cluster_, *options_.power_disks, recorder_, rng_);
    active_.push_back({name, f.detail, std::move(f.undo)});
    return;
  }
  if (name == "pause" || name == "pause-leader") {
    const uint64_t id = name == "pause" ? RandomNode() : LeaderOrRandom();
    absl::Status s = cluster_.Pause(id);
    recorder_.Nemesis(true, name, "node " + std::to_string(id) + Err(s));
    active_.push_back({name, "node " + std::to_string(id), [this, id] {
                         if (cluster_.Paused(id)) (void)cluster_.Resume(id);
                       }});
    return;
  }
  if (name == "clock") {
    const uint64_t id = RandomNode();
    const int64_t max = std::max<int64_t>(1, options_.clock_offset_max_ms);
    const int64_t offset_ms = std::uniform_int_distribution<int64_t>(-max, max)(rng_);
    static const double kRates[] = {0.5, 0.8, 1.25, 2.0};
    const double rate = kRates[std::uniform_int_distribution<int>(0, 3)(rng_)];
    clock_used_ = true;
    auto r = cluster_.admin().SetClock(cluster_.endpoint(id), offset_ms * 1000000, rate);
    std::string detail = "node " + std::to_string(id) + " offset " + std::to_string(offset_ms) + " ms rate " +
                         std::to_string(rate).substr(0, 4);
    recorder_.Nemesis(true, name, detail + Err(r.status()));
    active_.push_back({name, detail, [this, id] {
                         if (cluster_.Running(id) && !cluster_.Paused(id)) {
                           (void)cluster_.admin().SetClock(cluster_.endpoint(id), 0, 1.0);
                         }
                       }});
    return;
  }
  if (name == "fiu") {
    const uint64_t id = RandomNode();
    admin::EnableFaultRequest req;
    req.set_name(options_.fiu_point);
    req.set_probability(options_.fiu_probability);
    fiu_used_ = true;
    auto r = cluster_.admin().EnableFault(cluster_.endpoint(id), req);
    std::string detail = "node " + std::to_string(id) + " " + options_.fiu_point + " p=" +
                         std::to_string(options_.fiu_probability).substr(0, 4);
    recorder_.Nemesis(true, name, detail + Err(r.status()));
    active_.push_back({name, detail, [this, id] {
                         // A point such as raftlab/wal/fsync fail-stops the node: bring it back.
                         if (!cluster_.Running(id)) {
                           (void)cluster_.Restart(id);
                         } else if (!cluster_.Paused(id)) {
                           (void)cluster_.admin().DisableFault(cluster_.endpoint(id), options_.fiu_point);
                         }
                       }});
    return;
  }
  if (name == "rolling") {
    std::string detail;
    for (uint64_t id : cluster_.ids()) {
      NodeSettings s = Toggled(cluster_.node(id).settings, cluster_.options().settings.lease_margin_ms);
      detail += (detail.empty() ? "" : ", ") + std::string("n") + std::to_string(id) + " lanes " +
                std::to_string(s.dispatcher_lanes) + " " + s.fsm_sync_mode + " margin " +
                std::to_string(s.lease_margin_ms) + "ms";
    }
    recorder_.Nemesis(true, name, detail);
    for (uint64_t id : cluster_.ids()) {
      NodeSettings s = Toggled(cluster_.node(id).settings, cluster_.options().settings.lease_margin_ms);
      if (cluster_.Paused(id)) (void)cluster_.Resume(id);
      if (cluster_.Running(id)) (void)cluster_.Stop(id);
      cluster_.SetSettings(id, s);
      (void)cluster_.Restart(id);
      (void)cluster_.WaitHealthy(milliseconds(10000));
    }
    recorder_.Nemesis(false, name, detail);
    return;
  }
  if (name == "transfer") {
    const uint64_t from = LeaderOrRandom();
    uint64_t to = RandomNode();
    for (int i = 0; i < 8 && to == from; ++i) to = RandomNode();
    auto r = cluster_.admin().TransferLeader(1, to);
    std::string detail = "group 1 from node " + std::to_string(from) + " to node " + std::to_string(to);
    recorder_.Nemesis(true, name, detail + Err(r.status()));
    recorder_.Nemesis(false, name, r.ok() ? "leader now " + std::to_string(r->leader_id()) : detail);
    return;
  }
}

void Nemesis::Stop() {
  for (auto& f : active_) {
    f.undo();
    recorder_.Nemesis(false, f.name, f.detail);
  }
  active_.clear();
  SetActiveText();
}

void Nemesis::HealAll() {
  Stop();
  for (uint64_t id : cluster_.ids()) {
    if (cluster_.Paused(id)) (void)cluster_.Resume(id);
    if (!cluster_.Running(id)) (void)cluster_.Restart(id);
  }
  // A restarted node may need a moment before its Admin service answers.
  for (uint64_t id : cluster_.ids()) {
    const std::string ep = cluster_.endpoint(id);
    for (int attempt = 0; attempt < 20; ++attempt) {
      if (cluster_.admin().Heal(ep).ok()) break;
      std::this_thread::sleep_for(milliseconds(100));
    }
    if (clock_used_) (void)cluster_.admin().SetClock(ep, 0, 1.0);
    if (fiu_used_) (void)cluster_.admin().DisableFault(ep, options_.fiu_point);
  }
}

}  // namespace raftlab::harness
