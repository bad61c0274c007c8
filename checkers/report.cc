#include "checkers/report.h"

#include <nlohmann/json.hpp>

#include <cstdio>

namespace raftlab::checkers {
namespace {

using nlohmann::json;

constexpr size_t kPrefixShown = 20;

const char* StatusName(OpStatus s) {
  switch (s) {
    case OpStatus::kOk: return "ok";
    case OpStatus::kFail: return "fail";
    case OpStatus::kInfo: return "info";
  }
  return "?";
}

int64_t OpIndex(const History& h, const Op& op) {
  return h.FileIndex(op.complete_event >= 0 ? op.complete_event : op.invoke_event);
}

json ValueJson(const Value& v) {
  switch (v.kind) {
    case Value::Kind::kNull: return nullptr;
    case Value::Kind::kInt: return v.num;
    case Value::Kind::kList: {
      json a = json::array();
      for (const auto& x : v.list) a.push_back(x ? json(*x) : json(nullptr));
      return a;
    }
    case Value::Kind::kTxn: return json::parse(ValueToString(v));
  }
  return nullptr;
}

json OpJson(const History& h, const std::vector<Op>& ops, uint32_t i) {
  const Op& op = ops[i];
  json j = {{"process", op.process},
            {"f", h.Str(op.f)},
            {"type", StatusName(op.status)},
            {"value", ValueJson(OpValue(h, op))},
            {"invoke_index", h.FileIndex(op.invoke_event)},
            {"invoke_time", op.invoke_time}};
  if (op.key != kNoString) j["key"] = h.Str(op.key);
  if (op.complete_event >= 0) {
    j["complete_index"] = h.FileIndex(op.complete_event);
    j["complete_time"] = op.complete_time;
    const EventExtra& e = h.ExtraOf(h.events[static_cast<size_t>(op.complete_event)]);
    if (e.node != kNoString) j["node"] = h.Str(e.node);
    if (e.read_mode != kNoString) j["read_mode"] = h.Str(e.read_mode);
    if (e.error != kNoString) j["error"] = h.Str(e.error);
    if (e.term) j["term"] = *e.term;
    if (e.applied_index) j["applied_index"] = *e.applied_index;
  }
  return j;
}

json LatencyJson(const LatencyStats& l) {
  return {{"count", l.count}, {"p50_ns", l.p50}, {"p95_ns", l.p95}, {"p99_ns", l.p99},
          {"max_ns", l.max}};
}

const KeyResult* FirstWith(const LinearizabilityResult& r, Verdict v, size_t* count) {
  const KeyResult* first = nullptr;
  *count = 0;
  for (const KeyResult& k : r.keys) {
    if (k.verdict != v) continue;
    ++*count;
    if (!first) first = &k;
  }
  return first;
}

std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

std::string OpLine(const History& h, const std::vector<Op>& ops, uint32_t i) {
  const Op& op = ops[i];
  char buf[160];
  std::string end = op.complete_event >= 0 ? std::to_string(h.FileIndex(op.complete_event)) : "-";
  std::snprintf(buf, sizeof buf, "[%8lld..%-8s] process %-5lld %-6s %-4s %s",
                static_cast<long long>(h.FileIndex(op.invoke_event)), end.c_str(),
                static_cast<long long>(op.process), h.Str(op.f).c_str(), StatusName(op.status),
                ValueToString(OpValue(h, op)).c_str());
  return buf;
}

std::string ListAppendSummary(const ListAppendResult& la, const History& h, const std::vector<Op>& ops) {
  const std::string strongest = la.strongest ? ConsistencyModelName(*la.strongest) : "none (not even read-uncommitted)";
  std::string s = VerdictName(la.verdict);
  s += ": list-append: " + std::to_string(la.txns) + " txns on " + std::to_string(la.keys) + " keys";
  if (la.verdict == Verdict::kUnknown) return s + ": " + la.reason;
  if (la.anomalies.empty()) {
    return s + ", no anomalies; consistent with " + strongest;
  }
  std::string types;
  for (const auto& a : la.anomalies) types += (types.empty() ? "" : ", ") + a.type;
  const ListAppendAnomaly& first = la.anomalies.front();
  s += ": " + types + "; strongest model: " + strongest + " (checked " + ConsistencyModelName(la.checked) + ")";
  if (!first.ops.empty()) s += "; first witness at index " + std::to_string(OpIndex(h, ops[first.ops[0]]));
  return s;
}

json ListAppendJson(const ListAppendResult& la, const History& h, const std::vector<Op>& ops) {
  json anomalies = json::array();
  for (const ListAppendAnomaly& a : la.anomalies) {
    json aj = {{"type", a.type}, {"forbidden_from", ConsistencyModelName(a.forbidden_from)},
               {"explanation", a.explanation}, {"count", la.counts.at(a.type)}};
    if (!a.key.empty()) aj["key"] = a.key;
    aj["ops"] = json::array();
    for (uint32_t i : a.ops) aj["ops"].push_back(OpJson(h, ops, i));
    json steps = json::array();
    // Steps name the txns by their position in "ops": T1 is ops[0].
    for (size_t i = 0; i < a.steps.size(); ++i) {
      steps.push_back({{"from", "T" + std::to_string(i + 1)},
                       {"to", "T" + std::to_string((i + 1) % a.steps.size() + 1)},
                       {"kind", EdgeKindName(a.steps[i].kind)},
                       {"why", a.steps[i].why}});
    }
    if (!a.steps.empty()) aj["cycle"] = steps;
    anomalies.push_back(aj);
  }
  json j = {{"verdict", VerdictName(la.verdict)},
            {"consistency_model", ConsistencyModelName(la.checked)},
            {"strongest_model", la.strongest ? json(ConsistencyModelName(*la.strongest)) : json(nullptr)},
            {"txns", la.txns}, {"ok", la.ok}, {"info", la.info}, {"fail", la.fail},
            {"keys", la.keys}, {"edges", la.edges}, {"anomaly_counts", la.counts},
            {"anomalies", anomalies}};
  if (!la.reason.empty()) j["note"] = la.reason;
  return j;
}

}  // namespace

std::string KeyName(const History& h, int32_t key) {
  return key == kNoString ? "(no key)" : h.Str(key);
}

std::string OpPhrase(const History& h, const Op& op) {
  return h.Str(op.f) + " of " + ValueToString(OpValue(h, op));
}

std::string SummaryLine(const CheckReport& r, const History& h, const std::vector<Op>& ops) {
  const std::string verdict = VerdictName(r.verdict);
  if (r.linearizability) {
    const LinearizabilityResult& lin = *r.linearizability;
    size_t n_invalid = 0, n_unknown = 0;
    const KeyResult* bad = FirstWith(lin, Verdict::kInvalid, &n_invalid);
    const KeyResult* unknown = FirstWith(lin, Verdict::kUnknown, &n_unknown);
    if (bad) {
      std::string s = "invalid: ";
      if (bad->key != kNoString) s += "key " + h.Str(bad->key) + ": ";
      if (bad->cex.failed_op >= 0) {
        const Op& op = ops[static_cast<size_t>(bad->cex.failed_op)];
        s += OpPhrase(h, op) + " at index " + std::to_string(OpIndex(h, op)) +
             " cannot be linearized";
      } else {
        s += "not linearizable";
      }
      s += " (" + std::to_string(bad->cex.window.size()) + " ops in window)";
      if (n_invalid > 1) s += "; " + std::to_string(n_invalid - 1) + " more invalid keys";
      return s;
    }
    if (unknown) {
      std::string s = "unknown: " + std::to_string(n_unknown) + " of " +
                      std::to_string(lin.key_count) + " keys undecided (" +
                      unknown->unknown_reason + ")";
      if (!unknown->verified.empty()) s += "; verified there: " + Join(unknown->verified);
      return s;
    }
    return "valid: " + std::to_string(ops.size()) + " ops on " + std::to_string(lin.key_count) +
           " keys are linearizable (" + ModelKindName(r.model) + ")";
  }
  if (r.set) {
    const SetResult& s = *r.set;
    if (s.verdict == Verdict::kUnknown) return "unknown: set: " + s.reason;
    return verdict + ": set: " + std::to_string(s.lost) + " lost, " +
           std::to_string(s.unexpected) + " unexpected, " + std::to_string(s.stale) +
           " stale, " + std::to_string(s.recovered) + " recovered of " +
           std::to_string(s.attempted) + " adds";
  }
  if (r.bank) {
    const BankResult& b = *r.bank;
    if (b.verdict == Verdict::kUnknown) return "unknown: bank: " + b.reason;
    if (b.verdict == Verdict::kInvalid) {
      const Op& op = ops[b.bad_ops[0]];
      return "invalid: bank: " + std::to_string(b.bad_reads) + " of " + std::to_string(b.reads) +
             " reads break the total " + std::to_string(b.total) + " (first: read of " +
             ValueToString(OpValue(h, op)) + " at index " + std::to_string(OpIndex(h, op)) + ")";
    }
    return "valid: bank: all " + std::to_string(b.reads) + " reads total " +
           std::to_string(b.total);
  }
  if (r.list_append) return ListAppendSummary(*r.list_append, h, ops);
  return "valid: stats only: " + std::to_string(r.stats.ops) + " ops (ok " +
         std::to_string(r.stats.ok) + ", fail " + std::to_string(r.stats.fail) + ", info " +
         std::to_string(r.stats.info) + ")";
}

std::string ReportText(const CheckReport& r, const History& h, const std::vector<Op>& ops) {
  std::string out;
  if (r.linearizability) {
    for (const KeyResult& k : r.linearizability->keys) {
      if (k.verdict == Verdict::kValid) continue;
      if (k.verdict == Verdict::kUnknown) {
        out += "key " + KeyName(h, k.key) + ": unknown (" + k.unknown_reason + ", " +
               std::to_string(k.ops) + " ops)";
        if (!k.verified.empty()) out += "; verified: " + Join(k.verified);
        out += "\n";
        continue;
      }
      const Counterexample& c = k.cex;
      out += "key " + KeyName(h, k.key) + ": not linearizable (" + c.kind + ", found by " +
             k.method + ")\n";
      out += "  " + c.explanation + "\n";
      out += "  window (" + std::to_string(c.window.size()) + " ops):\n";
      for (uint32_t i : c.window) {
        out += "    " + OpLine(h, ops, i);
        if (static_cast<int64_t>(i) == c.failed_op) out += "   <- cannot be placed";
        out += "\n";
      }
      for (const auto& s : c.states) out += "  state: " + s + "\n";
      if (!c.prefix.empty()) {
        out += "  longest linearizable prefix found: " + std::to_string(c.prefix.size()) +
               " ops; the last ones:\n";
        size_t from = c.prefix.size() > 5 ? c.prefix.size() - 5 : 0;
        for (size_t i = from; i < c.prefix.size(); ++i) {
          out += "    " + OpLine(h, ops, c.prefix[i]) + "\n";
        }
      }
    }
  }
  if (r.set && r.set->verdict == Verdict::kInvalid) {
    auto list = [](const std::vector<int64_t>& v) {
      std::string s;
      for (int64_t x : v) s += (s.empty() ? "" : " ") + std::to_string(x);
      return s;
    };
    const SetResult& s = *r.set;
    if (s.lost) out += "lost: " + list(s.lost_values) + "\n";
    if (s.unexpected) out += "unexpected: " + list(s.unexpected_values) + "\n";
    if (s.stale) out += "stale: " + list(s.stale_values) + "\n";
  }
  if (r.bank && r.bank->verdict == Verdict::kInvalid) {
    for (uint32_t i : r.bank->bad_ops) out += "bad read: " + OpLine(h, ops, i) + "\n";
  }
  if (r.list_append) {
    for (const ListAppendAnomaly& a : r.list_append->anomalies) {
      out += a.type + " (rules out " + ConsistencyModelName(a.forbidden_from) + " and stronger";
      if (!a.key.empty()) out += "; key " + a.key;
      out += "):\n  " + a.explanation + "\n";
      if (a.steps.empty()) {
        for (uint32_t i : a.ops) out += "    " + OpLine(h, ops, i) + "\n";
      }
    }
    if (!r.list_append->reason.empty()) out += "note: " + r.list_append->reason + "\n";
  }
  return out;
}

std::string ReportJson(const CheckReport& r, const History& h, const std::vector<Op>& ops) {
  json j;
  j["verdict"] = VerdictName(r.verdict);
  j["valid"] = r.verdict == Verdict::kValid     ? json(true)
               : r.verdict == Verdict::kInvalid ? json(false)
                                                : json("unknown");
  j["model"] = ModelKindName(r.model);
  j["history"] = r.history_path;
  j["summary"] = SummaryLine(r, h, ops);
  j["check_seconds"] = r.check_seconds;
  if (r.linearizability) {
    const LinearizabilityResult& lin = *r.linearizability;
    json keys = json::array();
    json cexs = json::array();
    size_t valid = 0;
    for (const KeyResult& k : lin.keys) {
      if (k.verdict == Verdict::kValid) {
        ++valid;
        continue;
      }
      json kj = {{"key", KeyName(h, k.key)},
                 {"verdict", VerdictName(k.verdict)},
                 {"ops", k.ops},
                 {"method", k.method}};
      if (k.verdict == Verdict::kUnknown) {
        kj["reason"] = k.unknown_reason;
        kj["verified"] = k.verified;
      }
      keys.push_back(kj);
      if (k.verdict != Verdict::kInvalid) continue;
      const Counterexample& c = k.cex;
      json cj = {{"key", KeyName(h, k.key)},
                 {"kind", c.kind},
                 {"method", k.method},
                 {"explanation", c.explanation},
                 {"states", c.states},
                 {"prefix_length", c.prefix.size()}};
      if (c.failed_op >= 0) cj["failed_op"] = OpJson(h, ops, static_cast<uint32_t>(c.failed_op));
      cj["window"] = json::array();
      for (uint32_t i : c.window) cj["window"].push_back(OpJson(h, ops, i));
      cj["prefix_tail"] = json::array();
      size_t from = c.prefix.size() > kPrefixShown ? c.prefix.size() - kPrefixShown : 0;
      for (size_t i = from; i < c.prefix.size(); ++i) {
        cj["prefix_tail"].push_back(OpJson(h, ops, c.prefix[i]));
      }
      cexs.push_back(cj);
    }
    j["linearizability"] = {{"keys", lin.key_count}, {"valid_keys", valid}, {"other_keys", keys}};
    j["counterexamples"] = cexs;
  }
  if (r.set) {
    const SetResult& s = *r.set;
    j["set"] = {{"verdict", VerdictName(s.verdict)}, {"attempted", s.attempted},
                {"acknowledged", s.acknowledged}, {"lost", s.lost},
                {"unexpected", s.unexpected}, {"recovered", s.recovered},
                {"stale", s.stale}, {"lost_values", s.lost_values},
                {"unexpected_values", s.unexpected_values}, {"stale_values", s.stale_values}};
    if (!s.reason.empty()) j["set"]["reason"] = s.reason;
  }
  if (r.bank) {
    const BankResult& b = *r.bank;
    json bad = json::array();
    for (uint32_t i : b.bad_ops) bad.push_back(OpJson(h, ops, i));
    j["bank"] = {{"verdict", VerdictName(b.verdict)}, {"total", b.total},
                 {"total_given", b.total_given}, {"reads", b.reads},
                 {"bad_reads", b.bad_reads}, {"bad_ops", bad}};
    if (!b.reason.empty()) j["bank"]["reason"] = b.reason;
  }
  if (r.list_append) j["list_append"] = ListAppendJson(*r.list_append, h, ops);
  const Stats& s = r.stats;
  json per_f = json::array();
  for (const FStats& f : s.per_f) {
    per_f.push_back({{"f", f.f}, {"ok", f.ok}, {"fail", f.fail}, {"info", f.info},
                     {"latency", LatencyJson(f.latency)}});
  }
  j["stats"] = {{"ops", s.ops}, {"ok", s.ok}, {"fail", s.fail}, {"info", s.info},
                {"per_f", per_f}, {"latency", LatencyJson(s.latency)},
                {"ok_per_second", s.ok_per_second}, {"duration_seconds", s.duration_seconds}};
  return j.dump(2) + "\n";
}

}  // namespace raftlab::checkers
