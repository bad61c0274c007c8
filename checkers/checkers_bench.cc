// Checker benchmarks on generated cas-register histories (history_gen.h) and list-append
// histories (list_append_gen.h), parsing included where the name says so.
//   ninja -C BUILD checkers/checkers_bench && BUILD/checkers/checkers_bench
#include <benchmark/benchmark.h>

#include <sstream>

#include "checkers/history_gen.h"
#include "checkers/jsonl.h"
#include "checkers/linearizability.h"
#include "checkers/list_append.h"
#include "checkers/list_append_gen.h"
#include "checkers/validate.h"

namespace raftlab::checkers {
namespace {

History Generate(int64_t ops, int clients, int keys, double info_rate, bool stale) {
  HistoryGenOptions o;
  o.ops = ops;
  o.clients = clients;
  o.keys = keys;
  o.info_rate = info_rate;
  o.stale_read = stale;
  return GenerateCasHistory(o).history;
}

void Check(benchmark::State& state, const History& h, Verdict expected) {
  for (auto _ : state) {
    auto ops = BuildOps(h, ModelKind::kCasRegister);
    LinearizabilityOptions options;
    auto r = CheckLinearizability(h, *ops, options);
    if (r.verdict != expected) state.SkipWithError("unexpected verdict");
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(h.events.size() / 2));
}

void BM_Check100kOps100Keys(benchmark::State& state) {
  static const History h = Generate(100000, 10, 100, 0, false);
  Check(state, h, Verdict::kValid);
}
BENCHMARK(BM_Check100kOps100Keys)->Unit(benchmark::kMillisecond);

void BM_Check100kOps100KeysStaleRead(benchmark::State& state) {
  static const History h = Generate(100000, 10, 100, 0, true);
  Check(state, h, Verdict::kInvalid);
}
BENCHMARK(BM_Check100kOps100KeysStaleRead)->Unit(benchmark::kMillisecond);

void BM_Check1Key2000OpsInfo(benchmark::State& state) {
  static const History h = Generate(2000, 5, 1, 0.05, false);
  Check(state, h, Verdict::kValid);
}
BENCHMARK(BM_Check1Key2000OpsInfo)->Unit(benchmark::kMillisecond);

void BM_Check1Key2000OpsInfoStaleRead(benchmark::State& state) {
  static const History h = Generate(2000, 5, 1, 0.05, true);
  Check(state, h, Verdict::kInvalid);
}
BENCHMARK(BM_Check1Key2000OpsInfoStaleRead)->Unit(benchmark::kMillisecond);

void BM_ParseJsonl100kOps(benchmark::State& state) {
  static const std::string text = [] {
    std::ostringstream out;
    WriteJsonl(Generate(100000, 10, 100, 0, false), out);
    return out.str();
  }();
  for (auto _ : state) {
    auto h = ParseJsonl(text, "bench.jsonl");
    benchmark::DoNotOptimize(h);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(text.size()));
}
BENCHMARK(BM_ParseJsonl100kOps)->Unit(benchmark::kMillisecond);

// 100k txns from 20 clients over 40 active keys, 1% fail and 1% info: the whole
// list-append check (pairing, inference, graph with real-time edges, cycle search).
const std::string& ListAppendText() {
  static const std::string text = [] {
    ListAppendGenOptions o;
    o.txns = 100000;
    o.clients = 20;
    o.active_keys = 40;
    o.fail_rate = 0.01;
    o.info_rate = 0.01;
    std::ostringstream out;
    WriteJsonl(GenerateListAppendHistory(o), out);
    return out.str();
  }();
  return text;
}

void BM_ListAppendParseAndCheck100kTxns(benchmark::State& state) {
  const std::string& text = ListAppendText();
  for (auto _ : state) {
    auto h = ParseJsonl(text, "bench.jsonl");
    auto ops = BuildOps(*h, ModelKind::kListAppend);
    auto r = CheckListAppend(*h, *ops);
    if (!r.ok() || r->verdict != Verdict::kValid) state.SkipWithError("unexpected verdict");
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations() * 100000);
}
BENCHMARK(BM_ListAppendParseAndCheck100kTxns)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace raftlab::checkers
