#include "server/engine/ready_loop.h"

#include <algorithm>
#include <map>

#include "server/engine/group_engine.h"
#include "server/log/fail_stop.h"
#include "server/log/thread_name.h"

namespace raftlab::engine {
namespace {

double SecondsSince(ReadyLoop::Clock::time_point start) {
  return std::chrono::duration<double>(ReadyLoop::Clock::now() - start).count();
}

std::string GroupsOf(const std::vector<ReadyInFlight*>& readys) {
  std::string names;
  for (const ReadyInFlight* r : readys) names += (names.empty() ? "group " : ",") + std::to_string(r->engine->group_id());
  return names;
}

// Brackets one phase of a pass's sends in every outbox the pass's groups send through.
class SendPhase {
 public:
  explicit SendPhase(const std::vector<Outbox*>& outboxes) : outboxes_(outboxes) {
    for (Outbox* o : outboxes_) o->BeginSends();
  }
  ~SendPhase() {
    for (Outbox* o : outboxes_) o->EndSends();
  }
  SendPhase(const SendPhase&) = delete;
  SendPhase& operator=(const SendPhase&) = delete;

 private:
  const std::vector<Outbox*>& outboxes_;
};

// The wake-ups this thread holds back for one loop (a process may run several).
struct HeldWakes {
  const ReadyLoop* loop;
  int depth;
  bool owed;  // a group was queued on an empty queue: the loop sleeps until woken
};

thread_local std::vector<HeldWakes> held_wakes;

HeldWakes* HeldBy(const ReadyLoop* loop) {
  for (HeldWakes& h : held_wakes) {
    if (h.loop == loop) return &h;
  }
  return nullptr;
}

std::vector<Outbox*> OutboxesOf(const std::vector<GroupEngine*>& groups) {
  std::vector<Outbox*> outboxes;
  for (const GroupEngine* g : groups) {
    if (std::find(outboxes.begin(), outboxes.end(), g->outbox()) == outboxes.end()) outboxes.push_back(g->outbox());
  }
  return outboxes;
}

}  // namespace

ReadyLoop::ReadyLoop(ReadyLoopOptions options) : options_(std::move(options)) {}

ReadyLoop::~ReadyLoop() { Stop(); }

void ReadyLoop::Start() {
  thread_ = std::thread([this] {
    log::NameThisThread(options_.thread_name);
    Run();
  });
  ticker_thread_ = std::thread([this] {
    log::NameThisThread(options_.thread_name + "-tick");
    RunTicker();
  });
}

void ReadyLoop::Stop() {
  {
    std::lock_guard lock(ticker_wake_mu_);
    ticker_stopping_ = true;
  }
  ticker_cv_.notify_all();
  if (ticker_thread_.joinable()) ticker_thread_.join();
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void ReadyLoop::Enqueue(GroupEngine* group) {
  bool wake = false;
  {
    std::lock_guard lock(mu_);
    // The loop sleeps only on an empty queue: whoever queued first has woken it already
    // (or, holding wake-ups, owes it the wake).
    wake = queued_.empty();
    queued_.push_back(group);
  }
  if (!wake) return;
  if (HeldWakes* held = HeldBy(this)) {
    held->owed = true;
  } else {
    cv_.notify_one();
  }
}

void ReadyLoop::HoldWakes() {
  if (HeldWakes* held = HeldBy(this)) {
    ++held->depth;
  } else {
    held_wakes.push_back({this, 1, false});
  }
}

void ReadyLoop::ReleaseWakes() {
  auto it = std::find_if(held_wakes.begin(), held_wakes.end(), [this](const HeldWakes& h) { return h.loop == this; });
  if (it == held_wakes.end() || --it->depth > 0) return;
  const bool owed = it->owed;
  held_wakes.erase(it);
  if (owed) cv_.notify_one();
}

void ReadyLoop::RecheckStalls() {
  {
    std::lock_guard lock(mu_);
    for (const auto& [until, group] : stalled_) queued_.push_back(group);
    stalled_.clear();
  }
  cv_.notify_one();
}

bool ReadyLoop::sleeping() const {
  std::lock_guard lock(mu_);
  return waiting_ && queued_.empty();
}

void ReadyLoop::AddTicking(GroupEngine* group) {
  {
    std::lock_guard lock(ticking_mu_);
    ticking_.push_back(group);
  }
  WakeTicker();
}

void ReadyLoop::WakeTicker() {
  {
    std::lock_guard lock(ticker_wake_mu_);
    ticker_woken_ = true;
  }
  ticker_cv_.notify_one();
}

void ReadyLoop::Remove(GroupEngine* group) {
  {
    std::lock_guard lock(ticking_mu_);
    std::erase(ticking_, group);
  }
  std::lock_guard pass(pass_mu_);
  std::lock_guard lock(mu_);
  std::erase(queued_, group);
  std::erase_if(stalled_, [group](const auto& s) { return s.second == group; });
}

void ReadyLoop::RunTicker() {
  while (true) {
    std::chrono::nanoseconds sleep = kMaxTickerSleep;
    {
      // Groups whose timers fall in the same tick (aligned heartbeats) start one pass.
      HoldWakes();
      std::lock_guard lock(ticking_mu_);
      for (GroupEngine* g : ticking_) sleep = std::min(sleep, g->CountTicks());
    }
    ReleaseWakes();
    std::unique_lock lock(ticker_wake_mu_);
    if (!ticker_woken_ && !ticker_stopping_) ticker_cv_.wait_for(lock, sleep);
    if (ticker_stopping_) return;
    ticker_woken_ = false;
  }
}

void ReadyLoop::Run() {
  std::vector<GroupEngine*> groups;
  while (true) {
    {
      std::unique_lock lock(mu_);
      while (!stopping_ && queued_.empty()) {
        // A stalled group is taken up again when its stall ends.
        auto first = std::min_element(stalled_.begin(), stalled_.end());
        waiting_ = true;
        if (first == stalled_.end()) {
          cv_.wait(lock);
        } else if (Clock::now() >= first->first) {
          queued_.push_back(first->second);
          stalled_.erase(first);
        } else {
          cv_.wait_until(lock, first->first);
        }
        waiting_ = false;
      }
      if (stopping_) return;
    }
    if (options_.before_pass) options_.before_pass();
    std::lock_guard pass(pass_mu_);
    {
      std::lock_guard lock(mu_);
      groups.swap(queued_);
    }
    Pass(groups);
    groups.clear();
  }
}

void ReadyLoop::Pass(const std::vector<GroupEngine*>& groups) {
  std::vector<GroupEngine*> active;
  for (GroupEngine* g : groups) {
    Clock::time_point stalled_until;
    switch (g->TakeInput(&stalled_until)) {
      case GroupEngine::Intake::kTaken:
        active.push_back(g);
        break;
      case GroupEngine::Intake::kStalled: {
        std::lock_guard lock(mu_);
        stalled_.emplace_back(stalled_until, g);
        break;
      }
      case GroupEngine::Intake::kStopping:
        break;
    }
  }
  const std::vector<Outbox*> outboxes = OutboxesOf(active);
  std::vector<ReadyInFlight> readys;
  readys.reserve(active.size());
  while (true) {
    {
      SendPhase sends(outboxes);
      for (GroupEngine* g : active) {
        if (g->HasReady()) readys.push_back(g->BeginReady());
      }
    }
    if (readys.empty()) break;
    PersistAll(readys);
    {
      SendPhase sends(outboxes);
      for (ReadyInFlight& r : readys) r.engine->AfterPersist(r);
    }
    ApplyAll(readys);
    for (ReadyInFlight& r : readys) r.engine->FinishReady(r);
    readys.clear();
  }
  for (GroupEngine* g : active) g->EndPass();
}

void ReadyLoop::PersistAll(std::vector<ReadyInFlight>& readys) {
  // Groups of one loop normally share the node's WAL; tests may give each its own.
  std::map<storage::NodeWal*, std::vector<ReadyInFlight*>> by_wal;
  for (ReadyInFlight& r : readys) {
    if (r.append.has_value()) by_wal[r.wal].push_back(&r);
  }
  for (auto& [wal, group_readys] : by_wal) {
    std::vector<storage::GroupAppend> appends;
    appends.reserve(group_readys.size());
    for (ReadyInFlight* r : group_readys) appends.push_back(std::move(*r->append));  // used once
    const auto start = Clock::now();
    if (auto s = wal->AppendGroups(appends); !s.ok()) {
      log::FailStop(log::StopCause::kInvariant, "engine", "persist", GroupsOf(group_readys) + ": " + std::string(s.message()));
    }
    const double seconds = SecondsSince(start);
    for (ReadyInFlight* r : group_readys) r->persist_seconds += seconds;
  }
}

void ReadyLoop::ApplyAll(std::vector<ReadyInFlight>& readys) {
  std::map<storage::StateMachine*, std::vector<ReadyInFlight*>> by_fsm;
  for (ReadyInFlight& r : readys) {
    if (!r.rd.committed_entries.empty()) by_fsm[r.engine->state_machine()].push_back(&r);
  }
  for (auto& [fsm, group_readys] : by_fsm) {
    std::vector<storage::GroupEntries> groups;
    groups.reserve(group_readys.size());
    for (ReadyInFlight* r : group_readys) groups.push_back({r->engine->group_id(), r->rd.committed_entries});
    const auto start = Clock::now();
    auto results = fsm->ApplyGroups(groups);
    if (!results.ok()) {
      log::FailStop(log::StopCause::kIoError, "fsm", "apply", std::string(results.status().message()));
    }
    const double seconds = SecondsSince(start);
    for (size_t i = 0; i < group_readys.size(); ++i) {
      group_readys[i]->apply_results = std::move((*results)[i]);
      group_readys[i]->apply_seconds = seconds;
    }
  }
}

}  // namespace raftlab::engine
