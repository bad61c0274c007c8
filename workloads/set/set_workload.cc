#include "workloads/set/set_workload.h"

#include <charconv>
#include <cstdio>

#include "server/api/client/kv_client.h"

namespace raftlab::workloads {
namespace {

using checkers::Value;

constexpr char kPrefix[] = "set/";
constexpr char kPrefixEnd[] = "set0";  // '0' follows '/': the end of the prefix range
// Reads return the whole set, so they are rare in the main phase.
constexpr int kReadPermille = 20;

}  // namespace

std::string SetWorkload::ElementKey(int64_t v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "set/%012lld", static_cast<long long>(v));
  return buf;
}

OpRequest SetWorkload::Next(std::mt19937_64& rng) {
  if (next_ > 0 && std::uniform_int_distribution<int>(0, 999)(rng) < kReadPermille) {
    return OpRequest{"read", "", Value::Null()};
  }
  return OpRequest{"add", "", Value::Int(next_++)};
}

std::vector<OpRequest> SetWorkload::FinalOps() { return {OpRequest{"read", "", Value::Null()}}; }

OpResult SetWorkload::ExecuteAt(client::KvClient& kv, const OpRequest& op, const Targets& targets) {
  client::CallOptions call;
  call.timeout = options_.op_timeout;
  OpResult out;
  if (op.f == "add") {
    call.endpoint = targets.write;
    auto r = kv.Put(ElementKey(op.value.num), "1", call);
    if (!r.ok()) return FromError(r.status(), op.value);
    out.outcome = Outcome::kOk;
    out.value = op.value;
    out.node = "n" + std::to_string(r->header().node_id());
    return out;
  }
  call.endpoint = targets.read;
  std::vector<std::optional<int64_t>> elements;
  std::string start = kPrefix;
  for (;;) {
    auto r = kv.Scan(start, kPrefixEnd, 0, mode_, call);
    if (!r.ok()) return FromError(r.status(), op.value);
    for (const auto& kv_pair : r->kvs()) {
      const std::string& k = kv_pair.key();
      int64_t v = -1;
      std::from_chars(k.data() + sizeof(kPrefix) - 1, k.data() + k.size(), v);
      elements.push_back(v);
    }
    if (!r->headers().empty()) out.node = "n" + std::to_string(r->headers(0).node_id());
    if (!r->more() || r->kvs().empty()) break;
    start = r->kvs(r->kvs_size() - 1).key() + '\0';
  }
  out.outcome = Outcome::kOk;
  out.value = Value::List(std::move(elements));
  return out;
}

}  // namespace raftlab::workloads
