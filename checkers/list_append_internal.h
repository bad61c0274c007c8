// The list-append checker's working state, shared by its inference (list_append.cc) and
// its cycle search and explanations (list_append_cycles.cc). Not part of the public API.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "checkers/dep_graph.h"
#include "checkers/list_append.h"

namespace raftlab::checkers::list_append {

struct Mop {
  int32_t key = 0;
  bool append = false;
  bool has_read = false;  // reads of ok txns only
  int64_t element = 0;
  uint32_t read_begin = 0, read_len = 0;  // into State::reads
};

struct Txn {
  uint32_t op = 0;  // index into ops
  OpStatus status = OpStatus::kOk;
  uint32_t mop_begin = 0, mop_end = 0;
  int32_t node = -1;  // graph node (ok and info txns)
};

struct Writer {
  uint32_t txn = 0;
  bool intermediate = false;  // the same txn appends a later element to the same key
  int32_t pos = -1;           // position in the key's version order, -1 if not in it
};

struct AppendId {
  int32_t key;
  int64_t element;
  bool operator==(const AppendId&) const = default;
};
struct AppendIdHash {
  size_t operator()(const AppendId& a) const {
    return std::hash<int64_t>{}(a.element * 0x9E3779B97F4A7C15LL ^ a.key);
  }
};

struct KeyState {
  std::string name;
  bool bad = false;  // incompatible or duplicate reads: no inference from it
  int64_t longest_txn = -1;
  uint32_t longest_mop = 0;
  uint32_t vo_begin = 0, vo_len = 0;  // the version order, into State::reads
  int64_t last_reader = -1;           // ok reader of this key invoked last
};

struct State {
  const History& h;
  const std::vector<Op>& ops;
  ListAppendOptions options;
  std::vector<Txn> txns;
  std::vector<Mop> mops;
  std::vector<int64_t> reads;
  std::vector<KeyState> keys;
  std::unordered_map<AppendId, Writer, AppendIdHash> writers;
  std::vector<uint32_t> node_txn;  // graph node -> txn
  ListAppendResult result;

  State(const History& history, const std::vector<Op>& o, const ListAppendOptions& opt)
      : h(history), ops(o), options(opt) {}

  const Writer* WriterOf(int32_t key, int64_t element) const {
    auto it = writers.find({key, element});
    return it == writers.end() ? nullptr : &it->second;
  }
  const Op& OpOf(uint32_t txn) const { return ops[txns[txn].op]; }
  // "index 12": the op's completion (or invoke, if it never completed) in the history.
  std::string IndexOf(uint32_t txn) const;
  // A read's elements, "[1 2 3]", shortened in the middle when long.
  std::string ListText(const Mop& m) const;
  void Report(ListAppendAnomaly anomaly);
  // Counts one instance of type; the first becomes the witness via make().
  template <typename F>
  void Found(const std::string& type, ConsistencyModel forbidden_from, F&& make) {
    if (result.counts[type]++ > 0) return;
    ListAppendAnomaly a = make();
    a.type = type;
    a.forbidden_from = forbidden_from;
    Report(std::move(a));
  }
};

// Searches the graph of s for cycles and reports each kind once (list_append_cycles.cc).
void FindCycles(State& s, const DepGraph& g);

}  // namespace raftlab::checkers::list_append
