// Hot-path cost of the metrics: one counter increment, one histogram observation, and a
// scrape of 1000 series.

#include <benchmark/benchmark.h>

#include <string>

#include "server/metrics/registry.h"

namespace raftlab::metrics {
namespace {

void BM_CounterInc(benchmark::State& state) {
  static Registry registry;
  static Counter* c =
      registry.AddCounter("raftlab_bench_events_total", "Events.", {"lane"}).WithLabels({"x"});
  for (auto _ : state) c->Inc();
  benchmark::DoNotOptimize(c->Value());
}
BENCHMARK(BM_CounterInc)->Threads(1)->Threads(2);

void BM_HistogramObserve(benchmark::State& state) {
  static Registry registry;
  static Histogram* h =
      registry.AddHistogram("raftlab_bench_latency_seconds", "Latency.", LatencyBuckets())
          .Get();
  double v = 0.00003;
  for (auto _ : state) {
    h->Observe(v);
    v = v < 20 ? v * 1.7 : 0.00003;  // walks every bucket
  }
}
BENCHMARK(BM_HistogramObserve)->Threads(1)->Threads(2);

// 1000 series: 500 counters, 400 gauges, and 100 histograms of 16 buckets.
void BM_Exposition1000Series(benchmark::State& state) {
  Registry registry;
  auto& counters = registry.AddCounter("raftlab_bench_requests_total", "Requests.", {"group"});
  auto& gauges = registry.AddGauge("raftlab_bench_commit_index", "Commit.", {"group"});
  auto& hists =
      registry.AddHistogram("raftlab_bench_apply_seconds", "Apply.", LatencyBuckets(), {"group"});
  for (int i = 0; i < 500; ++i) counters.WithLabels({std::to_string(i)})->Add(i * 977);
  for (int i = 0; i < 400; ++i) gauges.WithLabels({std::to_string(i)})->Set(i * 12345.5);
  for (int i = 0; i < 100; ++i) hists.WithLabels({std::to_string(i)})->Observe(i * 0.001);
  std::string out;
  for (auto _ : state) {
    out.clear();
    registry.AppendText(&out);
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["bytes"] = static_cast<double>(out.size());
}
BENCHMARK(BM_Exposition1000Series);

}  // namespace
}  // namespace raftlab::metrics
