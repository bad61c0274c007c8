#include "checkers/stats.h"

#include <algorithm>
#include <unordered_map>

namespace raftlab::checkers {
namespace {

LatencyStats Summarize(std::vector<int64_t>& v) {
  LatencyStats s;
  s.count = v.size();
  if (v.empty()) return s;
  std::sort(v.begin(), v.end());
  auto at = [&](double q) {
    size_t i = static_cast<size_t>(q * static_cast<double>(v.size() - 1) + 0.5);
    return v[std::min(i, v.size() - 1)];
  };
  s.p50 = at(0.50);
  s.p95 = at(0.95);
  s.p99 = at(0.99);
  s.max = v.back();
  return s;
}

}  // namespace

Stats ComputeStats(const History& h, const std::vector<Op>& ops) {
  Stats s;
  s.ops = ops.size();
  std::unordered_map<int32_t, size_t> slot;
  std::vector<std::vector<int64_t>> per_f_lat;
  std::vector<int64_t> all_lat;
  int64_t end_time = 0;
  for (const Op& op : ops) {
    auto [it, fresh] = slot.try_emplace(op.f, s.per_f.size());
    if (fresh) {
      s.per_f.push_back(FStats{h.Str(op.f), 0, 0, 0, {}});
      per_f_lat.emplace_back();
    }
    FStats& fs = s.per_f[it->second];
    end_time = std::max({end_time, op.invoke_time, op.complete_time});
    switch (op.status) {
      case OpStatus::kOk: {
        ++fs.ok;
        ++s.ok;
        int64_t lat = op.complete_time - op.invoke_time;
        per_f_lat[it->second].push_back(lat);
        all_lat.push_back(lat);
        auto sec = static_cast<size_t>(std::max<int64_t>(0, op.complete_time) / 1000000000);
        if (s.ok_per_second.size() <= sec) s.ok_per_second.resize(sec + 1, 0);
        ++s.ok_per_second[sec];
        break;
      }
      case OpStatus::kFail:
        ++fs.fail;
        ++s.fail;
        break;
      case OpStatus::kInfo:
        ++fs.info;
        ++s.info;
        break;
    }
  }
  for (size_t i = 0; i < s.per_f.size(); ++i) s.per_f[i].latency = Summarize(per_f_lat[i]);
  s.latency = Summarize(all_lat);
  s.duration_seconds = static_cast<double>(end_time) / 1e9;
  return s;
}

}  // namespace raftlab::checkers
