#include "checkers/precheck.h"

#include <algorithm>
#include <unordered_map>

namespace raftlab::checkers {
namespace {

constexpr int64_t kNone = -1;

struct Candidate {
  int64_t order = kPosInf;  // completion of the witness's last op: earliest wins
  Counterexample cex;
};

void Offer(Candidate* best, int64_t order, Counterexample cex) {
  if (order < best->order) {
    best->order = order;
    best->cex = std::move(cex);
  }
}

}  // namespace

std::string DescribeRegOp(const RegOp& op) {
  std::string s;
  switch (op.f) {
    case RegF::kRead: s = "read " + RegValueString(op.a); break;
    case RegF::kWrite: s = "write " + RegValueString(op.a); break;
    case RegF::kCas: s = "cas " + RegValueString(op.a) + "->" + RegValueString(op.b); break;
  }
  s += " (index " + std::to_string(op.call);
  s += op.ok ? "-" + std::to_string(op.ret) + ")" : ", info)";
  return s;
}

PrecheckResult RunPrechecks(const KeyOps& key) {
  PrecheckResult result;
  const bool all_unique = HasUniqueWrites(key);
  const auto& ops = key.ops;
  struct Producers {
    int64_t count = 0;
    int64_t first = kNone;          // index into ops
    int64_t min_call = kPosInf;
    std::vector<int64_t> by_call;   // indices into ops, in invoke order
    std::vector<int64_t> max_ret;   // max_ret[k]: the latest-completing of by_call[0..k]
  };
  std::unordered_map<int64_t, Producers> producers;  // value -> its writes and cas ops
  std::unordered_map<int64_t, std::vector<int64_t>> consumers;  // value -> ok cas
  std::vector<int64_t> ok_producers;
  int64_t last_producer_ret = kNegInf;
  for (size_t i = 0; i < ops.size(); ++i) {
    const RegOp& op = ops[i];
    if (op.f == RegF::kRead) continue;
    Producers& p = producers[op.f == RegF::kWrite ? op.a : op.b];
    if (p.count++ == 0) p.first = static_cast<int64_t>(i);
    p.min_call = std::min(p.min_call, op.call);
    const auto self = static_cast<int64_t>(i);
    p.max_ret.push_back(p.by_call.empty() || ops[p.max_ret.back()].ret < op.ret ? self
                                                                                : p.max_ret.back());
    p.by_call.push_back(self);
    if (op.ok) {
      ok_producers.push_back(static_cast<int64_t>(i));
      last_producer_ret = std::max(last_producer_ret, op.ret);
    }
    if (op.f == RegF::kCas && op.ok) consumers[op.a].push_back(static_cast<int64_t>(i));
  }
  std::sort(ok_producers.begin(), ok_producers.end(),
            [&](int64_t x, int64_t y) { return ops[x].ret < ops[y].ret; });
  // Among the first k+1 ok producers by completion: best1[k] is the latest-invoked, and
  // best2[k] the latest-invoked of a value other than best1[k]'s.
  auto produced = [&](int64_t x) { return ops[x].f == RegF::kWrite ? ops[x].a : ops[x].b; };
  std::vector<int64_t> best1(ok_producers.size()), best2(ok_producers.size(), kNone);
  for (size_t k = 0; k < ok_producers.size(); ++k) {
    int64_t cur = ok_producers[k];
    int64_t b1 = k > 0 ? best1[k - 1] : kNone, b2 = k > 0 ? best2[k - 1] : kNone;
    if (b1 == kNone || ops[cur].call > ops[b1].call) {
      if (b1 != kNone && produced(b1) != produced(cur)) b2 = b1;
      b1 = cur;
    } else if (produced(cur) != produced(b1) && (b2 == kNone || ops[cur].call > ops[b2].call)) {
      b2 = cur;
    }
    best1[k] = b1;
    best2[k] = b2;
  }
  auto window_of = [&](std::initializer_list<int64_t> idx) {
    std::vector<std::pair<int64_t, uint32_t>> w;
    for (int64_t i : idx) {
      if (i != kNone) w.emplace_back(ops[i].call, ops[i].op);
    }
    std::sort(w.begin(), w.end());
    w.erase(std::unique(w.begin(), w.end()), w.end());
    std::vector<uint32_t> out;
    for (auto& [c, o] : w) out.push_back(o);
    return out;
  };
  auto observed = [](const RegOp& o) {
    return o.f == RegF::kRead ? "read of " + RegValueString(o.a)
                              : "cas from " + RegValueString(o.a);
  };

  Candidate best;
  for (size_t i = 0; i < ops.size(); ++i) {
    const RegOp& o = ops[i];
    if (!o.ok || o.f == RegF::kWrite) continue;
    const int64_t v = o.a;
    int64_t p = kNone;
    int64_t p_call = kNegInf, p_ret = kNegInf;
    bool single = true;  // v has one producer (or is the initial null)
    if (v != kNil) {
      auto it = producers.find(v);
      if (it == producers.end()) {
        Counterexample c;
        c.kind = "unwritten-read";
        c.explanation = observed(o) + " at index " + std::to_string(o.ret) +
                        ", but no op writes " + RegValueString(v);
        c.window = {o.op};
        c.failed_op = o.op;
        c.states = {"no state of the register holds " + RegValueString(v)};
        Offer(&best, o.ret, std::move(c));
        continue;
      }
      p = it->second.first;
      p_call = it->second.min_call;
      p_ret = ops[p].ret;
      if (p_call > o.ret) {
        Counterexample c;
        c.kind = "future-read";
        c.explanation = DescribeRegOp(o) + " completed before " + DescribeRegOp(ops[p]) +
                        " was invoked";
        c.window = window_of({p, static_cast<int64_t>(i)});
        c.failed_op = o.op;
        c.states = {"the register cannot hold " + RegValueString(v) + " before it is written"};
        Offer(&best, o.ret, std::move(c));
        continue;
      }
      // This op reads from the last producer of v before it, one invoked before this op
      // returned; take the latest-completing of those (an info one never completes).
      const Producers& pv = it->second;
      single = pv.count == 1;
      auto k = std::lower_bound(pv.by_call.begin(), pv.by_call.end(), o.ret,
                                [&](int64_t x, int64_t ret) { return ops[x].call < ret; }) -
               pv.by_call.begin();
      p = pv.max_ret[static_cast<size_t>(k) - 1];
      p_ret = ops[p].ret;
    }
    // An ok producer of another value invoked after every such producer of v completed,
    // and completed before this op began, overwrote v for good.
    auto end = std::lower_bound(ok_producers.begin(), ok_producers.end(), o.call,
                                [&](int64_t x, int64_t call) { return ops[x].ret < call; });
    if (end != ok_producers.begin()) {
      const auto k = static_cast<size_t>(end - ok_producers.begin()) - 1;
      int64_t w = produced(best1[k]) != v ? best1[k] : best2[k];
      if (w != kNone && ops[w].call > p_ret) {
        const RegOp& wo = ops[w];
        // A read begun after every acknowledged write ended is a final read.
        const bool final_read = o.f == RegF::kRead && o.call > last_producer_ret;
        Counterexample c;
        c.kind = final_read ? "lost-write" : "stale-read";
        c.explanation = final_read
            ? "the final " + observed(o) + " at index " + std::to_string(o.ret) +
                  " has lost the acknowledged " + DescribeRegOp(wo) + ", which began after " +
                  (p == kNone ? std::string("the initial null") : DescribeRegOp(ops[p])) +
                  " completed"
            : observed(o) + " at index " + std::to_string(o.ret) + " is stale: " +
                        (p == kNone ? std::string("the initial null") : DescribeRegOp(ops[p])) +
                        " was overwritten by " + DescribeRegOp(wo) + " before it began";
        c.window = window_of({p, w, static_cast<int64_t>(i)});
        c.failed_op = o.op;
        if (!single) {
          c.explanation += " (the latest-completing of the writes of " + RegValueString(v) +
                           " invoked before it returned)";
        }
        c.states = {"after " + DescribeRegOp(wo) + " the register holds " +
                    RegValueString(produced(w)) + ", and " + RegValueString(v) +
                    (single ? " is never written again"
                            : " is not written again before the read returns")};
        Offer(&best, o.ret, std::move(c));
        continue;
      }
    }
    // The successful cas that consumed v ended before this op began.
    auto cit = single ? consumers.find(v) : consumers.end();
    if (cit != consumers.end()) {
      for (int64_t cidx : cit->second) {
        if (cidx == static_cast<int64_t>(i) || ops[cidx].ret >= o.call) continue;
        Counterexample c;
        c.kind = o.f == RegF::kCas ? "double-cas" : "stale-read";
        c.explanation = observed(o) + " at index " + std::to_string(o.ret) + " is stale: " +
                        DescribeRegOp(ops[cidx]) + " replaced " + RegValueString(v) +
                        " before it began";
        c.window = window_of({p, cidx, static_cast<int64_t>(i)});
        c.failed_op = o.op;
        c.states = {"after " + DescribeRegOp(ops[cidx]) + " the register holds " +
                    RegValueString(ops[cidx].b) + ", and " + RegValueString(v) +
                    " is never written again"};
        Offer(&best, o.ret, std::move(c));
        break;
      }
      if (o.f == RegF::kCas && cit->second.size() >= 2) {
        int64_t other = cit->second[0] == static_cast<int64_t>(i) ? cit->second[1]
                                                                  : cit->second[0];
        Counterexample c;
        c.kind = "double-cas";
        c.explanation = "two successful cas ops consume " + RegValueString(v) + ": " +
                        DescribeRegOp(ops[other]) + " and " + DescribeRegOp(o) +
                        ", but it is written once";
        c.window = window_of({p, other, static_cast<int64_t>(i)});
        c.failed_op = o.op;
        c.states = {"the register holds " + RegValueString(v) + " only once"};
        Offer(&best, std::max(o.ret, ops[other].ret), std::move(c));
      }
    }
  }
  if (best.order != kPosInf) {
    result.violation = std::move(best.cex);
    return result;
  }
  if (all_unique) {
    result.verified = {"unique-writes",  "reads-of-written-values", "no-future-reads",
                       "no-stale-reads", "no-lost-writes",          "single-cas-per-value"};
  } else {
    result.verified = {"reads-of-written-values", "no-future-reads", "no-stale-reads"};
  }
  return result;
}

}  // namespace raftlab::checkers
