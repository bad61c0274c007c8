#include "server/engine/read_coalescer.h"

#include <algorithm>
#include <cstdio>
#include <iterator>
#include <random>

namespace raftlab::engine {
namespace {

std::string ContextPrefix(uint64_t incarnation) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "read-%016llx-", static_cast<unsigned long long>(incarnation));
  return buf;
}

}  // namespace

ReadCoalescer::ReadCoalescer(int retry_ticks, uint64_t incarnation)
    : retry_ticks_(retry_ticks), context_prefix_(ContextPrefix(incarnation)) {}

uint64_t ReadCoalescer::RandomIncarnation() {
  std::random_device rd;
  return (static_cast<uint64_t>(rd()) << 32) ^ rd();
}

void ReadCoalescer::Run(std::vector<Completion>& completions) {
  for (auto& c : completions) c.done(c.outcome);
}

ReadJoin ReadCoalescer::Add(Clock::time_point deadline, Callback done) {
  std::lock_guard lock(mu_);
  const ReadJoin join = queued_.empty() ? ReadJoin::kStarted : ReadJoin::kJoined;
  queued_.push_back({deadline, std::move(done)});
  return join;
}

void ReadCoalescer::WaitApplied(uint64_t index, uint64_t applied, Clock::time_point deadline,
                                Callback done) {
  if (index <= applied) {
    done({ReadFailure::kNone, index});
    return;
  }
  std::vector<Completion> ready;
  {
    std::lock_guard lock(mu_);
    by_index_.emplace(index, Waiter{deadline, std::move(done)});
    // The apply loop may have passed index between the caller's sample and this insert.
    CollectApplied(applied_, ready);
  }
  Run(ready);
}

std::optional<std::string> ReadCoalescer::TakeRoundToIssue() {
  std::lock_guard lock(mu_);
  if (inflight_ctx_.has_value()) {
    if (inflight_age_ < retry_ticks_) return std::nullopt;
    // Unanswered for too long: issue again under a new context so a late answer to the old
    // one is ignored, and fold newly queued reads into it.
  } else if (queued_.empty()) {
    return std::nullopt;
  }
  inflight_.insert(inflight_.end(), std::make_move_iterator(queued_.begin()),
                   std::make_move_iterator(queued_.end()));
  queued_.clear();
  inflight_ctx_ = context_prefix_ + std::to_string(next_context_++);
  inflight_age_ = 0;
  return inflight_ctx_;
}

void ReadCoalescer::OnReadState(const std::string& context, uint64_t read_index,
                                uint64_t applied) {
  std::vector<Completion> done;
  {
    std::lock_guard lock(mu_);
    applied_ = std::max(applied_, applied);
    if (!inflight_ctx_.has_value() || *inflight_ctx_ != context) return;
    for (auto& w : inflight_) by_index_.emplace(read_index, std::move(w));
    inflight_.clear();
    inflight_ctx_.reset();
    CollectApplied(applied, done);
  }
  Run(done);
}

void ReadCoalescer::CollectApplied(uint64_t applied, std::vector<Completion>& out) {
  auto end = by_index_.upper_bound(applied);
  for (auto it = by_index_.begin(); it != end; ++it) {
    out.push_back({std::move(it->second.done), {ReadFailure::kNone, it->first}});
  }
  by_index_.erase(by_index_.begin(), end);
}

void ReadCoalescer::OnApplied(uint64_t applied) {
  std::vector<Completion> done;
  {
    std::lock_guard lock(mu_);
    applied_ = std::max(applied_, applied);
    CollectApplied(applied_, done);
  }
  Run(done);
}

void ReadCoalescer::Tick() {
  std::lock_guard lock(mu_);
  if (inflight_ctx_.has_value()) ++inflight_age_;
}

void ReadCoalescer::Expire(Clock::time_point now) {
  std::vector<Completion> done;
  {
    std::lock_guard lock(mu_);
    auto expire = [&](std::vector<Waiter>& v) {
      std::erase_if(v, [&](Waiter& w) {
        if (w.deadline >= now) return false;
        done.push_back({std::move(w.done), {ReadFailure::kTimeout, 0}});
        return true;
      });
    };
    expire(queued_);
    expire(inflight_);
    for (auto it = by_index_.begin(); it != by_index_.end();) {
      if (it->second.deadline < now) {
        done.push_back({std::move(it->second.done), {ReadFailure::kTimeout, 0}});
        it = by_index_.erase(it);
      } else {
        ++it;
      }
    }
  }
  Run(done);
}

void ReadCoalescer::AbortAll() {
  std::vector<Completion> done;
  {
    std::lock_guard lock(mu_);
    for (auto* v : {&queued_, &inflight_}) {
      for (auto& w : *v) done.push_back({std::move(w.done), {ReadFailure::kAborted, 0}});
      v->clear();
    }
    for (auto& [index, w] : by_index_) {
      done.push_back({std::move(w.done), {ReadFailure::kAborted, 0}});
    }
    by_index_.clear();
    inflight_ctx_.reset();
  }
  Run(done);
}

size_t ReadCoalescer::pending() const {
  std::lock_guard lock(mu_);
  return queued_.size() + inflight_.size() + by_index_.size();
}

}  // namespace raftlab::engine
