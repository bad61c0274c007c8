#include "harness/nemesis.h"

#include <algorithm>
#include <cstdio>
#include <thread>

#include "faults/points.h"
#include "harness/catch_up.h"
#include "harness/power_loss.h"
#include "server/api/client/admin_client.h"
#include "server/api/client/kv_client.h"

namespace raftlab::harness {
namespace {

using std::chrono::milliseconds;

// The settings a rolling restart moves a node to: the other lane count, the other sync
// mode, and half the base lease margin (or back to the base).
NodeSettings Toggled(NodeSettings s, int base_margin_ms) {
  s.dispatcher_lanes = s.dispatcher_lanes == 2 ? 4 : 2;
  s.fsm_sync_mode = s.fsm_sync_mode == "sync" ? "nosync" : "sync";
  s.lease_margin_ms = s.lease_margin_ms == base_margin_ms ? std::max(1, base_margin_ms / 2) : base_margin_ms;
  return s;
}

std::string Err(const absl::Status& s) { return s.ok() ? "" : " (error: " + std::string(s.message()) + ")"; }

std::string NodeText(uint64_t id) { return "node " + std::to_string(id); }

std::string Fixed(double v, int digits) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

}  // namespace

const std::vector<Nemesis::FaultKind>& Nemesis::Table() {
  static const std::vector<FaultKind> kTable = {
      {"partition", &Nemesis::StartPartition, "one of the partition shapes below, drawn each time"},
      {"partition-halves", &Nemesis::StartPartition, "two halves (the larger keeps a majority)"},
      {"partition-majority", &Nemesis::StartPartition, "a random minority cut off from the majority"},
      {"partition-leader", &Nemesis::StartPartition, "the leader cut off from everyone"},
      {"partition-leader-slow", &Nemesis::StartPartition,
       "the leader cut off, its clock slowed: its timers (check-quorum) lag, ReadIndex must not"},
      {"partition-ring", &Nemesis::StartPartition, "each node reaches only its two ring neighbours"},
      {"partition-bridge", &Nemesis::StartPartition, "two halves joined only through one bridge node"},
      {"partition-leader-inbound", &Nemesis::StartPartition, "one-way: the leader hears nobody, is heard"},
      {"partition-leader-outbound", &Nemesis::StartPartition, "one-way: nobody hears the leader, it hears all"},
      {"kill", &Nemesis::StartKill, "SIGKILL a random node; restart at stop"},
      {"kill-leader", &Nemesis::StartKill, "SIGKILL the leader; restart at stop"},
      {"pause", &Nemesis::StartPause, "SIGSTOP a random node; SIGCONT at stop"},
      {"pause-leader", &Nemesis::StartPause, "SIGSTOP the leader; SIGCONT at stop"},
      {"stall", &Nemesis::StartStall, "stall a random node's Ready loops (gRPC keeps answering)"},
      {"stall-leader", &Nemesis::StartStall, "stall the leader's Ready loops (gRPC keeps answering)"},
      {"crash-point", &Nemesis::StartCrashPoint, "a libfiu crash point exits a node at a critical moment"},
      {"link", &Nemesis::StartLink, "delay, drop and duplicate a random node's outbound raft traffic"},
      {"link-leader", &Nemesis::StartLink, "delay, drop and duplicate the leader's outbound raft traffic"},
      {"link-leader-inbound", &Nemesis::StartLinkLeaderInbound,
       "delay every link into the leader by about an election timeout: its acks arrive late"},
      {"link-leader-inbound-short", &Nemesis::StartLinkLeaderInbound,
       "delay every link into the leader by a third to a half of its lease: it hears of a new term late"},
      {"failover-lagging-commit", &Nemesis::StartLaggingCommitFailover,
       "slow the leader's links, cut it off, slow the others' replication: the new leader lags its commit index"},
      {"net-delay", &Nemesis::StartNetDelay, "delay a random node's outbound peer traffic (netns proxies)"},
      {"clock-drift", &Nemesis::StartClock, "skew one node's clock within the lease margin (must stay valid)"},
      {"clock-drift-unsafe", &Nemesis::StartClock, "slow the leader's clock beyond the lease margin"},
      {"clock", &Nemesis::StartClock, "skew one node's clock (offset, rate); flagged when beyond the margin"},
      {"fiu", &Nemesis::StartFiu, "enable --fiu-point with --fiu-probability on one node"},
      {"rolling", &Nemesis::StartRolling, "rolling restart toggling lanes, sync mode and lease margin"},
      {"transfer", &Nemesis::StartTransfer, "move the leadership to another voter"},
      {"snapshot", &Nemesis::StartSnapshot, "every node snapshots and compacts its log now"},
      {"snapshot-install", &Nemesis::StartSnapshotInstall,
       "cut a follower off, snapshot the others at stop, heal: it needs an InstallSnapshot"},
      {"power-loss", &Nemesis::StartPowerLossFault, "SIGKILL the cluster or one node and drop its unsynced data"},
      {"torn-write", &Nemesis::StartPowerLossFault, "power loss keeping a random prefix of unsynced writes"},
  };
  return kTable;
}

const std::vector<std::string>& NemesisNames() {
  static const std::vector<std::string> kNames = [] {
    std::vector<std::string> out;
    for (const auto& k : Nemesis::Table()) out.push_back(k.name);
    return out;
  }();
  return kNames;
}

std::string NemesisHelp() {
  std::string out;
  for (const auto& k : Nemesis::Table()) {
    std::string name = k.name;
    name.resize(std::max<size_t>(name.size() + 2, 27), ' ');
    out += "  " + name + k.help + "\n";
  }
  return out;
}

std::vector<std::string> FaultParts(const std::string& entry) {
  std::vector<std::string> out;
  for (size_t start = 0;;) {
    const size_t plus = entry.find('+', start);
    out.push_back(entry.substr(start, plus == std::string::npos ? std::string::npos : plus - start));
    if (plus == std::string::npos) return out;
    start = plus + 1;
  }
}

absl::StatusOr<std::vector<std::string>> ParseNemesisList(const std::string& csv) {
  std::vector<std::string> out;
  if (csv.empty() || csv == "none") return out;
  size_t start = 0;
  while (start <= csv.size()) {
    size_t comma = csv.find(',', start);
    std::string name = csv.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    const auto& known = NemesisNames();
    for (const std::string& part : FaultParts(name)) {
      if (std::find(known.begin(), known.end(), part) != known.end()) continue;
      std::string list;
      for (const auto& n : known) list += (list.empty() ? "" : ", ") + n;
      return absl::InvalidArgumentError("--nemesis: unknown fault \"" + part + "\"" +
                                        (part == name ? "" : " in \"" + name + "\"") +
                                        " (expected none or a comma-separated list of faults, or of faults joined by "
                                        "+ to start together: " +
                                        list + ")");
    }
    if (std::find(out.begin(), out.end(), name) == out.end()) out.push_back(name);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

Nemesis::Nemesis(SystemUnderTest& cluster, HistoryRecorder& recorder, NemesisOptions options,
                 std::function<void(const std::string&)> scrape)
    : cluster_(cluster), recorder_(recorder), options_(std::move(options)), scrape_(std::move(scrape)),
      rng_(options_.seed ^ 0x6e656d65736973ULL) {}

uint64_t Nemesis::RandomNode() {
  auto ids = cluster_.ids();
  return ids[std::uniform_int_distribution<size_t>(0, ids.size() - 1)(rng_)];
}

LocalCluster& Nemesis::Raftlab() { return *cluster_.raftlab(); }

client::AdminClient& Nemesis::Admin() { return Raftlab().admin(); }

uint64_t Nemesis::RandomReachableNode() {
  std::vector<uint64_t> up;
  for (uint64_t id : cluster_.ids()) {
    if (Reachable(id)) up.push_back(id);
  }
  if (up.empty()) return RandomNode();
  return up[std::uniform_int_distribution<size_t>(0, up.size() - 1)(rng_)];
}

uint64_t Nemesis::LeaderOrRandom() {
  if (cluster_.raftlab() == nullptr) {
    const auto leader = cluster_.Leader();
    return leader ? *leader : RandomNode();
  }
  // The node claiming leadership in the highest term: right after a restart the nodes may
  // not agree yet, and a deposed leader may still claim an older term.
  uint64_t best = 0, best_term = 0;
  for (uint64_t id : cluster_.ids()) {
    if (!Reachable(id)) continue;
    auto st = Admin().Status(cluster_.endpoint(id));
    if (!st.ok()) continue;
    for (const auto& g : st->groups()) {
      if (g.group_id() == 1 && g.role() == "leader" && g.term() > best_term) {
        best = id;
        best_term = g.term();
      }
    }
  }
  return best != 0 ? best : RandomNode();
}

uint64_t Nemesis::RandomFollower() {
  const uint64_t leader = LeaderOrRandom();
  NodeIds others;
  for (uint64_t id : cluster_.ids()) {
    if (id != leader) others.push_back(id);
  }
  return others[std::uniform_int_distribution<size_t>(0, others.size() - 1)(rng_)];
}

NodeIds Nemesis::ShuffledIds() {
  NodeIds ids = cluster_.ids();
  std::shuffle(ids.begin(), ids.end(), rng_);
  return ids;
}

bool Nemesis::Reachable(uint64_t id) { return cluster_.Running(id) && !cluster_.Paused(id); }

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

bool Nemesis::ExpectsDown(uint64_t id) const {
  for (const auto& f : active_) {
    if (f.stops_node == id || f.stops_any) return true;
  }
  return false;
}

int Nemesis::Start(const std::string& name, milliseconds duration) {
  ++started_;
  ++counts_[name];
  scrape_("fault-" + std::to_string(started_) + "-" + name);
  // The parts of a composite start in order and share one handle.
  milliseconds settle{0};
  for (const std::string& part : FaultParts(name)) {
    const auto& table = Table();
    auto kind = std::find_if(table.begin(), table.end(), [&](const FaultKind& k) { return part == k.name; });
    if (kind == table.end()) {
      recorder_.Nemesis(true, part, "unknown fault");
      recorder_.Nemesis(false, part, "unknown fault");
      continue;
    }
    if (settle.count() > 0) std::this_thread::sleep_for(settle);
    ActiveFault f = (this->*kind->start)(part, duration);
    f.handle = started_;
    settle = f.settle;
    if (f.undo) active_.push_back(std::move(f));
  }
  SetActiveText();
  return started_;
}

void Nemesis::Stop(int handle) {
  // A composite's parts are undone in the reverse of their start order.
  for (size_t i = active_.size(); i-- > 0;) {
    if (active_[i].handle != handle) continue;
    ActiveFault f = std::move(active_[i]);
    active_.erase(active_.begin() + static_cast<std::ptrdiff_t>(i));
    f.undo();
    recorder_.Nemesis(false, f.name, f.detail);
  }
  SetActiveText();
}

void Nemesis::StopAll() {
  while (!active_.empty()) Stop(active_.back().handle);
}

void Nemesis::Revive(uint64_t id, const std::string& cause) {
  if (cluster_.Paused(id)) (void)cluster_.Resume(id);
  if (cluster_.Running(id)) return;
  NodeExit e;
  e.node = id;
  e.cause = cause;
  if (auto x = cluster_.ExitOf(id)) {
    e.exit_code = x->exited ? x->exit_code : -1;
    e.signal = x->exited ? 0 : x->signal;
  }
  exits_.push_back(e);
  (void)cluster_.Restart(id);
}

Nemesis::ActiveFault Nemesis::StartKill(const std::string& name, milliseconds) {
  const uint64_t id = name == "kill" ? RandomNode() : LeaderOrRandom();
  absl::Status s = cluster_.Kill(id);
  recorder_.Nemesis(true, name, NodeText(id) + Err(s));
  return {0, name, NodeText(id), [this, id, name] { Revive(id, name); }, id};
}

Nemesis::ActiveFault Nemesis::StartPause(const std::string& name, milliseconds) {
  const uint64_t id = name == "pause" ? RandomNode() : LeaderOrRandom();
  absl::Status s = cluster_.Pause(id);
  recorder_.Nemesis(true, name, NodeText(id) + Err(s));
  return {0, name, NodeText(id), [this, id] {
            if (cluster_.Paused(id)) (void)cluster_.Resume(id);
          }};
}

Nemesis::ActiveFault Nemesis::StartStall(const std::string& name, milliseconds duration) {
  const uint64_t id = name == "stall" ? RandomNode() : LeaderOrRandom();
  const auto ms = static_cast<uint32_t>(std::clamp<int64_t>(duration.count(), 1, 600000));
  auto r = Admin().Stall(cluster_.endpoint(id), 0, ms);
  const std::string detail = NodeText(id) + " every group for " + std::to_string(ms) + " ms";
  recorder_.Nemesis(true, name, detail + Err(r.status()));
  // A 1 ms stall replaces a longer one: the loop resumes at once.
  return {0, name, detail, [this, id] {
            if (Reachable(id)) (void)Admin().Stall(cluster_.endpoint(id), 0, 1);
          }};
}

Nemesis::ActiveFault Nemesis::StartCrashPoint(const std::string& name, milliseconds) {
  static const std::vector<const faults::FaultPoint*> kCrashPoints = {
      &faults::kCrashAfterWalSave, &faults::kCrashAfterSend, &faults::kCrashBeforeApply,
      &faults::kCrashAfterSnapshotSave, &faults::kCrashAfterVote};
  std::string point = options_.crash_point;
  if (point.empty()) point = kCrashPoints[std::uniform_int_distribution<size_t>(0, kCrashPoints.size() - 1)(rng_)]->name;
  const bool on_snapshot = point == faults::kCrashAfterSnapshotSave.name;
  // A point armed on a node another fault took down would never fire.
  const uint64_t id = RandomReachableNode();
  admin::EnableFaultRequest req;
  req.set_name(point);
  req.set_probability(on_snapshot ? 1.0 : options_.crash_probability);
  req.set_one_shot(true);
  auto r = Admin().EnableFault(cluster_.endpoint(id), req);
  // Snapshots are rare: make one happen so the point is reached.
  if (r.ok() && on_snapshot) (void)Admin().TriggerSnapshot(cluster_.endpoint(id), 1);
  const std::string detail = NodeText(id) + " " + point + " p=" + Fixed(req.probability(), 2);
  recorder_.Nemesis(true, name, detail + Err(r.status()));
  return {0, name, detail, [this, id, point, name] {
            if (cluster_.Running(id)) {
              if (!cluster_.Paused(id)) (void)Admin().DisableFault(cluster_.endpoint(id), point);
              return;
            }
            Revive(id, name + " " + point);
          },
          id};
}

Nemesis::ActiveFault Nemesis::StartLink(const std::string& name, milliseconds) {
  const uint64_t id = name == "link" ? RandomNode() : LeaderOrRandom();
  const auto delay = std::uniform_int_distribution<uint32_t>(5, 150)(rng_);
  const double drop = std::uniform_real_distribution<double>(0, 0.3)(rng_);
  const double dup = std::uniform_real_distribution<double>(0, 0.3)(rng_);
  std::vector<admin::LinkFault> links;
  for (uint64_t peer : cluster_.ids()) {
    if (peer == id) continue;
    admin::LinkFault l;
    l.set_peer(peer);
    l.set_delay_ms(delay);
    l.set_drop_probability(drop);
    l.set_duplicate_probability(dup);
    links.push_back(l);
  }
  links_used_ = true;
  auto r = Admin().SetLinkFaults(cluster_.endpoint(id), links);
  const std::string detail = NodeText(id) + " outbound delay " + std::to_string(delay) + " ms drop " + Fixed(drop, 2) +
                             " dup " + Fixed(dup, 2);
  recorder_.Nemesis(true, name, detail + Err(r.status()));
  ActiveFault f{0, name, detail, [this, id] {
                  if (Reachable(id)) (void)Admin().SetLinkFaults(cluster_.endpoint(id), {});
                }};
  f.settle = milliseconds(delay);
  return f;
}

std::string Nemesis::DelayLinks(uint64_t from, uint64_t only_to, milliseconds delay,
                                const std::vector<std::string>& lanes) {
  std::vector<admin::LinkFault> links;
  for (uint64_t peer : cluster_.ids()) {
    if (peer == from || (only_to != 0 && peer != only_to)) continue;
    admin::LinkFault l;
    l.set_peer(peer);
    l.set_delay_ms(static_cast<uint32_t>(delay.count()));
    for (const auto& lane : lanes) l.add_lanes(lane);
    links.push_back(l);
  }
  links_used_ = true;
  if (!Reachable(from)) return " node " + std::to_string(from) + " (unreachable)";
  auto r = Admin().SetLinkFaults(cluster_.endpoint(from), links);
  return r.ok() ? "" : " node " + std::to_string(from) + Err(r.status());
}

void Nemesis::ClearLinks() {
  for (uint64_t id : cluster_.ids()) {
    if (Reachable(id)) (void)Admin().SetLinkFaults(cluster_.endpoint(id), {});
  }
}

milliseconds Nemesis::ElectionFraction(double lo, double hi) {
  const double e = static_cast<double>(std::max<int64_t>(1, options_.election_timeout_ms));
  return milliseconds(static_cast<int64_t>(std::uniform_real_distribution<double>(lo * e, hi * e)(rng_)));
}

Nemesis::ActiveFault Nemesis::StartLinkLeaderInbound(const std::string& name, milliseconds) {
  // About one election timeout: long enough that acks of the last round before a cut
  // arrive after the followers' timers could have fired, short enough that check-quorum
  // keeps the leader in office meanwhile.
  // The short form stays within the lease, so a correct leader keeps it until it hears
  // of a change, which it does late (e.g. the end of a transfer it started).
  const uint64_t leader = LeaderOrRandom();
  const milliseconds delay = name == "link-leader-inbound" ? ElectionFraction(0.7, 1.1) : ElectionFraction(0.2, 0.35);
  std::string errors;
  for (uint64_t id : cluster_.ids()) {
    if (id != leader) errors += DelayLinks(id, leader, delay, {});
  }
  const std::string detail = "into node " + std::to_string(leader) + " delay " + std::to_string(delay.count()) + " ms";
  recorder_.Nemesis(true, name, detail + errors);
  ActiveFault f{0, name, detail, [this] { ClearLinks(); }};
  f.settle = delay;
  return f;
}

Nemesis::ActiveFault Nemesis::StartLaggingCommitFailover(const std::string& name, milliseconds) {
  // 1. Slow everything the leader sends: entries reach followers late, their acks come back
  //    at once, so the leader acknowledges writes whose commit the followers learn only one
  //    delay later. Kept short so the writes still complete within a client's deadline.
  const uint64_t leader = LeaderOrRandom();
  const milliseconds lag = ElectionFraction(0.15, 0.3);
  std::string errors = DelayLinks(leader, 0, lag, {});
  // 2. Let acknowledged commits be in flight, then cut the leader off: they never arrive.
  std::this_thread::sleep_for(2 * lag + milliseconds(50));
  NodeIds ids = cluster_.ids();
  errors += ApplyGrudge(CompleteGrudge(ids, IsolateNode(ids, leader)));
  // 3. Whoever wins next has its first entry delayed while its heartbeats pass, so its
  //    heartbeat rounds are acked long before an entry of its term commits.
  const milliseconds slow = ElectionFraction(0.6, 0.9);
  for (uint64_t id : ids) {
    if (id != leader) errors += DelayLinks(id, 0, slow, ReplicationLanes());
  }
  const std::string detail = "node " + std::to_string(leader) + " outbound delay " + std::to_string(lag.count()) +
                             " ms then cut off; the others' replication lanes delay " + std::to_string(slow.count()) +
                             " ms";
  recorder_.Nemesis(true, name, detail + errors);
  return {0, name, detail, [this] { HealNetwork(); }};
}

Nemesis::ActiveFault Nemesis::StartClock(const std::string& name, milliseconds) {
  // The lease lasts L = election timeout - margin on the leader's clock and is safe while
  // no follower can time out and elect within L of real time: a leader clock slowed to
  // rate r stretches the lease to L/r, a follower's clock sped up to r shortens its timeout
  // to E/r, and a backward jump of the leader's clock lengthens the lease by the jump.
  const double e = static_cast<double>(std::max<int64_t>(1, options_.election_timeout_ms));
  const double margin = static_cast<double>(options_.lease_margin_ms);
  const double lease = std::max(1.0, e - margin);
  const double slow_ok = lease / (lease + margin / 2), fast_ok = e / (e - margin / 2);
  uint64_t id;
  int64_t offset_ms;
  double rate;
  if (name == "clock-drift") {
    id = RandomNode();
    rate = std::uniform_real_distribution<double>(slow_ok, fast_ok)(rng_);
    offset_ms = std::uniform_int_distribution<int64_t>(-static_cast<int64_t>(margin / 4), static_cast<int64_t>(margin))(rng_);
  } else if (name == "clock-drift-unsafe") {
    id = LeaderOrRandom();
    rate = std::uniform_real_distribution<double>(0.2, 0.5)(rng_);
    offset_ms = -std::uniform_int_distribution<int64_t>(static_cast<int64_t>(e), static_cast<int64_t>(3 * e))(rng_);
  } else {
    id = RandomNode();
    const int64_t max = std::max<int64_t>(1, options_.clock_offset_max_ms);
    offset_ms = std::uniform_int_distribution<int64_t>(-max, max)(rng_);
    static const double kRates[] = {0.5, 0.8, 1.25, 2.0};
    rate = kRates[std::uniform_int_distribution<int>(0, 3)(rng_)];
  }
  const bool within = rate >= slow_ok && rate <= fast_ok && offset_ms >= -margin / 2;
  clock_used_ = true;
  auto r = Admin().SetClock(cluster_.endpoint(id), offset_ms * 1000000, rate);
  std::string detail = NodeText(id) + " offset " + std::to_string(offset_ms) + " ms rate " + Fixed(rate, 2) +
                       (within ? " (within the lease margin)" : std::string(" (beyond the lease margin: ") +
                                                                    kOutsideAssumption + ")");
  recorder_.Nemesis(true, name, detail + Err(r.status()));
  return {0, name, detail, [this, id] {
            if (Reachable(id)) (void)Admin().SetClock(cluster_.endpoint(id), 0, 1.0);
          }};
}

Nemesis::ActiveFault Nemesis::StartFiu(const std::string& name, milliseconds) {
  const uint64_t id = RandomNode();
  admin::EnableFaultRequest req;
  req.set_name(options_.fiu_point);
  req.set_probability(options_.fiu_probability);
  fiu_points_used_.push_back(options_.fiu_point);
  auto r = Admin().EnableFault(cluster_.endpoint(id), req);
  const std::string detail = NodeText(id) + " " + options_.fiu_point + " p=" + Fixed(options_.fiu_probability, 2);
  recorder_.Nemesis(true, name, detail + Err(r.status()));
  return {0, name, detail, [this, id, name] {
            // A point such as raftlab/wal/fsync fail-stops the node: bring it back.
            if (!cluster_.Running(id)) {
              Revive(id, name + " " + options_.fiu_point);
            } else if (!cluster_.Paused(id)) {
              (void)Admin().DisableFault(cluster_.endpoint(id), options_.fiu_point);
            }
          },
          id};
}

Nemesis::ActiveFault Nemesis::StartRolling(const std::string& name, milliseconds) {
  std::string detail;
  for (uint64_t id : cluster_.ids()) {
    NodeSettings s = Toggled(Raftlab().node(id).settings, Raftlab().options().settings.lease_margin_ms);
    detail += (detail.empty() ? "" : ", ") + std::string("n") + std::to_string(id) + " lanes " +
              std::to_string(s.dispatcher_lanes) + " " + s.fsm_sync_mode + " margin " +
              std::to_string(s.lease_margin_ms) + "ms";
  }
  recorder_.Nemesis(true, name, detail);
  for (uint64_t id : cluster_.ids()) {
    NodeSettings s = Toggled(Raftlab().node(id).settings, Raftlab().options().settings.lease_margin_ms);
    if (cluster_.Paused(id)) (void)cluster_.Resume(id);
    if (cluster_.Running(id)) (void)cluster_.Stop(id);
    Raftlab().SetSettings(id, s);
    (void)cluster_.Restart(id);
    (void)cluster_.WaitHealthy(milliseconds(10000));
  }
  recorder_.Nemesis(false, name, detail);
  return {};
}

Nemesis::ActiveFault Nemesis::StartTransfer(const std::string& name, milliseconds) {
  const uint64_t from = LeaderOrRandom();
  uint64_t to = RandomNode();
  for (int i = 0; i < 8 && to == from; ++i) to = RandomNode();
  auto r = Admin().TransferLeader(1, to);
  std::string detail = "group 1 from node " + std::to_string(from) + " to node " + std::to_string(to);
  recorder_.Nemesis(true, name, detail + Err(r.status()));
  recorder_.Nemesis(false, name, r.ok() ? "leader now " + std::to_string(r->leader_id()) : detail);
  return {};
}

std::string Nemesis::SnapshotEveryGroup(uint64_t except) {
  std::string detail;
  for (uint64_t id : cluster_.ids()) {
    if (id == except || !Reachable(id)) continue;
    for (int g = options_.groups; g >= 1; --g) {
      auto r = Admin().TriggerSnapshot(cluster_.endpoint(id), static_cast<uint64_t>(g));
      if (g != 1) continue;
      detail += (detail.empty() ? "" : ", ") + std::string("n") + std::to_string(id) + " at " +
                (r.ok() ? std::to_string(r->snapshot_index()) : "?" + Err(r.status()));
    }
  }
  return detail;
}

Nemesis::ActiveFault Nemesis::StartSnapshot(const std::string& name, milliseconds) {
  const std::string detail = SnapshotEveryGroup(0);
  recorder_.Nemesis(true, name, detail);
  recorder_.Nemesis(false, name, detail);
  return {};
}

Nemesis::ActiveFault Nemesis::StartSnapshotInstall(const std::string& name, milliseconds) {
  const uint64_t id = RandomFollower();
  // It rejoins over a slow link, so the snapshots of every group that left it behind queue
  // up on the others' lanes to it at once, as when a node returns to a busy multi-raft
  // cluster.
  const auto delay_ms = std::uniform_int_distribution<uint32_t>(100, 300)(rng_);
  const std::string errors = ApplyGrudge(CompleteGrudge(cluster_.ids(), IsolateNode(cluster_.ids(), id)));
  const std::string detail = NodeText(id) + " cut off until the others snapshot, then rejoins over a " +
                             std::to_string(delay_ms) + " ms link";
  recorder_.Nemesis(true, name, detail + errors);
  return {0, name, detail, [this, id, delay_ms] {
            // The servers keep compaction_lag entries behind a snapshot for slow followers:
            // write more than that first so the cut-off one falls off every group's log.
            FillLog(options_.compaction_lag + 100);
            (void)SnapshotEveryGroup(id);
            admin::LinkFault slow;
            slow.set_peer(id);
            slow.set_delay_ms(delay_ms);
            links_used_ = true;
            for (uint64_t other : cluster_.ids()) {
              if (other != id && Reachable(other)) (void)Admin().SetLinkFaults(cluster_.endpoint(other), {slow});
            }
            for (uint64_t node : cluster_.ids()) {
              if (Reachable(node)) (void)Admin().Heal(cluster_.endpoint(node));
            }
            // The fault ends once the installs are done (or a bound passed): a fault drawn
            // next does not cut them short.
            (void)WatchCatchUp(Raftlab(), kSnapshotInstallWaitS);
            HealNetwork();
          }};
}

Nemesis::ActiveFault Nemesis::StartPowerLossFault(const std::string& name, milliseconds) {
  if (options_.power_disks == nullptr) {
    recorder_.Nemesis(true, name, "skipped: the data directories are not on raftlab-powerfs");
    recorder_.Nemesis(false, name, "skipped");
    return {};
  }
  PowerLossFault f = StartPowerLoss(name, cluster_, *options_.power_disks, recorder_, rng_);
  ActiveFault a{0, name, f.detail, std::move(f.undo)};
  a.stops_any = true;
  return a;
}

void Nemesis::FillLog(uint64_t entries) {
  client::KvClientOptions o;
  o.endpoints = cluster_.endpoints();
  o.timeout = milliseconds(2000);
  auto kv = client::KvClient::Create(o);
  if (!kv.ok()) return;
  // Keys outside every workload's key space, so no history sees them; with several groups,
  // each key starts with a byte in the middle of its group's share of an even split.
  const int groups = std::max(1, options_.groups);
  constexpr int kWriters = 16;
  const uint64_t total = entries * static_cast<uint64_t>(groups);
  // Without a quorum (another fault cut off a second node) the writes cannot commit: give up.
  const auto deadline = std::chrono::steady_clock::now() + kFillLogBound;
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      for (uint64_t i = static_cast<uint64_t>(w); i < total && std::chrono::steady_clock::now() < deadline;
           i += kWriters) {
        // Each writer moves through the groups, so every group's entries commit in batches.
        const int g = static_cast<int>(i / kWriters % static_cast<uint64_t>(groups));
        const std::string prefix = groups == 1 ? "" : std::string(1, static_cast<char>((2 * g + 1) * 256 / (2 * groups)));
        (void)(*kv)->Put(prefix + "nemesis/fill/" + std::to_string(i / static_cast<uint64_t>(groups) % 64), "x");
      }
    });
  }
  for (auto& t : writers) t.join();
}

void Nemesis::HealAll() {
  StopAll();
  for (uint64_t id : cluster_.ids()) {
    if (cluster_.Paused(id)) (void)cluster_.Resume(id);
    if (!cluster_.Running(id)) Revive(id, "");
  }
  if (cluster_.network() != nullptr) (void)cluster_.network()->Heal();
  if (cluster_.raftlab() == nullptr) return;
  // A restarted node may need a moment before its Admin service answers.
  for (uint64_t id : cluster_.ids()) {
    const std::string ep = cluster_.endpoint(id);
    for (int attempt = 0; attempt < 20; ++attempt) {
      if (Admin().Heal(ep).ok()) break;
      std::this_thread::sleep_for(milliseconds(100));
    }
    if (links_used_) (void)Admin().SetLinkFaults(ep, {});
    if (clock_used_) (void)Admin().SetClock(ep, 0, 1.0);
    for (const auto& p : fiu_points_used_) (void)Admin().DisableFault(ep, p);
    (void)Admin().Stall(ep, 0, 1);
  }
}

}  // namespace raftlab::harness
