#include "server/engine/scenario_engine.h"

#include <cstdlib>
#include <filesystem>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "server/engine/durable_log.h"
#include "server/engine/lease_tracker.h"

namespace raftlab::engine {
namespace {

using raft::scenario::Command;
using raft::scenario::Lines;
using std::chrono::milliseconds;

constexpr milliseconds kTick{100};
constexpr milliseconds kLeaseMargin{100};

// A node's storage as the server keeps it: DurableLog over its own directory.
class DurableStore final : public raft::scenario::NodeStore {
 public:
  explicit DurableStore(DurableLogOptions options) : options_(std::move(options)) {}
  absl::Status Open() {
    log_.reset();
    auto log = DurableLog::Open(options_);
    if (!log.ok()) return log.status();
    log_ = std::move(*log);
    return absl::OkStatus();
  }
  raft::MemoryStorage& storage() override { return log_->storage(); }
  absl::Status Persist(const raft::Ready& rd) override { return log_->Persist(rd); }
  absl::Status SaveSnapshot(uint64_t index, const raftpb::ConfState& cs,
                            std::string image) override {
    return log_->SaveLocalSnapshot(index, cs, std::move(image));
  }
  absl::Status Reopen() override { return Open(); }

 private:
  DurableLogOptions options_;
  std::unique_ptr<DurableLog> log_;
};

class EngineScenarioEnv final : public raft::scenario::Env {
 public:
  explicit EngineScenarioEnv(std::string root) : root_(std::move(root)) {
    SetStoreFactory(
        [this](uint64_t id) -> absl::StatusOr<std::unique_ptr<raft::scenario::NodeStore>> {
          DurableLogOptions options;
          options.dir = root_ + "/node" + std::to_string(id);
          // Compact right up to a local snapshot, so a lagging follower needs MsgSnap.
          options.compaction_lag = 0;
          auto store = std::make_unique<DurableStore>(options);
          if (auto s = store->Open(); !s.ok()) return s;
          return store;
        });
    AddReadyObserver([this](uint64_t id, const raft::Ready& rd, const raft::Raft& r, Lines&) {
      OnReady(id, rd, r);
    });
    AddRestartObserver([this](uint64_t id) { trackers_.erase(id); });
    AddCommand("advance-clock", [this](const Command& c) -> absl::StatusOr<std::string> {
      auto ms = c.Uint("ms", 0);
      if (!ms.ok()) return ms.status();
      if (*ms == 0 || !c.args.empty())
        return absl::InvalidArgumentError(c.Where() + "usage: advance-clock ms=N (N > 0)");
      now_ += milliseconds(*ms);
      return absl::StrCat("now ", std::chrono::duration_cast<milliseconds>(now_).count(), "ms");
    });
    AddCommand("lease-check", [this](const Command& c) { return LeaseCheck(c); });
  }

  ~EngineScenarioEnv() override {
    DropNodes();
    std::error_code ec;
    std::filesystem::remove_all(root_, ec);
  }

 private:
  // The calls GroupEngine::HandleReady makes, in its order: the rounds of this Ready are
  // stamped as sent now, then the Ready's lease state is reported.
  void OnReady(uint64_t id, const raft::Ready& rd, const raft::Raft& r) {
    auto it = trackers_.find(id);
    if (it == trackers_.end()) {
      const Nanos election = kTick * r.config().election_tick;
      it = trackers_.emplace(id, std::make_unique<LeaseTracker>(election, kLeaseMargin)).first;
    }
    LeaseTracker& lease = *it->second;
    if (rd.heartbeat_round > 0) lease.OnRoundSent(rd.term, rd.heartbeat_round, now_);
    const bool leader = r.state() == raft::StateType::kLeader;
    lease.OnReady(rd.term, leader, rd.lease_round, rd.committed_in_term,
                  rd.lead_transferee != 0 || rd.lease_void);
  }

  absl::StatusOr<std::string> LeaseCheck(const Command& c) {
    auto ids = c.ArgIds();
    if (!ids.ok()) return ids.status();
    if (ids->empty()) return absl::InvalidArgumentError(c.Where() + "usage: lease-check ids...");
    Lines out;
    for (uint64_t id : *ids) {
      if (auto s = CheckNode(c, id); !s.ok()) return s;
      auto it = trackers_.find(id);
      if (node(id) == nullptr || it == trackers_.end()) {
        out.push_back(absl::StrCat(id, ": no tracker (crashed or no Ready since start)"));
        continue;
      }
      const LeaseOutcome outcome = it->second->Check(now_);
      std::string line = absl::StrCat(id, ": ", ToString(outcome));
      if (outcome == LeaseOutcome::kHit) {
        const auto left = std::chrono::duration_cast<milliseconds>(it->second->ExpiresAt() - now_);
        absl::StrAppend(&line, " (", left.count(), "ms left)");
      }
      out.push_back(line);
    }
    return absl::StrJoin(out, "\n");
  }

  std::string root_;
  Nanos now_{0};
  std::map<uint64_t, std::unique_ptr<LeaseTracker>> trackers_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<raft::scenario::Env>> NewEngineScenarioEnv() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "raftlab-scenario-XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr) {
    return absl::UnavailableError("cannot create a temporary directory from " + tmpl);
  }
  return std::make_unique<EngineScenarioEnv>(tmpl);
}

}  // namespace raftlab::engine
