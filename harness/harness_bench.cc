// The harness's own ceiling: workers, generator, recorder (one flushed line per event) and
// the final check, against one in-process fake node (an in-memory map that answers at
// once), so the harness is the bottleneck being measured. Reports recorded ok ops/s.
//   ninja -C BUILD harness/harness_bench && BUILD/harness/harness_bench
#include <benchmark/benchmark.h>

#include <atomic>

#include <nlohmann/json.hpp>

#include "harness/runner.h"
#include "harness/test_util.h"
#include "server/api/client/fake_node.h"

namespace raftlab::harness {
namespace {

void BM_RegisterAgainstFakeNode(benchmark::State& state) {
  for (auto _ : state) {
    testing::TempDir dir;
    client::testing::FakeNode node(1);
    TestOptions o;
    o.workload = "register";
    o.endpoints = {node.address()};
    o.time_limit_s = 5;
    o.rate = 0;
    o.concurrency = static_cast<int>(state.range(0));
    o.out = dir.path() + "/run";
    o.command = "harness_bench";
    std::atomic<bool> stop{false};
    const int code = RunTest(o, stop);
    auto results = nlohmann::json::parse(testing::ReadAll(o.out + "/results.json"));
    const double ok = results["checker"]["stats"].value("ok", 0.0);
    state.counters["ok_ops_per_s"] = ok / o.time_limit_s;
    state.counters["valid"] = code == 0 ? 1 : 0;
  }
}
BENCHMARK(BM_RegisterAgainstFakeNode)->Arg(8)->Arg(16)->Arg(32)->Iterations(1)->Unit(benchmark::kSecond);

}  // namespace
}  // namespace raftlab::harness
