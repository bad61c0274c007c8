#include "checkers/zone.h"

#include <algorithm>
#include <unordered_map>

#include "checkers/precheck.h"

namespace raftlab::checkers {
namespace {

constexpr int64_t kVirtual = -1;  // the initial null write, at -infinity

// A value's write plus every ok read that returned it.
struct Cluster {
  int64_t value = kNil;
  int64_t write = kVirtual;  // index into key ops
  int64_t f = kPosInf;       // earliest completion in the cluster
  int64_t s = kNegInf;       // latest invocation in the cluster
  int64_t f_op = kVirtual;
  int64_t s_op = kVirtual;
  bool forward() const { return f < s; }
};

}  // namespace

ZoneResult CheckRegisterZones(const KeyOps& key) {
  ZoneResult result;
  const auto& ops = key.ops;
  std::unordered_map<int64_t, size_t> cluster_of;  // value -> cluster
  std::vector<Cluster> clusters;
  clusters.push_back(Cluster{kNil, kVirtual, kNegInf, kNegInf, kVirtual, kVirtual});
  cluster_of[kNil] = 0;
  for (size_t i = 0; i < ops.size(); ++i) {
    const RegOp& op = ops[i];
    if (op.f == RegF::kCas) return result;
    if (op.f != RegF::kWrite) continue;
    if (!cluster_of.emplace(op.a, clusters.size()).second) return result;
    clusters.push_back(Cluster{op.a, static_cast<int64_t>(i), kPosInf, kNegInf, kVirtual,
                               kVirtual});
  }
  result.applicable = true;
  std::vector<bool> read_seen(clusters.size(), false);
  auto add = [](Cluster& c, const RegOp& op, int64_t idx) {
    if (op.ret < c.f) {
      c.f = op.ret;
      c.f_op = idx;
    }
    if (op.call > c.s) {
      c.s = op.call;
      c.s_op = idx;
    }
  };
  auto fail = [&](std::string kind, std::string explanation, std::vector<int64_t> idx,
                  int64_t failed, std::string state) {
    std::vector<std::pair<int64_t, uint32_t>> w;
    for (int64_t i : idx) {
      if (i != kVirtual) w.emplace_back(ops[i].call, ops[i].op);
    }
    std::sort(w.begin(), w.end());
    w.erase(std::unique(w.begin(), w.end()), w.end());
    result.cex.kind = std::move(kind);
    result.cex.explanation = std::move(explanation);
    for (auto& [c, o] : w) result.cex.window.push_back(o);
    result.cex.failed_op = ops[failed].op;
    result.cex.states = {std::move(state)};
    return result;
  };
  for (size_t i = 0; i < ops.size(); ++i) {
    const RegOp& op = ops[i];
    if (op.f != RegF::kRead) continue;
    auto it = cluster_of.find(op.a);
    if (it == cluster_of.end()) {
      return fail("unwritten-read",
                  DescribeRegOp(op) + " returns a value no write writes", {int64_t(i)},
                  static_cast<int64_t>(i), "no state holds " + RegValueString(op.a));
    }
    Cluster& c = clusters[it->second];
    if (c.write != kVirtual && op.ret < ops[c.write].call) {
      return fail("future-read",
                  DescribeRegOp(op) + " completed before " + DescribeRegOp(ops[c.write]) +
                      " was invoked",
                  {c.write, int64_t(i)}, static_cast<int64_t>(i),
                  "the register cannot hold " + RegValueString(op.a) + " yet");
    }
    add(c, op, static_cast<int64_t>(i));
    read_seen[it->second] = true;
  }
  std::vector<size_t> forward, backward;
  for (size_t ci = 0; ci < clusters.size(); ++ci) {
    Cluster& c = clusters[ci];
    if (c.write != kVirtual) {
      const RegOp& w = ops[c.write];
      if (!w.ok && !read_seen[ci]) continue;  // an unread info write may never have happened
      add(c, w, c.write);
    } else if (!read_seen[ci]) {
      continue;
    }
    (c.forward() ? forward : backward).push_back(ci);
  }
  std::sort(forward.begin(), forward.end(),
            [&](size_t x, size_t y) { return clusters[x].f < clusters[y].f; });
  auto members = [&](const Cluster& c) {
    return std::vector<int64_t>{c.write, c.f_op, c.s_op};
  };
  auto conflict = [&](const Cluster& a, const Cluster& b, const char* kind,
                      const std::string& how) {
    std::vector<int64_t> idx = members(a);
    for (int64_t x : members(b)) idx.push_back(x);
    const RegOp& late = ops[a.s_op];
    return fail(kind,
                "the zones of " + RegValueString(a.value) + " and " + RegValueString(b.value) +
                    " " + how + ": " + DescribeRegOp(late) + " observes " +
                    RegValueString(a.value) + " after " + RegValueString(b.value) +
                    " must already have replaced it",
                idx, a.s_op,
                "when " + DescribeRegOp(late) + " runs, the register holds " +
                    RegValueString(b.value) + " or a later value");
  };
  for (size_t k = 0; k + 1 < forward.size(); ++k) {
    const Cluster& a = clusters[forward[k]];
    const Cluster& b = clusters[forward[k + 1]];
    if (b.f < a.s) return conflict(a, b, "zone-overlap", "overlap");
  }
  for (size_t bi : backward) {
    const Cluster& b = clusters[bi];
    auto it = std::lower_bound(forward.begin(), forward.end(), b.s,
                               [&](size_t x, int64_t s) { return clusters[x].f < s; });
    if (it == forward.begin()) continue;
    const Cluster& a = clusters[*(it - 1)];
    if (b.f < a.s) return conflict(a, b, "zone-nested", "nest (the second inside the first)");
  }
  result.linearizable = true;
  return result;
}

}  // namespace raftlab::checkers
