#include "harness/runner.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "harness/analysis.h"
#include "harness/availability.h"
#include "harness/catch_up.h"
#include "harness/cluster.h"
#include "harness/coverage.h"
#include "harness/election_safety.h"
#include "harness/etcd/etcd_cluster.h"
#include "harness/netns/netns_network.h"
#include "harness/leader_view.h"
#include "harness/nemesis.h"
#include "harness/power_loss.h"
#include "harness/recorder.h"
#include "harness/schedule.h"
#include "server/api/client/admin_client.h"
#include "server/api/client/kv_client.h"
#include "workloads/workload.h"

namespace raftlab::harness {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

constexpr milliseconds kHealthyTimeout{30000};
constexpr int kFinalReadAttempts = 5;
// Counters are scraped this often besides the start, each fault and the end, so a node's
// counts before a crash are kept.
constexpr milliseconds kCoverageScrapeEvery{2000};
constexpr milliseconds kLeaderPollEvery{25};

std::string ReadFileOrEmpty(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int HarnessError(const std::string& message) {
  std::fprintf(stderr, "raftlab-harness: error: %s\n", message.c_str());
  std::printf("error: %s\n", message.c_str());
  return 3;
}

std::string NowUtc() {
  std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

// Shared state of the main phase.
struct Shared {
  std::mutex gen_mu;
  std::mt19937_64 gen_rng;  // guarded by gen_mu
  std::atomic<uint64_t> ticket{0};
  std::atomic<int64_t> next_process{0};
  std::atomic<bool> done{false};
};

class Run {
 public:
  Run(const TestOptions& o, const std::atomic<bool>& stop) : o_(o), stop_(stop) {}
  int Go();

 private:
  void Worker(int w);
  workloads::Targets PickTargets(std::mt19937_64& rng);
  // Scrapes every reachable node into the coverage counters; with a label, also into
  // metrics/<label>-node<i>.prom.
  void Scrape(const std::string& label);
  absl::StatusOr<std::vector<ScheduledFault>> LoadSchedule();
  // Starts the system under test (and its network) and waits for a leader.
  absl::Status StartSystem();
  void RunSchedule(const std::vector<ScheduledFault>& schedule);
  void Progress(Clock::time_point start, bool final_line);
  void FinalReads();
  void OneOp(int64_t* process, const workloads::OpRequest& op, const workloads::Targets& targets);

  const TestOptions& o_;
  const std::atomic<bool>& stop_;
  std::unique_ptr<workloads::Workload> workload_;
  std::unique_ptr<HistoryRecorder> recorder_;
  std::unique_ptr<PowerDisks> disks_;  // outlives the cluster: servers die before unmounting
  std::unique_ptr<NetnsNetwork> network_;  // outlives the cluster: members die before it goes
  std::unique_ptr<SystemUnderTest> cluster_;
  std::unique_ptr<client::KvClient> kv_;
  std::unique_ptr<Nemesis> nemesis_;
  std::unique_ptr<LeaderView> leader_view_;
  std::unique_ptr<AvailabilityMonitor> availability_;
  CoverageCounters coverage_;
  std::vector<std::string> endpoints_;
  Shared shared_;
  Clock::time_point t0_, end_;
  // Progress: completions at the previous display, for ops/s.
  uint64_t last_done_ = 0;
  Clock::time_point last_display_;
};

void Run::OneOp(int64_t* process, const workloads::OpRequest& op, const workloads::Targets& targets) {
  recorder_->Invoke(*process, op);
  workloads::OpResult r = workload_->ExecuteAt(*kv_, op, targets);
  recorder_->Complete(*process, op, r, workloads::ReadModeName(workload_->read_mode()));
  // An op that may still take effect ends its process; a fresh one goes on.
  if (r.outcome == workloads::Outcome::kInfo) *process = shared_.next_process.fetch_add(1);
}

void Run::Worker(int w) {
  std::mt19937_64 rng(o_.seed * 1000003 + static_cast<uint64_t>(w));
  int64_t process = w;
  const double interval_ns = o_.rate > 0 ? 1e9 / o_.rate : 0;
  while (!stop_.load() && !shared_.done.load()) {
    if (interval_ns > 0) {
      // Slots missed while every worker was stuck (a fault) are skipped, not made up in a
      // burst afterwards: the ticket never lags the current slot.
      const auto slot_now = static_cast<uint64_t>(
          static_cast<double>(std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - t0_).count()) /
          interval_ns);
      uint64_t seen = shared_.ticket.load();
      while (seen < slot_now && !shared_.ticket.compare_exchange_weak(seen, slot_now)) {
      }
      const uint64_t t = shared_.ticket.fetch_add(1);
      const auto due = t0_ + std::chrono::nanoseconds(static_cast<int64_t>(interval_ns * static_cast<double>(t)));
      if (due >= end_) break;
      while (Clock::now() < due && !stop_.load() && !shared_.done.load()) {
        std::this_thread::sleep_for(std::min<Clock::duration>(due - Clock::now(), milliseconds(50)));
      }
    }
    if (Clock::now() >= end_ || stop_.load() || shared_.done.load()) break;
    workloads::OpRequest op;
    {
      std::lock_guard<std::mutex> l(shared_.gen_mu);
      op = workload_->Next(shared_.gen_rng);
    }
    OneOp(&process, op, PickTargets(rng));
  }
}

workloads::Targets Run::PickTargets(std::mt19937_64& rng) {
  workloads::Targets t;
  t.read = endpoints_[std::uniform_int_distribution<size_t>(0, endpoints_.size() - 1)(rng)];
  if (!leader_view_) return t;
  // Writes go to the newest leader as soon as one is seen, without a redirect round trip.
  t.write = leader_view_->LeaderEndpoint();
  const bool at_leader = o_.read_target == "leader" || (o_.read_target == "mixed" && (rng() & 1) != 0);
  if (at_leader) {
    if (std::string claimed = leader_view_->PickClaimedLeader(rng); !claimed.empty()) t.read = std::move(claimed);
  }
  return t;
}

void Run::Scrape(const std::string& label) {
  LocalCluster* raftlab = cluster_ ? cluster_->raftlab() : nullptr;
  if (raftlab == nullptr) return;
  std::error_code ec;
  if (!label.empty()) fs::create_directories(o_.out + "/metrics", ec);
  for (uint64_t id : cluster_->ids()) {
    if (!cluster_->Running(id) || cluster_->Paused(id)) continue;
    auto body = raftlab->HttpGet(id, "/metrics");
    if (body.ok()) coverage_.Observe(id, cluster_->starts(id), *body);
    if (label.empty()) continue;
    std::ofstream out(o_.out + "/metrics/" + label + "-node" + std::to_string(id) + ".prom");
    out << (body.ok() ? *body : "# scrape failed: " + std::string(body.status().message()) + "\n");
  }
}

absl::StatusOr<std::vector<ScheduledFault>> Run::LoadSchedule() {
  if (!o_.schedule_file.empty()) {
    std::ifstream in(o_.schedule_file);
    if (!in) return absl::NotFoundError("--schedule: cannot open " + o_.schedule_file);
    std::stringstream ss;
    ss << in.rdbuf();
    auto s = ParseScheduleJson(ss.str(), o_.schedule_file);
    if (!s.ok()) return s.status();
    for (const auto& f : *s) {
      const auto& known = NemesisNames();
      if (std::find(known.begin(), known.end(), f.fault) == known.end()) {
        return absl::InvalidArgumentError(o_.schedule_file + ": unknown fault \"" + f.fault + "\"");
      }
      if (auto ok = SupportsFault(o_.system, o_.network, f.fault); !ok.ok()) {
        return absl::InvalidArgumentError(o_.schedule_file + ": " + std::string(ok.message()));
      }
    }
    return s;
  }
  ScheduleOptions so;
  so.faults = o_.nemesis;
  so.time_limit_ms = static_cast<int64_t>(o_.time_limit_s * 1000);
  so.interval_ms = o_.nemesis_interval_ms;
  so.duration_ms = o_.nemesis_duration_ms;
  so.all_at_once = o_.nemesis_all_at_once;
  so.seed = o_.seed;
  return MakeSchedule(so);
}

// Runs the main phase's clock: starts and stops the scheduled faults on time, scrapes the
// counters, watches availability and shows progress, until the time limit or a stop.
void Run::RunSchedule(const std::vector<ScheduledFault>& schedule) {
  struct Pending {
    size_t index;
    int handle;
  };
  std::vector<Pending> running;
  size_t next = 0;
  auto last_scrape = Clock::now(), last_check = Clock::now();
  while (!stop_.load() && Clock::now() < end_) {
    const auto now = Clock::now();
    const int64_t at_ms = std::chrono::duration_cast<milliseconds>(now - t0_).count();
    if (nemesis_) {
      for (auto it = running.begin(); it != running.end();) {
        if (schedule[it->index].stop_ms <= at_ms) {
          nemesis_->Stop(it->handle);
          it = running.erase(it);
        } else {
          ++it;
        }
      }
      // A stop that took long (snapshot-install writes and waits) may leave later faults
      // overdue: one whose whole window has passed is skipped, not started in a burst.
      const int64_t after_stops_ms = std::chrono::duration_cast<milliseconds>(Clock::now() - t0_).count();
      while (next < schedule.size() && schedule[next].start_ms <= at_ms) {
        const auto& f = schedule[next];
        if (f.stop_ms > after_stops_ms) {
          running.push_back({next, nemesis_->Start(f.fault, milliseconds(f.stop_ms - after_stops_ms))});
        }
        ++next;
      }
    }
    if (availability_ && nemesis_ && now - last_check >= milliseconds(250)) {
      availability_->Check(*nemesis_);
      last_check = now;
    }
    if (now - last_scrape >= kCoverageScrapeEvery) {
      Scrape("");
      last_scrape = Clock::now();
    }
    Progress(t0_, false);
    std::this_thread::sleep_for(milliseconds(20));
  }
}

void Run::Progress(Clock::time_point start, bool final_line) {
  const auto now = Clock::now();
  const bool tty = o_.progress_tty;
  if (!final_line && now - last_display_ < (tty ? milliseconds(250) : milliseconds(5000))) return;
  const uint64_t done = recorder_->ok() + recorder_->fail() + recorder_->info();
  const double dt = std::chrono::duration<double>(now - last_display_).count();
  const double rate = dt > 0 ? static_cast<double>(done - last_done_) / dt : 0;
  last_done_ = done;
  last_display_ = now;
  const double elapsed = std::chrono::duration<double>(now - start).count();
  std::string faults = nemesis_ ? nemesis_->Active() : "";
  char line[512];
  std::snprintf(line, sizeof line, "[%6.1f/%.0f s] ok %llu fail %llu info %llu | %.0f ops/s | faults: %s", elapsed,
                o_.time_limit_s, static_cast<unsigned long long>(recorder_->ok()),
                static_cast<unsigned long long>(recorder_->fail()), static_cast<unsigned long long>(recorder_->info()),
                rate, faults.empty() ? "none" : faults.substr(0, 120).c_str());
  if (tty) {
    std::fprintf(stderr, "\r%s\x1b[K%s", line, final_line ? "\n" : "");
  } else {
    std::fprintf(stderr, "%s\n", line);
  }
  std::fflush(stderr);
}

void Run::FinalReads() {
  int64_t process = shared_.next_process.fetch_add(1);
  size_t rr = 0;
  for (const auto& op : workload_->FinalOps()) {
    for (int attempt = 0; attempt < kFinalReadAttempts && !stop_.load(); ++attempt) {
      const uint64_t before = recorder_->ok();
      // The final reads seek the leader on their own: the cluster is healed by now.
      OneOp(&process, op, workloads::Targets{endpoints_[rr++ % endpoints_.size()], ""});
      if (recorder_->ok() > before) break;
      std::this_thread::sleep_for(milliseconds(200));
    }
  }
}

absl::Status Run::StartSystem() {
  if (o_.network == "netns") {
    const bool delays = std::find(o_.nemesis.begin(), o_.nemesis.end(), "net-delay") != o_.nemesis.end();
    auto net = NetnsNetwork::Create(o_.nodes, delays);
    if (!net.ok()) return net.status();
    network_ = std::move(*net);
  }
  // Both systems keep member i's data in <out>/node<i>, the mountpoint of its disk.
  if (NeedsPowerDisks(o_.nemesis)) {
    auto disks = PowerDisks::Mount({"", o_.out, o_.nodes});
    if (!disks.ok()) return disks.status();
    disks_ = std::move(*disks);
  }
  if (o_.system == "etcd") {
    EtcdClusterOptions eo;
    if (o_.etcd_binary.empty()) {
      auto etcd = FindEtcd();
      if (!etcd.ok()) return etcd.status();
      eo.etcd_binary = *etcd;
    } else {
      eo.etcd_binary = o_.etcd_binary;
    }
    eo.run_dir = o_.out;
    eo.nodes = o_.nodes;
    eo.heartbeat_ms = o_.tick_ms * o_.heartbeat_ticks;
    eo.election_ms = o_.tick_ms * o_.election_ticks;
    eo.network = network_.get();
    auto cluster = EtcdCluster::Start(eo);
    if (!cluster.ok()) return cluster.status();
    cluster_ = std::move(*cluster);
  } else {
    ClusterOptions co;
    co.server_binary = o_.server_binary.empty() ? DefaultServerBinary() : o_.server_binary;
    co.run_dir = o_.out;
    co.nodes = o_.nodes;
    co.tick_ms = o_.tick_ms;
    co.election_ticks = o_.election_ticks;
    co.heartbeat_ticks = o_.heartbeat_ticks;
    co.settings.dispatcher_lanes = o_.dispatcher_lanes;
    co.settings.fsm_sync_mode = o_.fsm_sync_mode;
    co.settings.lease_margin_ms = o_.lease_margin_ms;
    co.snapshot_every = o_.snapshot_every;
    co.groups = o_.groups;
    co.compaction_lag = o_.compaction_lag;
    co.seed = o_.seed;
    co.network = network_.get();
    if (!o_.unsafe_bugs.empty()) co.settings.extra_args = {"--unsafe-bug", o_.unsafe_bugs};
    auto cluster = LocalCluster::Start(co);
    if (!cluster.ok()) return cluster.status();
    cluster_ = std::move(*cluster);
  }
  if (absl::Status s = cluster_->WaitHealthy(kHealthyTimeout); !s.ok()) return s;
  // A filesystem commits created directories at its next journal commit (ext4: on any
  // fsync, at the latest after 5 s); a member that never fsyncs them would otherwise lose
  // its whole bootstrap at the first power loss, hiding everything later.
  if (disks_ && !cluster_->SyncsItsBootstrap() && !o_.strict_bootstrap) return disks_->CheckpointAll();
  return absl::OkStatus();
}

int Run::Go() {
  std::error_code ec;
  fs::create_directories(o_.out, ec);
  if (ec) return HarnessError("--out: cannot create " + o_.out + ": " + ec.message());
  workloads::WorkloadOptions wo;
  wo.seed = o_.seed;
  wo.active_keys = o_.active_keys;
  wo.ops_per_key = o_.ops_per_key;
  wo.op_timeout = milliseconds(o_.op_timeout_ms);
  auto w = workloads::MakeWorkload(o_.workload, wo);
  if (!w.ok()) return HarnessError(std::string(w.status().message()));
  workload_ = std::move(*w);
  shared_.gen_rng.seed(o_.seed);

  std::string nemesis_csv;
  for (const auto& n : o_.nemesis) nemesis_csv += (nemesis_csv.empty() ? "" : ",") + n;
  nlohmann::json params = {{"workload", o_.workload},
                           {"model", checkers::ModelKindName(workload_->model())},
                           {"read_mode", workloads::ReadModeName(workload_->read_mode())},
                           {"nemesis", nemesis_csv.empty() ? "none" : nemesis_csv},
                           {"nemesis_interval_ms", o_.nemesis_interval_ms},
                           {"nemesis_duration_ms", o_.nemesis_duration_ms},
                           {"read_target", o_.read_target},
                           {"snapshot_every", o_.snapshot_every},
                           {"groups", o_.groups},
                           {"compaction_lag", o_.compaction_lag},
                           {"election_timeout_ms", o_.tick_ms * o_.election_ticks},
                           {"leaderless_timeouts", o_.leaderless_timeouts},
                           {"lease_margin_ms", o_.lease_margin_ms},
                           {"nodes", o_.nodes},
                           {"time_limit_s", o_.time_limit_s},
                           {"rate", o_.rate},
                           {"concurrency", o_.concurrency},
                           {"dispatcher_lanes", o_.dispatcher_lanes},
                           {"fsm_sync_mode", o_.fsm_sync_mode},
                           {"seed", o_.seed},
                           {"unsafe_bug", o_.unsafe_bugs},
                           {"system", o_.system},
                           {"network", o_.network},
                           {"strict_bootstrap", o_.strict_bootstrap},
                           {"op_timeout_ms", o_.op_timeout_ms},
                           {"command", o_.command},
                           {"started_at", NowUtc()}};
  auto write_params = [&] {
    std::ofstream(o_.out + "/params.json") << params.dump(2) << "\n";
  };
  write_params();
  std::ofstream(o_.out + "/command.txt") << o_.command << "\n";

  if (o_.endpoints.empty()) {
    if (auto st = StartSystem(); !st.ok()) return HarnessError(std::string(st.message()));
    endpoints_ = cluster_->endpoints();
    auto kv = cluster_->MakeKvClient(milliseconds(o_.op_timeout_ms));
    if (!kv.ok()) return HarnessError(std::string(kv.status().message()));
    kv_ = std::move(*kv);
  } else {
    endpoints_ = o_.endpoints;
    client::KvClientOptions ko;
    ko.endpoints = endpoints_;
    ko.timeout = milliseconds(o_.op_timeout_ms);
    auto kv = client::KvClient::Create(ko);
    if (!kv.ok()) return HarnessError(std::string(kv.status().message()));
    kv_ = std::move(*kv);
  }
  Scrape("start");

  // Time 0 of the history is here, when the cluster is healthy and the clients begin.
  auto rec = HistoryRecorder::Open(o_.out + "/history.jsonl");
  if (!rec.ok()) return HarnessError(std::string(rec.status().message()));
  recorder_ = std::move(*rec);
  auto schedule = LoadSchedule();
  if (!schedule.ok()) return HarnessError(std::string(schedule.status().message()));
  std::ofstream(o_.out + "/schedule.json") << ScheduleJson(*schedule) << "\n";
  if (cluster_) {
    NemesisOptions no;
    no.faults = o_.nemesis;
    no.fiu_point = o_.fiu_point;
    no.fiu_probability = o_.fiu_probability;
    no.crash_point = o_.crash_point;
    no.crash_probability = o_.crash_probability;
    no.election_timeout_ms = static_cast<int64_t>(o_.tick_ms) * o_.election_ticks;
    no.lease_margin_ms = o_.lease_margin_ms;
    no.seed = o_.seed;
    no.power_disks = disks_.get();
    no.groups = o_.groups;
    no.compaction_lag = o_.compaction_lag;
    nemesis_ = std::make_unique<Nemesis>(*cluster_, *recorder_, no, [this](const std::string& l) { Scrape(l); });
    // The view of who claims leadership asks raftlab's Admin API; etcd's members forward
    // writes to their leader themselves.
    if (cluster_->raftlab() != nullptr) {
      std::map<uint64_t, std::string> nodes;
      for (uint64_t id : cluster_->ids()) nodes[id] = cluster_->endpoint(id);
      leader_view_ = std::make_unique<LeaderView>(nodes, 1, kLeaderPollEvery);
    }
  }
  std::fprintf(stderr, "raftlab-harness: %zu nodes healthy; running %s for %.0f s (run folder %s)\n", endpoints_.size(),
               o_.workload.c_str(), o_.time_limit_s, o_.out.c_str());
  t0_ = Clock::now();
  last_display_ = t0_;
  end_ = t0_ + std::chrono::milliseconds(static_cast<int64_t>(o_.time_limit_s * 1000));
  shared_.next_process = o_.concurrency;
  std::vector<std::thread> workers;
  for (int i = 0; i < o_.concurrency; ++i) workers.emplace_back([this, i] { Worker(i); });

  if (cluster_) {
    AvailabilityOptions ao;
    ao.election_timeout_ms = static_cast<int64_t>(o_.tick_ms) * o_.election_ticks;
    ao.leaderless_timeouts = o_.leaderless_timeouts;
    ao.live_findings_path = o_.out + "/" + kLiveFindingsFile;
    availability_ = std::make_unique<AvailabilityMonitor>(*cluster_, ao, t0_);
  }
  RunSchedule(*schedule);
  shared_.done = true;
  for (auto& t : workers) t.join();
  Progress(t0_, true);

  const bool interrupted = stop_.load();
  nlohmann::json availability = nlohmann::json::object();
  if (!interrupted) {
    if (cluster_) {
      nemesis_->HealAll();
      absl::Status healthy = cluster_->WaitHealthy(kHealthyTimeout);
      if (!healthy.ok()) {
        std::fprintf(stderr, "raftlab-harness: after healing: %s\n", std::string(healthy.message()).c_str());
      }
      availability = availability_->Finish(nemesis_.get(), leader_view_.get(), healthy.ok(),
                                           std::string(healthy.message()));
      if (healthy.ok() && cluster_->raftlab() != nullptr) {
        // As long as a group may stay leaderless, a healed follower may take to catch up.
        const double bound_s = static_cast<double>(o_.tick_ms * o_.election_ticks * o_.leaderless_timeouts) / 1000;
        const std::vector<std::string> behind = WatchCatchUp(*cluster_->raftlab(), bound_s);
        for (const std::string& f : behind) {
          availability["findings"].push_back(f);
          availability_->AppendLive(f);
        }
        availability["not_caught_up"] = behind;
      }
    }
    FinalReads();
    Scrape("end");
  } else if (availability_) {
    availability = availability_->SoFar();
  }
  if (cluster_) {
    // Election Safety is read from raftlab-server's own log lines.
    if (cluster_->raftlab() != nullptr) {
      std::map<uint64_t, std::string> logs;
      for (uint64_t id : cluster_->ids()) logs[id] = ReadFileOrEmpty(o_.out + "/node" + std::to_string(id) + ".log");
      const std::vector<std::string> elections = ElectionSafetyViolations(logs);
      for (const std::string& f : elections) availability["findings"].push_back(f);
      availability["election_safety"] = elections;
    }
    nlohmann::json faults = nlohmann::json::object();
    for (const auto& [name, n] : nemesis_->counts()) faults[name] = n;
    nlohmann::json coverage = {{"counters", CoverageSummary(coverage_)},
                               {"faults_started", faults},
                               {"availability", availability}};
    std::ofstream(o_.out + "/coverage.json") << coverage.dump(2) << "\n";
  }
  leader_view_.reset();
  nemesis_.reset();
  cluster_.reset();  // kills every node
  network_.reset();
  disks_.reset();
  kv_.reset();
  if (auto s = recorder_->status(); !s.ok()) return HarnessError(std::string(s.message()));
  recorder_.reset();
  if (interrupted) {
    params["interrupted"] = true;
    write_params();
  }

  std::string summary;
  auto code = AnalyzeRunDir(o_.out, o_.check_timeout_s, &summary);
  if (!code.ok()) return HarnessError(std::string(code.status().message()));
  // libfiu's remote-control FIFOs are of no use once the servers are gone.
  for (const auto& e : fs::directory_iterator(o_.out, ec)) {
    if (e.path().filename().string().find(".fiu-") != std::string::npos) fs::remove(e.path(), ec);
  }
  if (*code == 0) {
    // The data directories are only needed to investigate a failure.
    for (int i = 1; i <= o_.nodes; ++i) {
      fs::remove_all(o_.out + "/node" + std::to_string(i), ec);
      fs::remove_all(o_.out + "/node" + std::to_string(i) + ".disk", ec);
    }
  }
  std::printf("report: %s/report.html\n", o_.out.c_str());
  if (interrupted) {
    std::printf("interrupted; the recorded prefix checks as: %s\n", summary.c_str());
    return 3;
  }
  std::printf("%s\n", summary.c_str());
  return *code;
}

}  // namespace

std::string DefaultServerBinary() {
  char buf[4096];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  if (n <= 0) return "raftlab-server";
  fs::path self(std::string(buf, static_cast<size_t>(n)));
  // build/harness/raftlab-harness -> build/server/api/raftlab-server
  for (const fs::path& candidate : {self.parent_path() / "raftlab-server",
                                    self.parent_path().parent_path() / "server/api/raftlab-server"}) {
    if (fs::exists(candidate)) return candidate.string();
  }
  return "raftlab-server";
}

int RunTest(const TestOptions& options, const std::atomic<bool>& stop) {
  Run run(options, stop);
  return run.Go();
}

}  // namespace raftlab::harness
