#include "checkers/search.h"

#include <algorithm>
#include <cstring>
#include <unordered_map>

#include "checkers/precheck.h"

namespace raftlab::checkers {
namespace {

struct SOp {
  RegF f = RegF::kRead;
  bool required = true;  // false: an info op that may never have taken effect
  int64_t a = kNil, b = kNil;
  int64_t call = 0, ret = 0;
  uint32_t key_index = 0;  // index into KeyOps::ops
};

uint64_t SplitMix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Set of (bitset, state) pairs: open addressing over entry ids, bitsets in one arena.
// Ops are numbered in invoke order and the search linearizes them roughly in that order,
// so a bitset is stored as its window: `lo`, the first word not all ones (every word
// below it is), and the words from there to the last non-zero one. An entry then costs
// a few words however long the history is.
class StateCache {
 public:
  StateCache() : slots_(1024, 0) {}

  // Returns true if the triple (bitset, state, flag) was new and is now stored.
  // bits[0, lo) are all ones and bits[lo, lo + len) hold the rest of the set (zero
  // beyond); len < 2^31.
  bool Insert(uint64_t hash, int64_t state, bool flag, const uint64_t* bits, uint32_t lo,
              uint32_t len) {
    if ((entries_.size() + 1) * 2 > slots_.size()) Grow();
    uint64_t h = SplitMix(hash ^ static_cast<uint64_t>(state) ^ (flag ? 0x5bd1e995ULL : 0));
    const uint32_t len_flag = len | (flag ? 0x80000000u : 0);
    size_t mask = slots_.size() - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
      uint32_t slot = slots_[i];
      if (slot == 0) {
        entries_.push_back({h, state, arena_.size(), lo, len_flag});
        arena_.insert(arena_.end(), bits + lo, bits + lo + len);
        slots_[i] = static_cast<uint32_t>(entries_.size());
        return true;
      }
      const Entry& e = entries_[slot - 1];
      if (e.hash == h && e.state == state && e.lo == lo && e.len_flag == len_flag &&
          std::memcmp(&arena_[e.offset], bits + lo, len * sizeof(uint64_t)) == 0) {
        return false;
      }
    }
  }

  // Memory held now plus the transient of the next doubling of the largest part (its
  // new buffer is allocated while the old one is still held).
  size_t peak_bytes() const {
    size_t entries = entries_.capacity() * sizeof(Entry);
    size_t arena = arena_.capacity() * sizeof(uint64_t);
    size_t slots = slots_.size() * sizeof(uint32_t);
    return entries + arena + slots + 2 * std::max({entries, arena, slots});
  }
  size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    uint64_t hash;
    int64_t state;
    size_t offset;  // into arena_
    uint32_t lo, len_flag;  // len in the low 31 bits
  };
  void Grow() {
    std::vector<uint32_t> slots(slots_.size() * 2, 0);
    size_t mask = slots.size() - 1;
    for (size_t e = 0; e < entries_.size(); ++e) {
      size_t i = entries_[e].hash & mask;
      while (slots[i] != 0) i = (i + 1) & mask;
      slots[i] = static_cast<uint32_t>(e + 1);
    }
    slots_.swap(slots);
  }

  std::vector<uint32_t> slots_;
  std::vector<Entry> entries_;
  std::vector<uint64_t> arena_;
};

// Builds the ops the search runs on, pruning info producers as search.h describes:
// dropping unobserved ones is sound for any history; giving an observed one its first
// observer's return time needs its value to have no other producer.
std::vector<SOp> Prepare(const KeyOps& key) {
  const auto& ops = key.ops;
  auto produced = [](const RegOp& o) { return o.f == RegF::kWrite ? o.a : o.b; };
  std::unordered_map<int64_t, int64_t> producer_count;
  std::unordered_map<int64_t, size_t> producer;  // meaningful when the count is 1
  std::unordered_map<int64_t, int64_t> first_observer_ret;
  for (size_t i = 0; i < ops.size(); ++i) {
    const RegOp& o = ops[i];
    if (o.f != RegF::kRead) {
      ++producer_count[produced(o)];
      producer[produced(o)] = i;
    }
    if (o.ok && o.f != RegF::kWrite) {
      auto [it, fresh] = first_observer_ret.try_emplace(o.a, o.ret);
      if (!fresh) it->second = std::min(it->second, o.ret);
    }
  }
  auto single = [&](int64_t v) { return producer_count[v] == 1; };
  // observed: some op that is kept needs the value; required: an op that must take
  // effect needs it, and this is its only producer, so it took effect by eff_ret.
  std::vector<bool> observed(ops.size(), false), required(ops.size(), false);
  std::vector<int64_t> eff_ret(ops.size());
  for (size_t i = 0; i < ops.size(); ++i) {
    const RegOp& o = ops[i];
    eff_ret[i] = o.ret;
    required[i] = o.ok;
    if (o.ok || o.f == RegF::kRead) continue;
    auto it = first_observer_ret.find(produced(o));
    if (it != first_observer_ret.end()) {
      observed[i] = true;
      if (single(produced(o))) {
        required[i] = true;
        eff_ret[i] = it->second;
      }
    }
  }
  // A kept info cas observes its expected value too; follow such chains.
  std::unordered_map<int64_t, std::vector<size_t>> info_producers;
  for (size_t i = 0; i < ops.size(); ++i) {
    if (!ops[i].ok && ops[i].f != RegF::kRead) info_producers[produced(ops[i])].push_back(i);
  }
  for (bool changed = true; changed;) {
    changed = false;
    for (size_t i = 0; i < ops.size(); ++i) {
      const RegOp& o = ops[i];
      if (o.ok || o.f != RegF::kCas || !observed[i]) continue;
      auto it = info_producers.find(o.a);
      if (it == info_producers.end()) continue;
      const bool forced = required[i] && single(o.a);
      for (size_t p : it->second) {
        int64_t ret = forced ? std::min(eff_ret[p], eff_ret[i]) : eff_ret[p];
        if (!observed[p] || (forced && !required[p]) || ret < eff_ret[p]) {
          observed[p] = true;
          required[p] = required[p] || forced;
          eff_ret[p] = ret;
          changed = true;
        }
      }
    }
  }
  std::vector<SOp> out;
  for (size_t i = 0; i < ops.size(); ++i) {
    const RegOp& o = ops[i];
    if (!o.ok && !observed[i]) continue;  // may never have happened, and nothing needs it
    out.push_back(SOp{o.f, required[i], o.a, o.b, o.call, eff_ret[i], static_cast<uint32_t>(i)});
  }
  return out;
}

bool Step(int64_t s, const SOp& o, int64_t* out) {
  switch (o.f) {
    case RegF::kRead:
      *out = s;
      return s == o.a;
    case RegF::kWrite:
      *out = o.a;
      return true;
    case RegF::kCas:
      *out = o.b;
      return s == o.a;
  }
  return false;
}

}  // namespace

const char* VerdictName(Verdict v) {
  switch (v) {
    case Verdict::kValid: return "valid";
    case Verdict::kInvalid: return "invalid";
    case Verdict::kUnknown: return "unknown";
  }
  return "?";
}

SearchOutcome SearchLinearizable(const KeyOps& key, const SearchLimits& limits) {
  SearchOutcome result;
  std::vector<SOp> ops = Prepare(key);
  const size_t n = ops.size();
  int64_t required_left = 0;
  for (const SOp& o : ops) required_left += o.required ? 1 : 0;
  if (required_left == 0) {
    result.verdict = Verdict::kValid;
    return result;
  }
  // Entries: a call and a return per op, in time order; a pruned info op's return shares
  // its observer's position and sorts just before it (tie rank 0).
  struct Entry {
    int64_t pos;
    int rank;
    int32_t op;
    bool call;
  };
  std::vector<Entry> entries;
  entries.reserve(2 * n);
  for (size_t i = 0; i < n; ++i) {
    const SOp& o = ops[i];
    entries.push_back({o.call, 1, static_cast<int32_t>(i), true});
    bool moved = o.ret != key.ops[o.key_index].ret;
    entries.push_back({o.ret, moved ? 0 : 1, static_cast<int32_t>(i), false});
  }
  std::sort(entries.begin(), entries.end(), [](const Entry& x, const Entry& y) {
    if (x.pos != y.pos) return x.pos < y.pos;
    if (x.rank != y.rank) return x.rank < y.rank;
    return x.op < y.op;
  });
  const int32_t m = static_cast<int32_t>(entries.size());
  const int32_t head = m;  // sentinel
  std::vector<int32_t> next(m + 1), prev(m + 1), match(m);
  std::vector<int32_t> call_of(n);
  for (int32_t e = 0; e < m; ++e) {
    if (entries[e].call) call_of[entries[e].op] = e;
  }
  for (int32_t e = 0; e < m; ++e) {
    if (!entries[e].call) match[call_of[entries[e].op]] = e;
  }
  next[head] = 0;
  prev[0] = head;
  for (int32_t e = 0; e < m; ++e) {
    next[e] = e + 1 < m ? e + 1 : -1;
    if (e > 0) prev[e] = e - 1;
  }
  auto unlink = [&](int32_t e) {
    next[prev[e]] = next[e];
    if (next[e] != -1) prev[next[e]] = prev[e];
  };
  auto relink = [&](int32_t e) {
    next[prev[e]] = e;
    if (next[e] != -1) prev[next[e]] = e;
  };

  const size_t words = (n + 63) / 64;
  std::vector<uint64_t> bits(words, 0);
  std::vector<uint64_t> zobrist(n);
  for (size_t i = 0; i < n; ++i) zobrist[i] = SplitMix(i * 0x632be59bd9b4e019ULL + 1);
  StateCache cache;
  // Window of the linearized set (see StateCache): all words below lo are full, none
  // above hi (inclusive) is non-zero; hi == -1 when the set is empty.
  int64_t lo = 0, hi = -1;
  auto full = [&](int64_t w) { return bits[static_cast<size_t>(w)] == ~uint64_t{0}; };

  struct Frame {
    int32_t entry;
    int64_t state;
    bool pending;
  };
  std::vector<Frame> stack;
  std::vector<int32_t> best;  // longest prefix reached, as op ids
  size_t common = 0;          // stack[0..common) == best[0..common)
  int64_t best_state = kNil;
  int32_t blocked = -1;       // the op whose return ended the deepest attempt
  uint64_t hash = 0;
  int64_t state = kNil;
  // Set after an optional op: the next op must observe the value it produced. Any
  // linearization can be rearranged so (an optional op not followed by an observer of
  // its value can be moved later until it is, or dropped), and it stops the search from
  // trying every placement of every info op.
  bool pending = false;
  int32_t entry = next[head];
  uint64_t iterations = 0;

  while (true) {
    if (required_left == 0) {
      result.verdict = Verdict::kValid;
      break;
    }
    if ((iterations++ & 0xfff) == 0) {
      if (std::chrono::steady_clock::now() > limits.deadline) {
        result.unknown_reason = "timeout";
        break;
      }
      if (limits.cancel && limits.cancel->load(std::memory_order_relaxed)) {
        result.unknown_reason = "cancelled";
        break;
      }
    }
    if (entry != -1 && entries[entry].call) {
      const int32_t id = entries[entry].op;
      int64_t next_state;
      if (!(pending && ops[id].f == RegF::kWrite) && Step(state, ops[id], &next_state)) {
        const bool next_pending = !ops[id].required;
        bits[id / 64] ^= uint64_t{1} << (id % 64);
        int64_t new_lo = lo, new_hi = std::max<int64_t>(hi, id / 64);
        while (new_lo < static_cast<int64_t>(words) && full(new_lo)) ++new_lo;
        auto len = static_cast<uint32_t>(new_hi >= new_lo ? new_hi - new_lo + 1 : 0);
        if (cache.Insert(hash ^ zobrist[id], next_state, next_pending, bits.data(),
                         static_cast<uint32_t>(new_lo), len)) {
          lo = new_lo;
          hi = new_hi;
          if (cache.peak_bytes() > limits.max_cache_bytes) {
            result.unknown_reason = "memory limit";
            break;
          }
          hash ^= zobrist[id];
          stack.push_back({entry, state, pending});
          pending = next_pending;
          if (common + 1 == stack.size() && common < best.size() && best[common] == id) ++common;
          if (stack.size() > best.size()) {
            best.resize(common);
            for (size_t k = common; k < stack.size(); ++k) best.push_back(entries[stack[k].entry].op);
            common = best.size();
            best_state = next_state;
            blocked = -1;
          }
          state = next_state;
          unlink(entry);
          unlink(match[entry]);
          if (ops[id].required) --required_left;
          entry = next[head];
          continue;
        }
        bits[id / 64] ^= uint64_t{1} << (id % 64);
      }
      entry = next[entry];
      continue;
    }
    if (entry != -1 && !ops[entries[entry].op].required) {
      entry = next[entry];
      continue;
    }
    // A required op's return (or the end) was reached unlinearized: backtrack.
    if (stack.size() == best.size() && blocked == -1) {
      blocked = entry == -1 ? -2 : entries[entry].op;
    }
    if (stack.empty()) {
      result.verdict = Verdict::kInvalid;
      break;
    }
    Frame top = stack.back();
    stack.pop_back();
    common = std::min(common, stack.size());
    const int32_t id = entries[top.entry].op;
    relink(match[top.entry]);
    relink(top.entry);
    bits[id / 64] ^= uint64_t{1} << (id % 64);
    lo = std::min<int64_t>(lo, id / 64);
    while (hi >= 0 && bits[static_cast<size_t>(hi)] == 0) --hi;
    hash ^= zobrist[id];
    state = top.state;
    pending = top.pending;
    if (ops[id].required) ++required_left;
    entry = next[top.entry];
  }
  result.states = cache.size();
  if (result.verdict != Verdict::kInvalid) return result;

  // Counterexample from the deepest point the search reached.
  std::vector<bool> in_prefix(n, false);
  Counterexample& cex = result.cex;
  cex.kind = "search";
  for (int32_t id : best) {
    in_prefix[id] = true;
    cex.prefix.push_back(key.ops[ops[id].key_index].op);
  }
  if (blocked < 0) {
    int64_t earliest = kPosInf;
    for (size_t i = 0; i < n; ++i) {
      if (!in_prefix[i] && ops[i].required && ops[i].ret < earliest) {
        earliest = ops[i].ret;
        blocked = static_cast<int32_t>(i);
      }
    }
  }
  const SOp& stuck = ops[blocked];
  std::vector<std::pair<int64_t, uint32_t>> window;
  for (size_t i = 0; i < n; ++i) {
    if (!in_prefix[i] && ops[i].call < stuck.ret) {
      window.emplace_back(ops[i].call, key.ops[ops[i].key_index].op);
    }
  }
  if (!best.empty()) {
    const SOp& last = ops[best.back()];
    window.emplace_back(last.call, key.ops[last.key_index].op);
  }
  std::sort(window.begin(), window.end());
  for (auto& [c, o] : window) cex.window.push_back(o);
  cex.failed_op = key.ops[stuck.key_index].op;
  const RegOp& stuck_op = key.ops[stuck.key_index];
  cex.explanation = "no linearization places " + DescribeRegOp(stuck_op) + ": the longest " +
                    "linearizable prefix has " + std::to_string(best.size()) +
                    " ops and leaves the register at " + RegValueString(best_state);
  cex.states = {"register = " + RegValueString(best_state)};
  return result;
}

}  // namespace raftlab::checkers
