#include "server/engine/group_engine.h"

#include <algorithm>
#include <future>
#include <thread>

#include "faults/bugs.h"
#include "faults/crash_point.h"
#include "server/log/fail_stop.h"
#include "server/log/log.h"
#include "server/raft/check.h"
#include "server/raft/errors.h"

namespace raftlab::engine {
namespace {

using std::chrono::duration;
using Nanos = std::chrono::nanoseconds;

// How long a node crashing after granting a vote waits for the dispatcher to send it.
constexpr int kVoteLingerMs = 30;

// While requests wait, the loop runs at least every this many ticks to expire them.
constexpr int kBusyTickStride = 5;

double SecondsSince(GroupEngine::Clock::time_point start) {
  return duration<double>(GroupEngine::Clock::now() - start).count();
}

// A broken invariant between the engine and its own log: continuing could corrupt data.
// (The WAL's own write and fsync errors fail-stop inside the WAL, as I/O errors.)
[[noreturn]] void Fatal(uint64_t group, const char* what, const absl::Status& s) {
  log::FailStop(log::StopCause::kInvariant, "engine", what,
                "group " + std::to_string(group) + ": " + std::string(s.message()));
}

ReadResult ResultOf(const ReadOutcome& o, ReadPath path) {
  if (o.ok()) return {ReadResult::Code::kOk, path, o.read_index};
  return {o.failure == ReadFailure::kTimeout ? ReadResult::Code::kTimeout : ReadResult::Code::kAborted, path,
          o.read_index};
}

void RaftInvariantViolated(const char* text) {
  log::FailStop(log::StopCause::kInvariant, "raft", "invariant", text);
}

}  // namespace

absl::StatusOr<std::unique_ptr<GroupEngine>> GroupEngine::Open(GroupEngineOptions options,
                                                               storage::StateMachine* fsm,
                                                               Outbox* outbox, faults::Clock* clock,
                                                               EngineMetrics* metrics) {
  raft::SetInvariantHandler(&RaftInvariantViolated);  // process-wide, idempotent
  std::unique_ptr<GroupEngine> e(new GroupEngine(std::move(options), fsm, outbox, clock, metrics));
  const GroupEngineOptions& o = e->options_;
  DurableLogOptions log_options;
  log_options.dir = o.dir;
  log_options.group_id = o.group_id;
  log_options.node_wal = o.node_wal;
  log_options.compaction_lag = o.compaction_lag;
  auto log = DurableLog::Open(log_options);
  if (!log.ok()) return log.status();
  e->log_ = std::move(*log);
  if (auto s = fsm->AddGroup(o.group_id); !s.ok()) return s;
  auto fsm_applied = fsm->AppliedIndex(o.group_id);
  if (!fsm_applied.ok()) return fsm_applied.status();
  const raftpb::Snapshot& snap = e->log_->recovered_snapshot();
  const uint64_t snap_index = snap.metadata().index();
  if (snap_index > *fsm_applied) {
    // The state machine lost writes (nosync + power loss) or never saw this snapshot.
    if (auto s = fsm->InstallSnapshot(o.group_id, snap.data()); !s.ok()) return s;
    fsm_applied = snap_index;
  }

  raft::Config config;
  config.id = o.node_id;
  config.election_tick = o.election_ticks;
  config.heartbeat_tick = o.heartbeat_ticks;
  config.storage = &e->log_->storage();
  // Replay from the snapshot so configuration changes after it are re-applied; the state
  // machine skips the data entries it already holds.
  config.applied = snap_index;
  config.voters = o.voters;
  config.max_size_per_msg = o.max_size_per_msg;
  config.max_uncommitted_entries_size = o.max_uncommitted_entries_size;
  config.max_inflight_msgs = o.max_inflight_msgs;
  config.check_quorum = true;
  config.pre_vote = true;
  config.empty_append_on_commit = false;
  config.rng_seed = o.rng_seed != 0 ? o.rng_seed : (o.node_id * 7919 + o.group_id);
  config.unsafe_read_index_without_quorum = faults::BugOn(faults::Bug::kReadIndexWithoutQuorum);
  config.unsafe_heartbeat_commit_beyond_match = faults::BugOn(faults::Bug::kHeartbeatCommitBeyondMatch);
  auto node = raft::RawNode::Create(std::move(config));
  if (!node.ok()) return node.status();
  e->node_ = std::move(*node);

  auto initial = e->log_->storage().GetInitialState();
  if (initial.ok() && initial->conf_state.voters_size() > 0) {
    e->conf_state_ = initial->conf_state;
  } else {
    for (uint64_t v : o.voters) e->conf_state_.add_voters(v);
  }
  e->applied_ = *fsm_applied;
  e->events_.LogRecovered(e->node_->raft(), e->log_->recovery_report(), e->applied_, e->log_->snapshot_index());
  e->Publish();
  return e;
}

GroupEngine::GroupEngine(GroupEngineOptions options, storage::StateMachine* fsm, Outbox* outbox,
                         faults::Clock* clock, EngineMetrics* metrics)
    : options_(std::move(options)),
      fsm_(fsm),
      outbox_(outbox),
      clock_(clock),
      metrics_(metrics),
      gm_(metrics->ForGroup(options_.group_id)),
      lease_(options_.tick * options_.election_ticks, options_.lease_margin),
      events_(options_.group_id, options_.node_id),
      reads_(options_.read_retry_ticks),
      snapshot_worker_(std::make_unique<SnapshotWorker>(
          [this](BuiltSnapshot built) { Post(std::move(built)); }, options_.snapshot_step_hook)),
      own_loop_(options_.ready_loop != nullptr
                    ? nullptr
                    : std::make_unique<ReadyLoop>(ReadyLoopOptions{"ready-g" + std::to_string(options_.group_id), {}})),
      loop_(options_.ready_loop != nullptr ? options_.ready_loop : own_loop_.get()) {}

GroupEngine::~GroupEngine() { Stop(); }

void GroupEngine::Start() {
  if (own_loop_) own_loop_->Start();
  {
    std::lock_guard lock(mu_);
    next_tick_ = TickAfter(clock_->Now());
    last_tick_ = static_cast<uint64_t>(next_tick_ / options_.tick) - 1;
  }
  loop_->Enqueue(this);  // queued_ is true until now: the first pass takes what came before
  loop_->AddTicking(this);
}

void GroupEngine::Stop() {
  {
    std::lock_guard lock(mu_);
    if (stopped_) return;
    stopped_ = true;
    stopping_ = true;
  }
  loop_->Remove(this);
  if (own_loop_) own_loop_->Stop();
  snapshot_worker_->Stop();  // its result, if any, was dropped by Post
  for (auto* waiters : {&snapshot_waiters_, &next_snapshot_waiters_}) {
    for (auto& done : *waiters) done(absl::CancelledError("engine stopped"));
    waiters->clear();
  }
  AbortPending();
  reads_.AbortAll();
  std::deque<Event> leftover;
  {
    std::lock_guard lock(mu_);
    leftover.swap(mailbox_);
  }
  for (auto& ev : leftover) {
    if (auto* p = std::get_if<ProposalIn>(&ev)) p->done(ProposeResult::Of(ProposeResult::Code::kAborted));
    if (auto* s = std::get_if<SnapshotNow>(&ev)) s->done(absl::CancelledError("engine stopped"));
  }
}

void GroupEngine::Post(Event event) {
  bool enqueue = false;
  {
    std::lock_guard lock(mu_);
    if (stopping_) {
      if (auto* p = std::get_if<ProposalIn>(&event)) {
        ProposeCallback done = std::move(p->done);
        mu_.unlock();
        done(ProposeResult::Of(ProposeResult::Code::kAborted));
        mu_.lock();
      }
      return;
    }
    mailbox_.push_back(std::move(event));
    enqueue = !queued_;
    queued_ = true;
  }
  if (enqueue) loop_->Enqueue(this);
}

void GroupEngine::Deliver(raftpb::Message message) { Post(std::move(message)); }
void GroupEngine::ReportUnreachable(uint64_t peer) { Post(Unreachable{peer}); }
void GroupEngine::ReportSnapshot(uint64_t peer, bool success) { Post(SnapStatus{peer, success}); }
void GroupEngine::TransferLeader(uint64_t target) { Post(Transfer{target}); }
void GroupEngine::Campaign() { Post(CampaignNow{}); }

void GroupEngine::Stall(std::chrono::milliseconds duration) {
  stall_until_.store((Clock::now() + duration).time_since_epoch().count());
  loop_->RecheckStalls();  // a shortened stall ends now
}

void GroupEngine::Propose(storage::KvCommand command, Clock::time_point deadline, ProposeCallback done) {
  if (!is_leader()) {
    gm_->proposals_refused->Inc();
    done(ProposeResult::Of(ProposeResult::Code::kNotLeader, leader_id(), term_.load()));
    return;
  }
  Post(ProposalIn{storage::EncodeKvCommand(command), false, deadline, std::move(done), Clock::now()});
}

void GroupEngine::ProposeConfChange(raftpb::ConfChange change, Clock::time_point deadline,
                                    ProposeCallback done) {
  Post(ProposalIn{change.SerializeAsString(), true, deadline, std::move(done), Clock::now()});
}

LeaseOutcome GroupEngine::LeaseCheck() const {
  // One sample of the (skewable) clock per check.
  return lease_pub_.Read().At(clock_->Now());
}

void GroupEngine::Read(ReadMode mode, Clock::time_point deadline, ReadCallback done) {
  if (mode == ReadMode::kStale || (faults::BugOn(faults::Bug::kFollowerLocalRead) && !is_leader())) {
    done({ReadResult::Code::kOk, mode == ReadMode::kStale ? ReadPath::kStale : ReadPath::kReadIndex,
          applied_pub_.load()});
    return;
  }
  ReadPath path = ReadPath::kReadIndex;
  if (mode == ReadMode::kLease) {
    const LeaseSnapshot lease = lease_pub_.Read();
    const LeaseOutcome outcome = lease.At(clock_->Now());
    gm_->LeaseRead(outcome)->Inc();
    if (outcome == LeaseOutcome::kHit) {
      // Serve at the commit index published with the lease, once applied: a new leader may
      // not yet have applied entries committed by its predecessors.
      reads_.WaitApplied(lease.commit_index, applied_pub_.load(), deadline,
                         [done = std::move(done)](const ReadOutcome& o) { done(ResultOf(o, ReadPath::kLease)); });
      return;
    }
    path = ReadPath::kLeaseFallback;
  }
  const ReadJoin join = reads_.Add(
      deadline, [done = std::move(done), path](const ReadOutcome& o) { done(ResultOf(o, path)); });
  (join == ReadJoin::kStarted ? gm_->read_index_started : gm_->read_index_joined)->Inc();
  Post(Wake{});
}

absl::StatusOr<uint64_t> GroupEngine::TriggerSnapshot(std::chrono::milliseconds timeout) {
  auto promise = std::make_shared<std::promise<absl::StatusOr<uint64_t>>>();
  auto future = promise->get_future();
  Post(SnapshotNow{[promise](absl::StatusOr<uint64_t> r) { promise->set_value(std::move(r)); }});
  if (future.wait_for(timeout) != std::future_status::ready) {
    return absl::DeadlineExceededError("snapshot did not finish in time");
  }
  return future.get();
}

Nanos GroupEngine::TickAfter(Nanos t) const {
  const Nanos tick = options_.tick;
  return (t / tick + 1) * tick;
}

std::chrono::nanoseconds GroupEngine::CountTicks() {
  const Nanos tick = options_.tick;
  std::lock_guard lock(mu_);
  if (stopping_) return ReadyLoop::kMaxTickerSleep;
  const Nanos now = clock_->Now();
  while (now >= next_tick_) {
    ++ticks_counted_;
    last_tick_ = static_cast<uint64_t>(next_tick_ / tick);
    // Ticks missed while the loop was stalled are kept, but not more than an election's worth.
    pending_ticks_ = std::min(pending_ticks_ + 1, options_.election_ticks);
    next_tick_ += tick;
    if (next_tick_ + tick * options_.election_ticks < now) next_tick_ = TickAfter(now);
  }
  if (pending_ticks_ > 0 && ticks_counted_ >= wake_at_tick_ && !queued_) {
    queued_ = true;
    loop_->Enqueue(this);
  }
  // Sleep until the tick the loop waits for, on the (skewable) clock, but never long in
  // real time: the clock's rate may change meanwhile.
  const uint64_t ahead = wake_at_tick_ > ticks_counted_ + 1 ? wake_at_tick_ - ticks_counted_ - 1 : 0;
  ticker_wakes_at_ = ticks_counted_ + ahead + 1;
  const double rate = std::max(clock_->rate(), 1e-3);
  const Nanos left = next_tick_ + tick * static_cast<int64_t>(ahead) - now;
  const auto wait = std::min<Nanos>(Nanos(static_cast<int64_t>(left.count() / rate)), ReadyLoop::kMaxTickerSleep);
  return std::max<Nanos>(wait, std::chrono::microseconds(50));
}

int GroupEngine::TicksUntilDue() const {
  int due = node_->raft().TicksUntilTimer();
  // Waiting requests are checked for their deadlines (and read rounds for their retry)
  // every few ticks.
  if (!pending_.empty() || reads_.pending() > 0) due = std::min(due, kBusyTickStride);
  // Never more than the ticker keeps for the loop (it caps pending_ticks_).
  return std::clamp(due, 1, std::max(options_.election_ticks - 1, 1));
}

GroupEngine::Intake GroupEngine::TakeInput(Clock::time_point* stalled_until) {
  int ticks = 0;
  {
    std::lock_guard lock(mu_);
    if (stopping_) return Intake::kStopping;
    // A Stall() holds the group (still queued) while Post and the ticker keep queueing.
    const Clock::time_point until{Clock::duration(stall_until_.load())};
    if (Clock::now() < until) {
      *stalled_until = until;
      return Intake::kStalled;
    }
    queued_ = false;
    intake_.swap(mailbox_);
    ticks = pending_ticks_;
    pending_ticks_ = 0;
    ticks_taken_ = ticks_counted_;
    last_tick_taken_ = last_tick_;
  }
  for (int i = 0; i < ticks; ++i) {
    node_->Tick();
    reads_.Tick();
  }
  if (ticks > 0) {
    const auto now = Clock::now();
    ExpirePending(now);
    reads_.Expire(now);
  }
  HandleIntake();
  intake_.clear();
  if (auto ctx = reads_.TakeRoundToIssue()) {
    if (auto s = node_->ReadIndex(std::move(*ctx)); !s.ok()) {
      // Dropped (e.g. no leader known): the round is retried after read_retry_ticks.
    }
  }
  return Intake::kTaken;
}

void GroupEngine::EndPass() {
  const uint64_t wake_at = ticks_taken_ + static_cast<uint64_t>(TicksUntilDue());
  std::lock_guard lock(mu_);
  wake_at_tick_ = wake_at;
  if (wake_at < ticker_wakes_at_) loop_->WakeTicker();  // due sooner than it planned
  if (!queued_ && !stopping_ && pending_ticks_ > 0 && ticks_counted_ >= wake_at) {
    queued_ = true;
    loop_->Enqueue(this);
  }
}

void GroupEngine::Handle(Event& event) {
  std::visit(
      [&](auto& ev) {
        using T = std::decay_t<decltype(ev)>;
        if constexpr (std::is_same_v<T, raftpb::Message>) {
          events_.OnInbound(ev);
          (void)node_->Step(std::move(ev));  // stale or foreign messages are refused harmlessly
        } else if constexpr (std::is_same_v<T, ProposalIn>) {
          HandleProposal(ev);
        } else if constexpr (std::is_same_v<T, Wake>) {
          // A wake-up so that newly queued reads start a round.
        } else if constexpr (std::is_same_v<T, Unreachable>) {
          node_->ReportUnreachable(ev.peer);
        } else if constexpr (std::is_same_v<T, SnapStatus>) {
          node_->ReportSnapshot(ev.peer, ev.success);
        } else if constexpr (std::is_same_v<T, Transfer>) {
          node_->TransferLeader(ev.target);
        } else if constexpr (std::is_same_v<T, CampaignNow>) {
          (void)node_->Campaign();
        } else if constexpr (std::is_same_v<T, SnapshotNow>) {
          RequestSnapshot(std::move(ev.done));
        } else if constexpr (std::is_same_v<T, BuiltSnapshot>) {
          OnSnapshotBuilt(ev);
        }
      },
      event);
}

void GroupEngine::HandleIntake() {
  std::vector<ProposalIn*> proposals;
  for (auto& ev : intake_) {
    if (auto* p = std::get_if<ProposalIn>(&ev); p != nullptr && !p->conf_change) {
      proposals.push_back(p);
    } else {
      Handle(ev);
    }
  }
  HandleProposals(proposals);
}

void GroupEngine::HandleProposals(std::span<ProposalIn* const> batch) {
  if (batch.size() <= 1) {
    for (ProposalIn* p : batch) HandleProposal(*p);
    return;
  }
  const raft::Raft& r = node_->raft();
  if (r.state() != raft::StateType::kLeader) {
    for (ProposalIn* p : batch) HandleProposal(*p);  // each refused as not leader
    return;
  }
  std::vector<std::string> data;
  data.reserve(batch.size());
  for (ProposalIn* p : batch) data.push_back(std::move(p->data));
  const absl::Status s = node_->ProposeBatch(std::move(data));
  if (!s.ok()) {
    gm_->proposals_refused->Add(batch.size());
    const bool dropped = raft::Is(s, raft::RaftError::kProposalDropped);
    ProposeResult res = ProposeResult::Of(
        dropped ? ProposeResult::Code::kNotLeader : ProposeResult::Code::kRefused, r.lead(), r.term());
    res.error = std::string(s.message());
    for (ProposalIn* p : batch) p->done(res);
    return;
  }
  // The leader appended the batch, in order, at the end of its log, in its current term.
  uint64_t index = r.log().LastIndex() - batch.size();
  for (ProposalIn* p : batch) pending_[++index] = Pending{r.term(), p->deadline, std::move(p->done), p->started};
}

void GroupEngine::HandleProposal(ProposalIn& p) {
  const raft::Raft& r = node_->raft();
  if (r.state() != raft::StateType::kLeader) {
    gm_->proposals_refused->Inc();
    p.done(ProposeResult::Of(ProposeResult::Code::kNotLeader, r.lead(), r.term()));
    return;
  }
  absl::Status s;
  if (p.conf_change) {
    raftpb::ConfChange cc;
    cc.ParseFromString(p.data);
    s = node_->ProposeConfChange(cc);
  } else {
    s = node_->Propose(std::move(p.data));
  }
  if (!s.ok()) {
    gm_->proposals_refused->Inc();
    const bool dropped = raft::Is(s, raft::RaftError::kProposalDropped);
    ProposeResult res = ProposeResult::Of(
        dropped ? ProposeResult::Code::kNotLeader : ProposeResult::Code::kRefused, r.lead(), r.term());
    res.error = std::string(s.message());
    p.done(res);
    return;
  }
  // The leader appended the entry at the end of its log, in its current term.
  pending_[r.log().LastIndex()] = Pending{r.term(), p.deadline, std::move(p.done), p.started};
}

ReadyInFlight GroupEngine::BeginReady() {
  ReadyInFlight r;
  r.engine = this;
  r.rd = node_->GetReady();
  const raft::Ready& rd = r.rd;
  // Sampled before anything is sent: a round's lease runs from no later than its send.
  const Nanos sent_at = clock_->Now();
  events_.OnReady(rd, node_->raft());
  UpdateLease(rd, sent_at);

  // A leader replicates while it writes its own log: its entries count toward the commit
  // only after Advance (raw_node.h, MaySendBeforePersist); the rest vouches for what this
  // persist makes durable, so it waits.
  for (auto& m : r.rd.messages) {
    if (raft::MaySendBeforePersist(rd, m)) {
      outbox_->Send(options_.group_id, std::move(m));
      r.sent_early = true;
    } else {
      r.after_persist.push_back(std::move(m));
    }
  }
  r.persisted = rd.snapshot.has_value() || rd.must_sync || !rd.entries.empty();
  if (r.sent_early && r.persisted) CrashAfterSends(faults::kCrashBeforeWalSave);
  const auto start = Clock::now();
  auto append = log_->BeginPersist(rd);  // a snapshot from the leader is written here
  if (!append.ok()) Fatal(options_.group_id, "persist", append.status());
  r.append = std::move(*append);
  r.wal = log_->wal();
  r.persist_seconds = SecondsSince(start);  // the loop adds the WAL write's time
  return r;
}

void GroupEngine::AfterPersist(ReadyInFlight& r) {
  const raft::Ready& rd = r.rd;
  if (auto s = log_->EndPersist(rd); !s.ok()) Fatal(options_.group_id, "persist", s);
  if (!rd.entries.empty() && options_.on_persisted) options_.on_persisted(rd.entries.back().index());
  if (r.persisted) {
    gm_->wal_fsync_seconds->Observe(r.persist_seconds);
  } else if (rd.hard_state.has_value()) {
    gm_->wal_fsync_skipped->Inc();
  }

  faults::CrashAt(faults::kCrashAfterWalSave);
  const bool grants_vote = std::any_of(r.after_persist.begin(), r.after_persist.end(), [](const raftpb::Message& m) {
    return m.type() == raftpb::MsgVoteResp && !m.reject();
  });
  for (auto& m : r.after_persist) outbox_->Send(options_.group_id, std::move(m));
  if (r.sent_early || !r.after_persist.empty()) CrashAfterSends(faults::kCrashAfterSend);
  // The dispatcher sends asynchronously: linger so the granted vote reaches the candidate.
  if (grants_vote) CrashAfterSends(faults::kCrashAfterVote, kVoteLingerMs);

  if (rd.soft_state.has_value() && rd.soft_state->lead != last_leader_) {
    last_leader_ = rd.soft_state->lead;
    gm_->leader_changes->Inc();
    // The node's groups then beat in the same ticks: one batch per peer carries them all.
    if (rd.soft_state->state == raft::StateType::kLeader) node_->AlignHeartbeat(last_tick_taken_);
  }

  r.applied_before = applied_;
  if (rd.snapshot.has_value() && rd.snapshot->metadata().index() > applied_) {
    const uint64_t index = rd.snapshot->metadata().index();
    if (auto s = fsm_->InstallSnapshot(options_.group_id, rd.snapshot->data()); !s.ok()) {
      log::FailStop(log::StopCause::kIoError, "fsm", "install snapshot", std::string(s.message()));
    }
    applied_ = index;
    conf_state_ = rd.snapshot->metadata().conf_state();
    conf_changed_ = true;
    // Proposals in the replaced range: whether they made it is unknown here.
    for (auto it = pending_.begin(); it != pending_.end() && it->first <= index;) {
      it->second.done(ProposeResult::Of(ProposeResult::Code::kAborted));
      it = pending_.erase(it);
    }
  }
  if (!rd.committed_entries.empty()) faults::CrashAt(faults::kCrashBeforeApply);
}

void GroupEngine::FinishReady(ReadyInFlight& r) {
  const raft::Ready& rd = r.rd;
  if (!rd.committed_entries.empty()) {
    gm_->apply_seconds->Observe(r.apply_seconds);
    CompleteCommitted(rd.committed_entries, r.apply_results);
  }
  if (applied_ != r.applied_before && options_.on_applied) options_.on_applied(applied_);
  for (const auto& rs : rd.read_states) reads_.OnReadState(rs.context, rs.index, applied_);
  node_->Advance();
  Publish();
  if (!snapshot_in_flight_ && applied_ >= log_->snapshot_index() + options_.snapshot_every) {
    if (auto s = StartSnapshot(); !s.ok()) {
      RAFTLAB_LOG(kWarn, "snapshot_failed").Kv("group", options_.group_id).Kv("error", s);
    }
  }
}

void GroupEngine::CrashAfterSends(const faults::FaultPoint& point, int linger_ms) {
  if (!faults::ShouldFail(point)) return;
  // The loop's send phase holds the messages back: end it, so they leave as they would have
  // without the hold.
  outbox_->EndSends();
  if (linger_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(linger_ms));
  faults::CrashNow(point);
}

void GroupEngine::UpdateLease(const raft::Ready& rd, Nanos sent_at) {
  if (rd.heartbeat_round > 0) lease_.OnRoundSent(rd.term, rd.heartbeat_round, sent_at);
  const bool leader = node_->raft().state() == raft::StateType::kLeader;
  lease_.OnReady(rd.term, leader, rd.lease_round, rd.committed_in_term,
                 rd.lead_transferee != 0 || rd.lease_void, sent_at);
  // Before this Ready's messages leave: a lease that ended here (a transfer's MsgTimeoutNow
  // may be among them) must already be gone for every reader.
  PublishLease();
}

void GroupEngine::PublishLease() {
  lease_pub_.Publish({lease_.Standing(), lease_.ExpiresAt(), node_->raft().log().committed()});
  events_.OnLease(lease_.Check(clock_->Now()), node_->raft().term());
}

void GroupEngine::CompleteCommitted(const std::vector<raftpb::Entry>& entries,
                                    const std::vector<storage::ApplyResult>& results) {
  for (size_t i = 0; i < entries.size(); ++i) {
    const raftpb::Entry& e = entries[i];
    if (e.type() == raftpb::EntryConfChange) {
      raftpb::ConfChange cc;
      if (cc.ParseFromString(e.data())) {
        conf_state_ = node_->ApplyConfChange(cc);
        conf_changed_ = true;
      }
    }
    CompleteApplied(e.index(), e.term(), i < results.size() ? &results[i] : nullptr);
  }
  applied_ = std::max(applied_, entries.back().index());
  reads_.OnApplied(applied_);
}

void GroupEngine::CompleteApplied(uint64_t index, uint64_t term, const storage::ApplyResult* result) {
  for (auto it = pending_.begin(); it != pending_.end() && it->first <= index;) {
    Pending& p = it->second;
    if (it->first == index && p.term == term) {
      gm_->proposal_seconds->Observe(SecondsSince(p.started));
      ProposeResult res = ProposeResult::Of(ProposeResult::Code::kApplied);
      if (result != nullptr) res.apply = *result;
      res.term = term;
      p.done(res);
    } else {
      p.done(ProposeResult::Of(ProposeResult::Code::kSuperseded, node_->raft().lead(), term));
    }
    it = pending_.erase(it);
  }
}

void GroupEngine::RequestSnapshot(SnapshotDone done) {
  if (snapshot_in_flight_) {
    next_snapshot_waiters_.push_back(std::move(done));
    return;
  }
  std::vector<SnapshotDone> waiters;
  waiters.push_back(std::move(done));
  StartSnapshotFor(std::move(waiters));
}

void GroupEngine::StartSnapshotFor(std::vector<SnapshotDone> waiters) {
  absl::StatusOr<uint64_t> result = applied_;  // nothing applied since the last snapshot
  if (applied_ > log_->snapshot_index()) {
    absl::Status s = StartSnapshot();
    if (s.ok()) {
      for (auto& done : waiters) snapshot_waiters_.push_back(std::move(done));
      return;
    }
    result = s;
  }
  for (auto& done : waiters) done(result);
}

absl::Status GroupEngine::StartSnapshot() {
  auto term = log_->storage().Term(applied_);
  if (!term.ok()) return term.status();
  auto image = fsm_->PinImage(options_.group_id);
  if (!image.ok()) return image.status();
  if ((*image)->applied_index() != applied_) {
    return absl::FailedPreconditionError("state machine at " + std::to_string((*image)->applied_index()) +
                                         " while the log is applied to " + std::to_string(applied_));
  }
  raftpb::SnapshotMetadata metadata;
  metadata.set_index(applied_);
  metadata.set_term(*term);
  *metadata.mutable_conf_state() = conf_state_;
  snapshot_in_flight_ = true;
  snapshot_worker_->Start(log_->snap_dir(), std::move(metadata), std::move(*image));
  return absl::OkStatus();
}

void GroupEngine::OnSnapshotBuilt(BuiltSnapshot& built) {
  snapshot_in_flight_ = false;
  const absl::StatusOr<uint64_t> result = FinishSnapshot(built);
  if (!result.ok()) {
    RAFTLAB_LOG(kWarn, "snapshot_failed").Kv("group", options_.group_id).Kv("error", result.status());
  }
  std::vector<SnapshotDone> waiters;
  waiters.swap(snapshot_waiters_);
  for (auto& done : waiters) done(result);
  // Requests made while this one was built want a snapshot at least as new as then.
  std::vector<SnapshotDone> next;
  next.swap(next_snapshot_waiters_);
  if (!next.empty()) StartSnapshotFor(std::move(next));
}

absl::StatusOr<uint64_t> GroupEngine::FinishSnapshot(BuiltSnapshot& built) {
  if (!built.status.ok()) return built.status;
  const uint64_t index = built.metadata.index();
  // A snapshot from the leader installed meanwhile covers this one: nothing to record.
  if (index <= log_->snapshot_index()) return index;
  if (auto s = log_->RecordLocalSnapshot(built.metadata, std::move(built.image)); !s.ok()) return s;
  snapshot_index_.store(log_->snapshot_index(), std::memory_order_release);
  gm_->snapshots->Inc();
  events_.OnSnapshotTaken(index);
  if (options_.snapshot_step_hook) options_.snapshot_step_hook(SnapshotStep::kMarkerSaved);
  faults::CrashAt(faults::kCrashAfterSnapshotSave);
  return index;
}

void GroupEngine::ExpirePending(Clock::time_point now) {
  for (auto it = pending_.begin(); it != pending_.end();) {
    if (it->second.deadline < now) {
      it->second.done(ProposeResult::Of(ProposeResult::Code::kTimeout));
      it = pending_.erase(it);
    } else {
      ++it;
    }
  }
}

void GroupEngine::AbortPending() {
  for (auto& [index, p] : pending_) p.done(ProposeResult::Of(ProposeResult::Code::kAborted));
  pending_.clear();
}

void GroupEngine::Publish() {
  const raft::Raft& r = node_->raft();
  const bool leader = r.state() == raft::StateType::kLeader;
  PublishLease();
  commit_.store(r.log().committed(), std::memory_order_release);
  applied_pub_.store(applied_, std::memory_order_release);
  term_.store(r.term(), std::memory_order_release);
  role_.store(static_cast<int>(r.state()), std::memory_order_release);
  snapshot_index_.store(log_->snapshot_index(), std::memory_order_release);
  leader_.store(r.lead(), std::memory_order_release);
  if (conf_changed_) {
    std::lock_guard lock(conf_mu_);
    conf_pub_ = conf_state_;
    conf_changed_ = false;
  }
  gm_->term->Set(static_cast<double>(r.term()));
  gm_->commit_index->Set(static_cast<double>(r.log().committed()));
  gm_->applied_index->Set(static_cast<double>(applied_));
  gm_->is_leader->Set(leader ? 1 : 0);
}

GroupStatusView GroupEngine::Status() const {
  GroupStatusView v;
  v.group_id = options_.group_id;
  v.term = term_.load();
  v.leader_id = leader_.load();
  v.role = static_cast<raft::StateType>(role_.load());
  v.commit_index = commit_.load();
  v.applied_index = applied_pub_.load();
  v.snapshot_index = snapshot_index_.load();
  v.lease_valid = LeaseCheck() == LeaseOutcome::kHit;
  std::lock_guard lock(conf_mu_);
  v.voters.assign(conf_pub_.voters().begin(), conf_pub_.voters().end());
  v.learners.assign(conf_pub_.learners().begin(), conf_pub_.learners().end());
  return v;
}

}  // namespace raftlab::engine
