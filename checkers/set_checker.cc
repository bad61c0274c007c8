#include "checkers/set_checker.h"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

namespace raftlab::checkers {
namespace {

constexpr size_t kListed = 20;

void Note(std::vector<int64_t>* list, int64_t v) {
  if (list->size() < kListed) list->push_back(v);
}

}  // namespace

SetResult CheckSet(const History& h, const std::vector<Op>& ops) {
  SetResult r;
  const int32_t add_f = h.strings.Find("add");
  const int32_t read_f = h.strings.Find("read");
  struct Add {
    OpStatus status;
    int64_t ret;
  };
  std::unordered_map<int64_t, Add> adds;
  std::vector<size_t> reads;
  for (size_t i = 0; i < ops.size(); ++i) {
    const Op& op = ops[i];
    if (op.f == add_f) {
      ++r.attempted;
      Add a{op.status, op.status == OpStatus::kOk ? op.complete_event : INT64_MAX};
      auto [it, fresh] = adds.try_emplace(InvokeValue(h, op).num, a);
      if (!fresh && op.status == OpStatus::kOk) it->second = a;
      if (op.status == OpStatus::kOk) ++r.acknowledged;
    } else if (op.f == read_f && op.status == OpStatus::kOk) {
      reads.push_back(i);
    }
  }
  if (reads.empty()) {
    r.verdict = Verdict::kUnknown;
    r.reason = "no ok read";
    return r;
  }
  size_t final_idx = *std::max_element(reads.begin(), reads.end(), [&](size_t x, size_t y) {
    return ops[x].complete_event < ops[y].complete_event;
  });
  r.final_read_op = static_cast<int64_t>(final_idx);
  std::unordered_set<int64_t> final_set;
  for (const auto& v : OpValue(h, ops[final_idx]).list) final_set.insert(*v);
  for (int64_t v : final_set) {
    auto it = adds.find(v);
    if (it == adds.end() || it->second.status == OpStatus::kFail) {
      ++r.unexpected;
      Note(&r.unexpected_values, v);
    } else if (it->second.status == OpStatus::kInfo) {
      ++r.recovered;
    }
  }
  std::vector<std::pair<int64_t, int64_t>> acked;  // (ret, value), by ret
  for (const auto& [v, a] : adds) {
    if (a.status != OpStatus::kOk) continue;
    acked.emplace_back(a.ret, v);
    if (!final_set.count(v)) {
      ++r.lost;
      Note(&r.lost_values, v);
    }
  }
  std::sort(acked.begin(), acked.end());
  std::sort(r.lost_values.begin(), r.lost_values.end());
  std::unordered_set<int64_t> stale;
  for (size_t ri : reads) {
    if (ri == final_idx) continue;
    std::unordered_set<int64_t> seen;
    for (const auto& v : OpValue(h, ops[ri]).list) seen.insert(*v);
    for (const auto& [ret, v] : acked) {
      if (ret >= ops[ri].invoke_event) break;
      if (!seen.count(v) && final_set.count(v)) stale.insert(v);
    }
  }
  r.stale = stale.size();
  for (int64_t v : stale) Note(&r.stale_values, v);
  std::sort(r.stale_values.begin(), r.stale_values.end());
  r.verdict = (r.lost || r.unexpected || r.stale) ? Verdict::kInvalid : Verdict::kValid;
  return r;
}

}  // namespace raftlab::checkers
