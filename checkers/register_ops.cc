#include "checkers/register_ops.h"

#include <unordered_map>
#include <unordered_set>

namespace raftlab::checkers {

std::string RegValueString(int64_t v) { return v == kNil ? "null" : std::to_string(v); }

std::vector<KeyOps> PartitionRegisterOps(const History& h, const std::vector<Op>& ops) {
  const int32_t read_f = h.strings.Find("read");
  const int32_t write_f = h.strings.Find("write");
  std::unordered_map<int32_t, size_t> slot;
  std::vector<KeyOps> keys;
  for (size_t i = 0; i < ops.size(); ++i) {
    const Op& op = ops[i];
    if (op.status == OpStatus::kFail) continue;
    const bool ok = op.status == OpStatus::kOk;
    RegOp r;
    r.ok = ok;
    // File indices order ops exactly as positions do and are what messages should show.
    r.call = h.FileIndex(op.invoke_event);
    r.ret = ok ? h.FileIndex(op.complete_event) : kPosInf;
    r.op = static_cast<uint32_t>(i);
    if (op.f == read_f) {
      if (!ok) continue;
      r.f = RegF::kRead;
      const Value& v = OpValue(h, op);
      r.a = v.is_int() ? v.num : kNil;
    } else if (op.f == write_f) {
      r.f = RegF::kWrite;
      r.a = InvokeValue(h, op).num;
    } else {
      r.f = RegF::kCas;
      const auto& pair = InvokeValue(h, op).list;
      r.a = pair[0] ? *pair[0] : kNil;
      r.b = *pair[1];
    }
    auto [it, fresh] = slot.try_emplace(op.key, keys.size());
    if (fresh) keys.push_back(KeyOps{op.key, {}});
    keys[it->second].ops.push_back(r);
  }
  return keys;
}

bool HasUniqueWrites(const KeyOps& key) {
  std::unordered_set<int64_t> seen;
  for (const RegOp& op : key.ops) {
    if (op.f == RegF::kRead) continue;
    int64_t v = op.f == RegF::kWrite ? op.a : op.b;
    if (!seen.insert(v).second) return false;
  }
  return true;
}

}  // namespace raftlab::checkers
