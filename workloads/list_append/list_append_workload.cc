#include "workloads/list_append/list_append_workload.h"

#include <algorithm>
#include <charconv>

#include "server/api/client/kv_client.h"

namespace raftlab::workloads {
namespace {

using checkers::MicroOp;
using checkers::Value;

// An element as the history records it; one the workload never wrote becomes -1, which no
// append carries, so the checker reports it.
int64_t ParseElement(const std::string& s, std::string* error) {
  int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) {
    *error = "unparseable element \"" + s.substr(0, 40) + "\"";
    return -1;
  }
  return v;
}

// A read's answer as a list: absent is empty; a plain value is not a list the workload made.
std::vector<int64_t> ReadList(const kv::GetResponse& r, std::string* error) {
  std::vector<int64_t> out;
  if (!r.found()) return out;
  if (!r.is_list()) {
    *error = "read a value that is not a list";
    return {-1};
  }
  for (const std::string& e : r.elements()) out.push_back(ParseElement(e, error));
  return out;
}

}  // namespace

ListAppendWorkload::ListAppendWorkload(std::string name, kv::ReadMode mode, WorkloadOptions options)
    : name_(std::move(name)), mode_(mode), options_(options), slots_(kSlots) {
  const int per_slot = std::max(2, options.active_keys / kSlots);
  for (int s = 0; s < kSlots; ++s) {
    for (int i = 0; i < per_slot; ++i) slots_[s].push_back(NewKey(s));
  }
}

ListAppendWorkload::KeyState ListAppendWorkload::NewKey(int slot) {
  // Numbers with remainder `slot`, so the name alone gives the slot back.
  const int64_t id = next_key_++ * kSlots + slot;
  used_.push_back(std::to_string(id));
  return KeyState{used_.back()};
}

std::string ListAppendWorkload::StoredKey(const std::string& name) {
  int64_t id = 0;
  std::from_chars(name.data(), name.data() + name.size(), id);
  // Slot i at first byte (2i + 1) * 256 / (2 kSlots): the middle of an even split into kSlots.
  const auto first = static_cast<char>((2 * (id % kSlots) + 1) * 256 / (2 * kSlots));
  return std::string(1, first) + "la/" + name;
}

OpRequest ListAppendWorkload::Next(std::mt19937_64& rng) {
  const int slot = std::uniform_int_distribution<int>(0, kSlots - 1)(rng);
  std::vector<KeyState>& pool = slots_[static_cast<size_t>(slot)];
  std::vector<MicroOp> mops(std::uniform_int_distribution<size_t>(1, 4)(rng));
  for (MicroOp& m : mops) {
    KeyState& k = pool[std::uniform_int_distribution<size_t>(0, pool.size() - 1)(rng)];
    m.key = k.name;
    if (std::uniform_int_distribution<int>(0, 1)(rng) == 0) continue;  // a read
    m.kind = MicroOp::Kind::kAppend;
    m.element = k.next_element++;
    if (m.element >= kAppendsPerKey) k = NewKey(slot);
  }
  return OpRequest{"txn", "", Value::Txn(std::move(mops))};
}

std::vector<OpRequest> ListAppendWorkload::FinalOps() {
  std::vector<OpRequest> out;
  for (const std::string& key : used_) {
    out.push_back(OpRequest{"txn", "", Value::Txn({MicroOp{MicroOp::Kind::kRead, key, 0, std::nullopt}})});
  }
  return out;
}

OpResult ListAppendWorkload::Execute(client::KvClient& kv, const OpRequest& op, const std::string& read_endpoint) {
  client::CallOptions call;
  call.timeout = options_.op_timeout;
  kv::TxnRequest req;
  bool reads_only = true;
  for (const MicroOp& m : op.value.micro_ops()) {
    kv::RequestOp* r = req.add_success();
    if (m.kind == MicroOp::Kind::kRead) {
      r->mutable_get()->set_key(StoredKey(m.key));
    } else {
      reads_only = false;
      r->mutable_append()->set_key(StoredKey(m.key));
      r->mutable_append()->set_element(std::to_string(m.element));
    }
  }
  if (reads_only) {
    req.set_read_mode(mode_);
    call.endpoint = read_endpoint;
  }
  auto resp = kv.Txn(req, call);
  if (!resp.ok()) return FromError(resp.status(), op.value);
  OpResult out;
  std::vector<MicroOp> done = op.value.micro_ops();
  if (resp->responses_size() != static_cast<int>(done.size())) {
    out.error = "txn answered " + std::to_string(resp->responses_size()) + " results for " +
                std::to_string(done.size()) + " ops";
    out.value = op.value;
    return out;  // info: it may have applied
  }
  for (size_t i = 0; i < done.size(); ++i) {
    if (done[i].kind == MicroOp::Kind::kRead) done[i].read = ReadList(resp->responses(static_cast<int>(i)).get(), &out.error);
  }
  out.outcome = Outcome::kOk;
  out.value = Value::Txn(std::move(done));
  out.node = "n" + std::to_string(resp->header().node_id());
  out.term = static_cast<int64_t>(resp->header().term());
  out.applied_index = static_cast<int64_t>(resp->header().applied_index());
  return out;
}

}  // namespace raftlab::workloads
