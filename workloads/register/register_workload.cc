#include "workloads/register/register_workload.h"

#include <algorithm>
#include <charconv>

#include "server/api/client/kv_client.h"

namespace raftlab::workloads {
namespace {

using checkers::Value;

// Mix of the main phase, in percent.
constexpr int kReadPct = 50, kWritePct = 30;  // the rest are cas

std::string NodeName(uint64_t id) { return "n" + std::to_string(id); }

// A stored value as the integer the history records; a value the harness never wrote
// becomes -1, which no write carries, so the checker flags the read.
Value ParseStored(const std::string& s, std::string* error) {
  int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) {
    *error = "unparseable value \"" + s.substr(0, 40) + "\"";
    return Value::Int(-1);
  }
  return Value::Int(v);
}

template <typename Resp>
void FillHeader(const Resp& r, OpResult* out) {
  out->node = NodeName(r.header().node_id());
  out->term = static_cast<int64_t>(r.header().term());
  out->applied_index = static_cast<int64_t>(r.header().applied_index());
}

}  // namespace

RegisterWorkload::RegisterWorkload(std::string name, kv::ReadMode mode, WorkloadOptions options)
    : name_(std::move(name)), mode_(mode), options_(options) {}

RegisterWorkload::KeyState& RegisterWorkload::PickKey(std::mt19937_64& rng) {
  while (static_cast<int>(active_.size()) < options_.active_keys) {
    KeyState k;
    k.name = "r" + std::to_string(next_key_++);
    used_.push_back(k.name);
    active_.push_back(std::move(k));
  }
  size_t i = std::uniform_int_distribution<size_t>(0, active_.size() - 1)(rng);
  if (active_[i].ops >= options_.ops_per_key) {
    KeyState fresh;
    fresh.name = "r" + std::to_string(next_key_++);
    used_.push_back(fresh.name);
    active_[i] = std::move(fresh);
  }
  return active_[i];
}

OpRequest RegisterWorkload::Next(std::mt19937_64& rng) {
  KeyState& k = PickKey(rng);
  ++k.ops;
  OpRequest op;
  op.key = k.name;
  const int roll = std::uniform_int_distribution<int>(0, 99)(rng);
  if (roll < kReadPct) {
    op.f = "read";
  } else if (roll < kReadPct + kWritePct || k.next_value == 1) {
    op.f = "write";
    op.value = Value::Int(k.next_value++);
  } else {
    // Expect one of the last few values written, so some swaps succeed and some do not.
    const int64_t back = std::uniform_int_distribution<int64_t>(1, std::min<int64_t>(3, k.next_value - 1))(rng);
    op.f = "cas";
    op.value = Value::List({k.next_value - back, k.next_value});
    ++k.next_value;
  }
  return op;
}

std::vector<OpRequest> RegisterWorkload::FinalOps() {
  std::vector<OpRequest> out;
  for (const auto& key : used_) out.push_back(OpRequest{"read", key, Value::Null()});
  return out;
}

OpResult RegisterWorkload::ExecuteAt(client::KvClient& kv, const OpRequest& op, const Targets& targets) {
  client::CallOptions call;
  call.timeout = options_.op_timeout;
  OpResult out;
  if (op.f == "read") {
    call.endpoint = targets.read;
    auto r = kv.Get(op.key, mode_, call);
    if (!r.ok()) return FromError(r.status(), op.value);
    out.outcome = Outcome::kOk;
    out.value = r->found() ? ParseStored(r->value(), &out.error) : Value::Null();
    FillHeader(*r, &out);
    return out;
  }
  call.endpoint = targets.write;
  if (op.f == "write") {
    auto r = kv.Put(op.key, std::to_string(op.value.num), call);
    if (!r.ok()) return FromError(r.status(), op.value);
    out.outcome = Outcome::kOk;
    out.value = op.value;
    FillHeader(*r, &out);
    return out;
  }
  // cas [expected, new]
  const auto& pair = op.value.list;
  std::optional<std::string> expected;
  if (pair[0]) expected = std::to_string(*pair[0]);
  auto r = kv.CompareAndSwap(op.key, expected, std::to_string(*pair[1]), call);
  if (!r.ok()) return FromError(r.status(), op.value);
  out.value = op.value;
  FillHeader(*r, &out);
  if (r->succeeded()) {
    out.outcome = Outcome::kOk;
  } else {
    out.outcome = Outcome::kFail;
    out.error = r->found() ? "cas: value was " + r->current_value().substr(0, 40) : "cas: key absent";
  }
  return out;
}

}  // namespace raftlab::workloads
