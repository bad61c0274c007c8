#include "checkers/linearizability.h"

#include <atomic>
#include <thread>

#include "checkers/precheck.h"
#include "checkers/zone.h"

namespace raftlab::checkers {

namespace {

// A pre-check or zone witness says why; a short bounded search over the ops invoked
// before the failed op returned adds the longest linearizable prefix and its state.
void AddSearchPrefix(const KeyOps& key, const SearchLimits& limits, Counterexample* cex) {
  int64_t cut = kPosInf;
  for (const RegOp& op : key.ops) {
    if (op.op == static_cast<uint32_t>(cex->failed_op)) cut = op.ret;
  }
  KeyOps sub;
  sub.key = key.key;
  for (const RegOp& op : key.ops) {
    if (op.call < cut) sub.ops.push_back(op);
  }
  SearchLimits small = limits;
  small.deadline = std::min(limits.deadline,
                            std::chrono::steady_clock::now() + std::chrono::seconds(1));
  small.max_cache_bytes = std::min(limits.max_cache_bytes, size_t{64} << 20);
  SearchOutcome s = SearchLinearizable(sub, small);
  if (s.verdict != Verdict::kInvalid) return;
  cex->prefix = std::move(s.cex.prefix);
  for (auto& st : s.cex.states) cex->states.push_back("after the longest prefix: " + st);
}

}  // namespace

KeyResult CheckKey(const KeyOps& key, ModelKind model, const SearchLimits& limits,
                   std::atomic<int>* prefix_budget) {
  auto want_prefix = [&] { return !prefix_budget || prefix_budget->fetch_sub(1) > 0; };
  KeyResult r;
  r.key = key.key;
  r.ops = key.ops.size();
  PrecheckResult pre = RunPrechecks(key);
  if (pre.violation) {
    r.verdict = Verdict::kInvalid;
    r.method = "precheck";
    r.cex = std::move(*pre.violation);
    if (want_prefix()) AddSearchPrefix(key, limits, &r.cex);
    return r;
  }
  if (model == ModelKind::kRegister) {
    ZoneResult zone = CheckRegisterZones(key);
    if (zone.applicable) {
      r.method = "zone";
      r.verdict = zone.linearizable ? Verdict::kValid : Verdict::kInvalid;
      r.cex = std::move(zone.cex);
      if (r.verdict == Verdict::kInvalid && want_prefix()) AddSearchPrefix(key, limits, &r.cex);
      return r;
    }
  }
  SearchOutcome s = SearchLinearizable(key, limits);
  r.method = "search";
  r.verdict = s.verdict;
  r.search_states = s.states;
  r.cex = std::move(s.cex);
  r.unknown_reason = std::move(s.unknown_reason);
  if (r.verdict == Verdict::kUnknown) r.verified = std::move(pre.verified);
  return r;
}

LinearizabilityResult CheckLinearizability(const History& history, const std::vector<Op>& ops,
                                           const LinearizabilityOptions& options) {
  std::vector<KeyOps> keys = PartitionRegisterOps(history, ops);
  LinearizabilityResult result;
  result.key_count = keys.size();
  result.keys.resize(keys.size());
  int threads = options.threads > 0 ? options.threads
                                    : static_cast<int>(std::thread::hardware_concurrency());
  threads = std::max(1, std::min<int>(threads, static_cast<int>(keys.size())));
  SearchLimits limits;
  limits.deadline = std::chrono::steady_clock::now() +
                    std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                        std::chrono::duration<double>(options.timeout_seconds));
  limits.max_cache_bytes = options.memory_limit_bytes / static_cast<size_t>(threads);
  std::atomic<bool> cancel{false};
  limits.cancel = &cancel;
  std::atomic<size_t> next{0};
  std::atomic<int> prefix_budget{20};  // reports show at most a few keys in full
  auto worker = [&] {
    for (size_t i; (i = next.fetch_add(1)) < keys.size();) {
      if (cancel.load()) {
        KeyResult& skipped = result.keys[i];
        skipped.key = keys[i].key;
        skipped.ops = keys[i].ops.size();
        skipped.verdict = Verdict::kUnknown;
        skipped.unknown_reason = "not checked: stopped at the first invalid key";
        continue;
      }
      result.keys[i] = CheckKey(keys[i], options.model, limits, &prefix_budget);
      if (options.stop_at_first_invalid && result.keys[i].verdict == Verdict::kInvalid) {
        cancel = true;
      }
    }
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();
  bool any_unknown = false, any_invalid = false;
  for (const KeyResult& k : result.keys) {
    any_invalid |= k.verdict == Verdict::kInvalid;
    any_unknown |= k.verdict == Verdict::kUnknown;
  }
  result.verdict = any_invalid ? Verdict::kInvalid
                   : any_unknown ? Verdict::kUnknown
                                 : Verdict::kValid;
  return result;
}

}  // namespace raftlab::checkers
