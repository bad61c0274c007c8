#include "checkers/validate.h"

#include <unordered_map>
#include <unordered_set>

namespace raftlab::checkers {
namespace {

Status EventError(const History& h, const Event& e, std::string_view field,
                  const std::string& what) {
  std::string msg = h.source + ":" + std::to_string(e.line) + ": ";
  if (!field.empty()) msg += "field \"" + std::string(field) + "\": ";
  return Status::Error(msg + what);
}

bool IsListOfInts(const Value& v) {
  if (!v.is_list()) return false;
  for (const auto& x : v.list) {
    if (!x) return false;
  }
  return true;
}

bool HasReservedInt(const Value& v) {
  if (v.is_int()) return v.num == kNil;
  for (const auto& x : v.list) {
    if (x && *x == kNil) return true;
  }
  return false;
}

class ShapeChecker {
 public:
  ShapeChecker(const History& h, ModelKind model) : h_(h), model_(model) {
    const Interner& s = h.strings;
    read_ = s.Find("read");
    write_ = s.Find("write");
    cas_ = s.Find("cas");
    add_ = s.Find("add");
    transfer_ = s.Find("transfer");
    txn_ = s.Find("txn");
  }

  // Micro-ops of a txn: at least one; a completion's must match the invoke's one for one.
  Status CheckTxn(const Event& e, const Value* invoked) const {
    if (e.f != txn_) return UnknownF(e, "txn");
    const bool invoke = e.type == EventType::kInvoke;
    if (!invoke && e.value.is_null()) {
      if (e.type == EventType::kOk) return Bad(e, "an ok txn must carry its micro-ops with the reads filled in");
      return Status::Ok();
    }
    if (!e.value.is_txn() || e.value.micro_ops().empty()) {
      return Bad(e, "a txn's value must be a non-empty list of micro-ops");
    }
    if (invoked == nullptr) return Status::Ok();
    const auto& mine = e.value.micro_ops();
    const auto& theirs = invoked->micro_ops();
    if (mine.size() != theirs.size()) {
      return EventError(h_, e, "value", "has " + std::to_string(mine.size()) + " micro-ops, its invoke " +
                                            std::to_string(theirs.size()));
    }
    for (size_t i = 0; i < mine.size(); ++i) {
      const MicroOp& a = mine[i];
      const MicroOp& b = theirs[i];
      if (a.kind != b.kind || a.key != b.key || a.element != b.element) {
        return EventError(h_, e, "value[" + std::to_string(i) + "]", "differs from the invoke's micro-op");
      }
      if (e.type == EventType::kOk && a.kind == MicroOp::Kind::kRead && !a.read) {
        return EventError(h_, e, "value[" + std::to_string(i) + "]", "an ok txn's read must return a list");
      }
    }
    return Status::Ok();
  }

  Status Check(const Event& e) const {
    if (model_ == ModelKind::kStats) return Status::Ok();
    if (model_ == ModelKind::kListAppend) return CheckTxn(e, nullptr);
    const bool reg = model_ == ModelKind::kRegister || model_ == ModelKind::kCasRegister ||
                     model_ == ModelKind::kMap;
    if (reg && HasReservedInt(e.value)) {
      return EventError(h_, e, "value", "the integer " + std::to_string(kNil) +
                                            " is reserved by the checker");
    }
    const bool invoke = e.type == EventType::kInvoke;
    const bool ok = e.type == EventType::kOk;
    if (reg) {
      if (e.f == read_) {
        if (invoke && !e.value.is_null()) return Bad(e, "a read's invoke must carry null");
        if (ok && !e.value.is_null() && !e.value.is_int()) {
          return Bad(e, "a read must return an integer or null");
        }
        return Status::Ok();
      }
      if (e.f == write_) {
        if (invoke && !e.value.is_int()) return Bad(e, "a write's value must be an integer");
        if (!invoke && !e.value.is_null() && !e.value.is_int()) {
          return Bad(e, "a write's value must be an integer");
        }
        return Status::Ok();
      }
      if (e.f == cas_ && model_ != ModelKind::kRegister) {
        bool pair = e.value.is_list() && e.value.list.size() == 2 && e.value.list[1].has_value();
        if (invoke && !pair) return Bad(e, "a cas's value must be [expected, new] with new an integer");
        if (!invoke && !e.value.is_null() && !pair) {
          return Bad(e, "a cas's value must be [expected, new] with new an integer");
        }
        return Status::Ok();
      }
      return UnknownF(e, model_ == ModelKind::kRegister ? "read, write" : "read, write, cas");
    }
    if (model_ == ModelKind::kSet) {
      if (e.f == add_) {
        if (invoke && !e.value.is_int()) return Bad(e, "an add's value must be an integer");
        return Status::Ok();
      }
      if (e.f == read_) {
        if (ok && !IsListOfInts(e.value)) return Bad(e, "a set read must return a list of integers");
        return Status::Ok();
      }
      return UnknownF(e, "add, read");
    }
    if (model_ == ModelKind::kBank) {
      if (e.f == read_) {
        if (ok && !IsListOfInts(e.value)) {
          return Bad(e, "a bank read must return a list of balances (integers)");
        }
        return Status::Ok();
      }
      if (e.f == transfer_) return Status::Ok();
      return UnknownF(e, "read, transfer");
    }
    return Status::Ok();
  }

 private:
  Status Bad(const Event& e, const std::string& what) const {
    return EventError(h_, e, "value", what + ", not " + ValueToString(e.value));
  }
  Status UnknownF(const Event& e, const char* expected) const {
    return EventError(h_, e, "f",
                      "unknown f \"" + h_.Str(e.f) + "\" for model " + ModelKindName(model_) +
                          " (expected " + expected + ")");
  }

  const History& h_;
  ModelKind model_;
  int32_t read_, write_, cas_, add_, transfer_, txn_;
};

}  // namespace

std::optional<ModelKind> ParseModelKind(std::string_view name) {
  if (name == "register") return ModelKind::kRegister;
  if (name == "cas-register") return ModelKind::kCasRegister;
  if (name == "map") return ModelKind::kMap;
  if (name == "set") return ModelKind::kSet;
  if (name == "bank") return ModelKind::kBank;
  if (name == "stats") return ModelKind::kStats;
  if (name == "list-append") return ModelKind::kListAppend;
  return std::nullopt;
}

const char* ModelKindName(ModelKind model) {
  switch (model) {
    case ModelKind::kRegister: return "register";
    case ModelKind::kCasRegister: return "cas-register";
    case ModelKind::kMap: return "map";
    case ModelKind::kSet: return "set";
    case ModelKind::kBank: return "bank";
    case ModelKind::kStats: return "stats";
    case ModelKind::kListAppend: return "list-append";
  }
  return "?";
}

Result<std::vector<Op>> BuildOps(const History& h, ModelKind model) {
  ShapeChecker shapes(h, model);
  const int32_t read_f = h.strings.Find("read");
  std::vector<Op> ops;
  ops.reserve(h.events.size() / 2 + 1);
  std::unordered_map<int64_t, size_t> outstanding;  // process -> op index
  std::unordered_map<int64_t, int64_t> retired;     // process -> line of its info
  int64_t last_time = INT64_MIN;
  int64_t last_time_line = 0;
  for (size_t i = 0; i < h.events.size(); ++i) {
    const Event& e = h.events[i];
    if (e.time < last_time) {
      return EventError(h, e, "time",
                        "goes backwards: " + std::to_string(e.time) + " after " +
                            std::to_string(last_time) + " at line " +
                            std::to_string(last_time_line));
    }
    last_time = e.time;
    last_time_line = e.line;
    if (auto st = shapes.Check(e); !st.ok()) return st;
    if (auto r = retired.find(e.process); r != retired.end()) {
      return EventError(h, e, "process",
                        "process " + std::to_string(e.process) +
                            " is used again after its op ended in info at line " +
                            std::to_string(r->second));
    }
    if (e.type == EventType::kInvoke) {
      auto [it, fresh] = outstanding.try_emplace(e.process, ops.size());
      if (!fresh) {
        return EventError(h, e, "process",
                          "process " + std::to_string(e.process) +
                              " already has an op outstanding, invoked at line " +
                              std::to_string(h.events[ops[it->second].invoke_event].line));
      }
      Op op;
      op.process = e.process;
      op.f = e.f;
      op.key = e.key;
      op.invoke_event = static_cast<int64_t>(i);
      op.value_event = op.invoke_event;
      op.invoke_time = e.time;
      ops.push_back(std::move(op));
      continue;
    }
    auto it = outstanding.find(e.process);
    if (it == outstanding.end()) {
      return EventError(h, e, "type",
                        std::string("completion (") + EventTypeName(e.type) +
                            ") without an invoke: process " + std::to_string(e.process) +
                            " has no outstanding op");
    }
    Op& op = ops[it->second];
    const Event& inv = h.events[static_cast<size_t>(op.invoke_event)];
    if (e.f != op.f) {
      return EventError(h, e, "f",
                        "\"" + h.Str(e.f) + "\" completes an invoke of \"" + h.Str(op.f) +
                            "\" at line " + std::to_string(inv.line));
    }
    if (e.key != op.key) {
      auto name = [&](int32_t k) { return k == kNoString ? std::string("no key") : h.Str(k); };
      return EventError(h, e, "key",
                        "\"" + name(e.key) + "\" completes an invoke on \"" + name(op.key) +
                            "\" at line " + std::to_string(inv.line));
    }
    const bool reg = model == ModelKind::kRegister || model == ModelKind::kCasRegister ||
                     model == ModelKind::kMap;
    if (reg && e.f != read_f && !e.value.is_null() && e.value != inv.value) {
      return EventError(h, e, "value",
                        ValueToString(e.value) + " differs from the invoke's " +
                            ValueToString(inv.value) + " at line " + std::to_string(inv.line));
    }
    if (model == ModelKind::kListAppend) {
      if (auto st = shapes.CheckTxn(e, &inv.value); !st.ok()) return st;
    }
    outstanding.erase(it);
    op.complete_event = static_cast<int64_t>(i);
    op.complete_time = e.time;
    switch (e.type) {
      case EventType::kOk:
        op.status = OpStatus::kOk;
        if (!e.value.is_null() || op.f == read_f) op.value_event = static_cast<int64_t>(i);
        break;
      case EventType::kFail:
        op.status = OpStatus::kFail;
        break;
      default:
        op.status = OpStatus::kInfo;
        retired.emplace(e.process, e.line);
        break;
    }
    if (!e.value.is_null() && op.status != OpStatus::kOk) op.value_event = static_cast<int64_t>(i);
  }
  return ops;
}

}  // namespace raftlab::checkers
