#include "checkers/list_append.h"

#include <algorithm>

#include "checkers/dep_graph.h"
#include "checkers/list_append_internal.h"

namespace raftlab::checkers {
namespace list_append {
namespace {

constexpr ConsistencyModel kRU = ConsistencyModel::kReadUncommitted;
constexpr ConsistencyModel kRC = ConsistencyModel::kReadCommitted;
constexpr ConsistencyModel kStrict = ConsistencyModel::kStrictSerializable;

std::string ElementsText(const int64_t* v, size_t n) {
  auto items = [&](size_t from, size_t to) {
    std::string s;
    for (size_t i = from; i < to; ++i) s += (s.empty() ? "" : " ") + std::to_string(v[i]);
    return s;
  };
  if (n <= 8) return "[" + items(0, n) + "]";
  return "[" + items(0, 3) + " ... " + items(n - 3, n) + "] (" + std::to_string(n) + " elements)";
}

class Loader {
 public:
  explicit Loader(State& s) : s_(s) {}

  Status Load() {
    std::unordered_map<std::string, int32_t> key_ids;
    for (uint32_t i = 0; i < s_.ops.size(); ++i) {
      const Op& op = s_.ops[i];
      Txn t;
      t.op = i;
      t.status = op.status;
      t.mop_begin = static_cast<uint32_t>(s_.mops.size());
      ++s_.result.txns;
      switch (op.status) {
        case OpStatus::kOk: ++s_.result.ok; break;
        case OpStatus::kInfo: ++s_.result.info; break;
        case OpStatus::kFail: ++s_.result.fail; break;
      }
      const Value& v = OpValue(s_.h, op);
      const uint32_t txn = static_cast<uint32_t>(s_.txns.size());
      for (const MicroOp& m : v.is_txn() ? v.micro_ops() : InvokeValue(s_.h, op).micro_ops()) {
        Mop mop;
        auto [it, fresh] = key_ids.try_emplace(m.key, static_cast<int32_t>(s_.keys.size()));
        if (fresh) s_.keys.push_back(KeyState{m.key});
        mop.key = it->second;
        if (m.kind == MicroOp::Kind::kAppend) {
          mop.append = true;
          mop.element = m.element;
          auto [w, new_append] = s_.writers.try_emplace({mop.key, m.element}, Writer{txn});
          if (!new_append) return DuplicateAppend(op, s_.OpOf(w->second.txn), m);
        } else if (op.status == OpStatus::kOk && m.read) {
          mop.has_read = true;
          mop.read_begin = static_cast<uint32_t>(s_.reads.size());
          mop.read_len = static_cast<uint32_t>(m.read->size());
          s_.reads.insert(s_.reads.end(), m.read->begin(), m.read->end());
        }
        s_.mops.push_back(mop);
      }
      t.mop_end = static_cast<uint32_t>(s_.mops.size());
      MarkIntermediate(t);
      if (op.status != OpStatus::kFail) {
        t.node = static_cast<int32_t>(s_.node_txn.size());
        s_.node_txn.push_back(txn);
      }
      s_.txns.push_back(t);
    }
    s_.result.keys = s_.keys.size();
    return Status::Ok();
  }

 private:
  Status DuplicateAppend(const Op& op, const Op& first, const MicroOp& m) const {
    const Event& e = s_.h.events[static_cast<size_t>(op.invoke_event)];
    const Event& f = s_.h.events[static_cast<size_t>(first.invoke_event)];
    return Status::Error(s_.h.source + ":" + std::to_string(e.line) + ": field \"value\": element " +
                         std::to_string(m.element) + " is appended to key " + m.key +
                         " again (first at line " + std::to_string(f.line) +
                         "); list-append needs unique elements per key");
  }

  // An append followed by another append to the same key in the same txn is intermediate.
  void MarkIntermediate(const Txn& t) {
    for (uint32_t i = t.mop_begin; i < t.mop_end; ++i) {
      const Mop& a = s_.mops[i];
      if (!a.append) continue;
      for (uint32_t j = i + 1; j < t.mop_end; ++j) {
        if (s_.mops[j].append && s_.mops[j].key == a.key) {
          s_.writers[{a.key, a.element}].intermediate = true;
          break;
        }
      }
    }
  }

  State& s_;
};

// Duplicates, internal consistency, and per key the longest and the last-invoked read.
void ScanReads(State& s) {
  std::vector<int64_t> sorted;
  struct Expect {
    int32_t key;
    bool known;                  // expect is the whole list, else only its suffix
    std::vector<int64_t> expect;
  };
  std::vector<Expect> within;
  for (uint32_t t = 0; t < s.txns.size(); ++t) {
    const Txn& txn = s.txns[t];
    if (txn.status != OpStatus::kOk) continue;
    within.clear();
    for (uint32_t i = txn.mop_begin; i < txn.mop_end; ++i) {
      const Mop& m = s.mops[i];
      auto w = std::find_if(within.begin(), within.end(), [&](const Expect& x) { return x.key == m.key; });
      if (m.append) {
        if (w == within.end()) w = within.insert(within.end(), Expect{m.key, false, {}});
        w->expect.push_back(m.element);
        continue;
      }
      if (!m.has_read) continue;
      const int64_t* r = s.reads.data() + m.read_begin;
      KeyState& k = s.keys[static_cast<size_t>(m.key)];
      if (w != within.end()) {
        const auto& e = w->expect;
        const bool ok = w->known ? std::equal(r, r + m.read_len, e.begin(), e.end())
                                 : m.read_len >= e.size() && std::equal(e.begin(), e.end(), r + m.read_len - e.size());
        if (!ok) {
          s.Found("internal", kRU, [&] {
            ListAppendAnomaly a;
            a.key = k.name;
            a.ops = {txn.op};
            a.explanation = "txn at " + s.IndexOf(t) + " read key " + k.name + " = " + s.ListText(m) +
                            ", but its own earlier reads and appends imply " +
                            (w->known ? "" : "a list ending in ") + ElementsText(e.data(), e.size());
            return a;
          });
        }
        w->known = true;
        w->expect.assign(r, r + m.read_len);
      } else {
        within.push_back(Expect{m.key, true, std::vector<int64_t>(r, r + m.read_len)});
      }
      sorted.assign(r, r + m.read_len);
      std::sort(sorted.begin(), sorted.end());
      auto dup = std::adjacent_find(sorted.begin(), sorted.end());
      if (dup != sorted.end()) {
        k.bad = true;
        const int64_t element = *dup;
        s.Found("duplicate-elements", kRU, [&] {
          ListAppendAnomaly a;
          a.key = k.name;
          a.ops = {txn.op};
          a.explanation = "txn at " + s.IndexOf(t) + " read key " + k.name + " = " + s.ListText(m) +
                          ", which holds element " + std::to_string(element) + " more than once";
          return a;
        });
      }
      if (k.longest_txn < 0 || m.read_len > s.mops[k.longest_mop].read_len) {
        k.longest_txn = t;
        k.longest_mop = i;
      }
      if (k.last_reader < 0 || s.ops[txn.op].invoke_event > s.OpOf(static_cast<uint32_t>(k.last_reader)).invoke_event) {
        k.last_reader = t;
      }
    }
  }
}

// Each key's version order is its longest read; every read must be a prefix of it.
void VersionOrders(State& s) {
  for (KeyState& k : s.keys) {
    if (k.longest_txn < 0) continue;
    const Mop& longest = s.mops[k.longest_mop];
    k.vo_begin = longest.read_begin;
    k.vo_len = longest.read_len;
  }
  for (uint32_t t = 0; t < s.txns.size(); ++t) {
    const Txn& txn = s.txns[t];
    for (uint32_t i = txn.mop_begin; i < txn.mop_end; ++i) {
      const Mop& m = s.mops[i];
      if (!m.has_read) continue;
      KeyState& k = s.keys[static_cast<size_t>(m.key)];
      const int64_t* vo = s.reads.data() + k.vo_begin;
      const int64_t* r = s.reads.data() + m.read_begin;
      if (std::equal(r, r + m.read_len, vo)) continue;
      k.bad = true;
      s.Found("incompatible-order", kRU, [&] {
        const uint32_t other = static_cast<uint32_t>(k.longest_txn);
        ListAppendAnomaly a;
        a.key = k.name;
        a.ops = {s.txns[other].op, txn.op};
        a.explanation = "key " + k.name + ": txn at " + s.IndexOf(other) + " read " +
                        s.ListText(s.mops[k.longest_mop]) + " and txn at " + s.IndexOf(t) + " read " +
                        s.ListText(m) + "; neither is a prefix of the other, so no single order of appends explains both";
        return a;
      });
    }
  }
  for (int32_t key = 0; key < static_cast<int32_t>(s.keys.size()); ++key) {
    const KeyState& k = s.keys[static_cast<size_t>(key)];
    if (k.bad) continue;
    for (uint32_t p = 0; p < k.vo_len; ++p) {
      auto it = s.writers.find({key, s.reads[k.vo_begin + p]});
      if (it != s.writers.end()) it->second.pos = static_cast<int32_t>(p);
    }
  }
}

// Elements nobody appended, elements of failed appends (G1a), intermediate reads (G1b).
void CheckElements(State& s) {
  for (uint32_t t = 0; t < s.txns.size(); ++t) {
    const Txn& txn = s.txns[t];
    for (uint32_t i = txn.mop_begin; i < txn.mop_end; ++i) {
      const Mop& m = s.mops[i];
      if (!m.has_read) continue;
      const std::string& key = s.keys[static_cast<size_t>(m.key)].name;
      for (uint32_t p = 0; p < m.read_len; ++p) {
        const int64_t e = s.reads[m.read_begin + p];
        const Writer* w = s.WriterOf(m.key, e);
        if (w == nullptr) {
          s.Found("unknown-element", kRU, [&] {
            ListAppendAnomaly a;
            a.key = key;
            a.ops = {txn.op};
            a.explanation = "txn at " + s.IndexOf(t) + " read key " + key + " = " + s.ListText(m) +
                            ", but no txn appended " + std::to_string(e) + " to " + key;
            return a;
          });
          continue;
        }
        if (s.txns[w->txn].status == OpStatus::kFail) {
          s.Found("G1a", kRC, [&] {
            ListAppendAnomaly a;
            a.key = key;
            a.ops = {s.txns[w->txn].op, txn.op};
            a.explanation = "aborted read: txn at " + s.IndexOf(t) + " read key " + key + " = " + s.ListText(m) +
                            ", but element " + std::to_string(e) + " was appended by the txn at " +
                            s.IndexOf(w->txn) + ", which failed";
            return a;
          });
        }
        if (p + 1 == m.read_len && w->intermediate && w->txn != t) {
          s.Found("G1b", kRC, [&] {
            ListAppendAnomaly a;
            a.key = key;
            a.ops = {s.txns[w->txn].op, txn.op};
            a.explanation = "intermediate read: txn at " + s.IndexOf(t) + " read key " + key + " = " +
                            s.ListText(m) + ", ending in " + std::to_string(e) + ", which the txn at " +
                            s.IndexOf(w->txn) + " appended and then followed with another append to " + key;
            return a;
          });
        }
      }
    }
  }
}

// An acknowledged append missing from a read of its key invoked after it completed.
void CheckLostAppends(State& s) {
  for (const auto& [id, w] : s.writers) {
    const KeyState& k = s.keys[static_cast<size_t>(id.key)];
    const Txn& writer = s.txns[w.txn];
    if (k.bad || w.pos >= 0 || writer.status != OpStatus::kOk || k.last_reader < 0) continue;
    const uint32_t reader = static_cast<uint32_t>(k.last_reader);
    if (s.OpOf(reader).invoke_event <= s.OpOf(w.txn).complete_event) continue;
    s.Found("lost-append", kStrict, [&] {
      ListAppendAnomaly a;
      a.key = k.name;
      a.ops = {writer.op, s.txns[reader].op};
      std::string read_text = "[]";
      for (uint32_t i = s.txns[reader].mop_begin; i < s.txns[reader].mop_end; ++i) {
        if (s.mops[i].has_read && s.mops[i].key == id.key) read_text = s.ListText(s.mops[i]);
      }
      a.explanation = "the txn at " + s.IndexOf(w.txn) + " appended " + std::to_string(id.element) + " to key " +
                      k.name + " and was acknowledged, yet the txn at " + s.IndexOf(reader) +
                      ", invoked after that, read " + k.name + " = " + read_text + " without it";
      return a;
    });
  }
}

void AddDataEdges(State& s, DepGraph& g) {
  auto node = [&](uint32_t txn) { return s.txns[txn].node; };
  for (int32_t key = 0; key < static_cast<int32_t>(s.keys.size()); ++key) {
    const KeyState& k = s.keys[static_cast<size_t>(key)];
    if (k.bad) continue;
    const Writer* prev = nullptr;
    for (uint32_t p = 0; p < k.vo_len; ++p) {
      const Writer* w = s.WriterOf(key, s.reads[k.vo_begin + p]);
      if (prev && w && node(prev->txn) >= 0 && node(w->txn) >= 0) {
        g.Add(static_cast<uint32_t>(node(prev->txn)), static_cast<uint32_t>(node(w->txn)), kWW);
      }
      prev = w;
    }
  }
  for (uint32_t t = 0; t < s.txns.size(); ++t) {
    const Txn& txn = s.txns[t];
    for (uint32_t i = txn.mop_begin; i < txn.mop_end; ++i) {
      const Mop& m = s.mops[i];
      const KeyState& k = s.keys[static_cast<size_t>(m.key)];
      if (!m.has_read || k.bad) continue;
      const auto reader = static_cast<uint32_t>(txn.node);
      if (m.read_len > 0) {
        const Writer* w = s.WriterOf(m.key, s.reads[m.read_begin + m.read_len - 1]);
        if (w && node(w->txn) >= 0) g.Add(static_cast<uint32_t>(node(w->txn)), reader, kWR);
      }
      if (m.read_len < k.vo_len) {
        const Writer* w = s.WriterOf(m.key, s.reads[k.vo_begin + m.read_len]);
        if (w && node(w->txn) >= 0) g.Add(reader, static_cast<uint32_t>(node(w->txn)), kRW);
      }
    }
  }
}

// Real-time order, transitively reduced as it is built: each txn gets an edge from every
// txn on the "frontier" (completed, and not yet known to precede another completed txn)
// when it is invoked; when it completes, it replaces its predecessors on the frontier.
void AddRealtimeEdges(State& s, DepGraph& g) {
  struct Point {
    int64_t event;
    uint32_t txn;
    bool complete;
  };
  std::vector<Point> points;
  points.reserve(s.node_txn.size() * 2);
  for (uint32_t t : s.node_txn) {
    const Op& op = s.OpOf(t);
    points.push_back({op.invoke_event, t, false});
    if (s.txns[t].status == OpStatus::kOk) points.push_back({op.complete_event, t, true});
  }
  std::sort(points.begin(), points.end(), [](const Point& a, const Point& b) { return a.event < b.event; });
  std::vector<uint32_t> frontier;                  // nodes
  std::vector<std::vector<uint32_t>> preds(s.node_txn.size());  // open txns only
  std::vector<bool> on_frontier(s.node_txn.size(), false);
  for (const Point& p : points) {
    const auto n = static_cast<uint32_t>(s.txns[p.txn].node);
    if (!p.complete) {
      for (uint32_t f : frontier) g.Add(f, n, kRT);
      if (s.txns[p.txn].status == OpStatus::kOk) preds[n] = frontier;
      continue;
    }
    for (uint32_t f : preds[n]) on_frontier[f] = false;
    preds[n].clear();
    preds[n].shrink_to_fit();
    std::erase_if(frontier, [&](uint32_t f) { return !on_frontier[f]; });
    frontier.push_back(n);
    on_frontier[n] = true;
  }
}

ConsistencyModel Weaker(ConsistencyModel m) { return static_cast<ConsistencyModel>(static_cast<int>(m) - 1); }

}  // namespace

std::string State::IndexOf(uint32_t txn) const {
  const Op& op = OpOf(txn);
  return "index " + std::to_string(h.FileIndex(op.complete_event >= 0 ? op.complete_event : op.invoke_event));
}

std::string State::ListText(const Mop& m) const { return ElementsText(reads.data() + m.read_begin, m.read_len); }

void State::Report(ListAppendAnomaly anomaly) { result.anomalies.push_back(std::move(anomaly)); }

}  // namespace list_append

std::optional<ConsistencyModel> ParseConsistencyModel(std::string_view name) {
  for (int i = 0; i <= static_cast<int>(ConsistencyModel::kStrictSerializable); ++i) {
    auto m = static_cast<ConsistencyModel>(i);
    if (name == ConsistencyModelName(m)) return m;
  }
  return std::nullopt;
}

const char* ConsistencyModelName(ConsistencyModel model) {
  switch (model) {
    case ConsistencyModel::kReadUncommitted: return "read-uncommitted";
    case ConsistencyModel::kReadCommitted: return "read-committed";
    case ConsistencyModel::kSnapshotIsolation: return "snapshot-isolation";
    case ConsistencyModel::kSerializable: return "serializable";
    case ConsistencyModel::kStrictSerializable: return "strict-serializable";
  }
  return "?";
}

std::string ConsistencyModelNames() {
  std::string out;
  for (int i = 0; i <= static_cast<int>(ConsistencyModel::kStrictSerializable); ++i) {
    out += (out.empty() ? "" : ", ") + std::string(ConsistencyModelName(static_cast<ConsistencyModel>(i)));
  }
  return out;
}

const char* EdgeKindName(uint8_t kind) {
  switch (kind) {
    case kWW: return "ww";
    case kWR: return "wr";
    case kRW: return "rw";
    case kRT: return "rt";
  }
  return "?";
}

Result<ListAppendResult> CheckListAppend(const History& history, const std::vector<Op>& ops,
                                         const ListAppendOptions& options) {
  using namespace list_append;
  State s(history, ops, options);
  if (auto st = Loader(s).Load(); !st.ok()) return st;
  ScanReads(s);
  VersionOrders(s);
  CheckElements(s);
  CheckLostAppends(s);
  DepGraph g(static_cast<uint32_t>(s.node_txn.size()));
  AddDataEdges(s, g);
  AddRealtimeEdges(s, g);
  g.Finish();
  s.result.edges = g.edges();
  FindCycles(s, g);

  ListAppendResult& r = s.result;
  r.checked = options.model;
  std::stable_sort(r.anomalies.begin(), r.anomalies.end(),
                   [](const ListAppendAnomaly& a, const ListAppendAnomaly& b) { return a.forbidden_from < b.forbidden_from; });
  r.strongest = ConsistencyModel::kStrictSerializable;
  for (const ListAppendAnomaly& a : r.anomalies) {
    if (a.forbidden_from == ConsistencyModel::kReadUncommitted) {
      r.strongest.reset();
      break;
    }
    if (a.forbidden_from <= *r.strongest) r.strongest = Weaker(a.forbidden_from);
  }
  const bool violated = !r.strongest || *r.strongest < options.model;
  if (violated) {
    r.verdict = Verdict::kInvalid;
  } else if (r.ok == 0) {
    r.verdict = Verdict::kUnknown;
    r.reason = "no ok txn";
  }
  return std::move(s.result);
}

}  // namespace raftlab::checkers
