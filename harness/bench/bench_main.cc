// raftlab-bench: benchmark results for regression tracking (ci/bench.sh drives it).
//   raftlab-bench collect --out FILE [--commit SHA] [--gbench PREFIX=FILE]... [--ctl NAME=FILE]...
//                         [--seconds NAME=VALUE]...
//   raftlab-bench compare BASELINE NEW [--threshold 0.10] [--alpha 0.05] [--min-repetitions 5]
//   raftlab-bench trend --out trend.html RESULT...
// Exit status: 0 fine, 1 compare found a regression, 2 bad command line or input.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <sstream>

#include "absl/strings/numbers.h"
#include "harness/bench/compare.h"
#include "harness/bench/result.h"
#include "harness/bench/trend.h"

namespace {

using namespace raftlab::bench;

int Fail(const std::string& msg) {
  std::fprintf(stderr, "raftlab-bench: %s\n", msg.c_str());
  return 2;
}

std::string ReadText(const std::string& path, bool* ok) {
  std::ifstream in(path, std::ios::binary);
  *ok = static_cast<bool>(in);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string UtcNow() {
  std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

// "NAME=VALUE" split at the first '='; an error names the flag.
bool SplitPair(const std::string& s, std::string* name, std::string* value) {
  const size_t eq = s.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == s.size()) return false;
  *name = s.substr(0, eq);
  *value = s.substr(eq + 1);
  return true;
}

struct Collect {
  std::string out, commit = "unknown";
  std::vector<std::string> gbench, ctl, seconds;
};

int RunCollect(const Collect& c) {
  BenchResult r;
  r.commit = c.commit;
  r.date = UtcNow();
  r.machine = DescribeMachine();
  std::string name, value;
  for (const std::string& g : c.gbench) {
    if (!SplitPair(g, &name, &value)) return Fail("--gbench: expected PREFIX=FILE, not \"" + g + "\"");
    bool ok;
    const std::string text = ReadText(value, &ok);
    if (!ok) return Fail("--gbench: cannot read " + value);
    if (auto s = AddGoogleBenchmarkJson(text, value, name, &r); !s.ok()) return Fail(std::string(s.message()));
  }
  for (const std::string& g : c.ctl) {
    if (!SplitPair(g, &name, &value)) return Fail("--ctl: expected NAME=FILE, not \"" + g + "\"");
    bool ok;
    const std::string text = ReadText(value, &ok);
    if (!ok) return Fail("--ctl: cannot read " + value);
    if (auto s = AddCtlBenchJson(text, value, name, &r); !s.ok()) return Fail(std::string(s.message()));
  }
  for (const std::string& g : c.seconds) {
    double v = 0;
    if (!SplitPair(g, &name, &value) || !absl::SimpleAtod(value, &v) || !(v >= 0)) {
      return Fail("--seconds: expected NAME=SECONDS, not \"" + g + "\"");
    }
    r.Add(name, "s", false, v);
  }
  if (r.benchmarks.empty()) return Fail("collect: nothing to collect (give --gbench, --ctl or --seconds)");
  std::ofstream out(c.out, std::ios::binary | std::ios::trunc);
  out << ResultJson(r).dump(2) << "\n";
  if (!out) return Fail("--out: cannot write " + c.out);
  std::printf("%zu benchmarks -> %s\n", r.benchmarks.size(), c.out.c_str());
  return 0;
}

absl::Status CheckOptions(const CompareOptions& o) {
  if (!(o.threshold > 0 && o.threshold < 10)) return absl::InvalidArgumentError("--threshold: must be in (0, 10)");
  if (!(o.alpha > 0 && o.alpha < 1)) return absl::InvalidArgumentError("--alpha: must be in (0, 1)");
  if (o.min_utest_repetitions < 2) return absl::InvalidArgumentError("--min-repetitions: must be at least 2");
  return absl::OkStatus();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"raftlab-bench: collect, compare and plot benchmark results"};
  app.require_subcommand(1);
  Collect c;
  CLI::App* collect = app.add_subcommand("collect", "join benchmark outputs into one result file");
  collect->add_option("--out", c.out, "the result file to write")->required();
  collect->add_option("--commit", c.commit, "the commit measured")->capture_default_str();
  collect->add_option("--gbench", c.gbench, "PREFIX=FILE: a Google Benchmark JSON output");
  collect->add_option("--ctl", c.ctl, "NAME=FILE: one raftlab-ctl bench --json output (repeat for repetitions)");
  collect->add_option("--seconds", c.seconds, "NAME=SECONDS: one timing (repeat for repetitions)");
  CompareOptions o;
  std::string base, now;
  CLI::App* compare = app.add_subcommand("compare", "compare a result with a baseline; exit 1 on a regression");
  compare->add_option("baseline", base, "the baseline result")->required();
  compare->add_option("new", now, "the new result")->required();
  std::vector<std::string> history;
  std::string trend_out;
  CLI::App* trend = app.add_subcommand("trend", "an HTML page of every benchmark over stored results");
  trend->add_option("--out", trend_out, "the page to write")->required();
  trend->add_option("results", history, "result files (ordered by their date)")->required();
  for (CLI::App* sub : {compare, trend}) {
    sub->add_option("--threshold", o.threshold, "relative change that counts")->capture_default_str();
    sub->add_option("--alpha", o.alpha, "U test significance level")->capture_default_str();
    sub->add_option("--min-repetitions", o.min_utest_repetitions,
                    "repetitions per side for the U test (fewer: min-of-N)")
        ->capture_default_str();
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::printf("%s", app.help().c_str());
    return 0;
  } catch (const CLI::ParseError& e) {
    return Fail(std::string("command line: ") + e.what());
  }
  if (collect->parsed()) return RunCollect(c);
  if (auto s = CheckOptions(o); !s.ok()) return Fail(std::string(s.message()));
  if (compare->parsed()) {
    auto b = ReadResult(base);
    if (!b.ok()) return Fail(std::string(b.status().message()));
    auto n = ReadResult(now);
    if (!n.ok()) return Fail(std::string(n.status().message()));
    const auto rows = Compare(*b, *n, o);
    std::printf("baseline %s (%s), new %s (%s)\n%s", b->commit.c_str(), b->date.c_str(), n->commit.c_str(),
                n->date.c_str(), CompareText(rows, o).c_str());
    return HasRegression(rows) ? 1 : 0;
  }
  std::vector<BenchResult> results;
  for (const std::string& path : history) {
    auto r = ReadResult(path);
    if (!r.ok()) return Fail(std::string(r.status().message()));
    results.push_back(std::move(*r));
  }
  std::stable_sort(results.begin(), results.end(),
                   [](const BenchResult& a, const BenchResult& b) { return a.date < b.date; });
  std::ofstream out(trend_out, std::ios::binary | std::ios::trunc);
  out << TrendHtml(results, o);
  if (!out) return Fail("--out: cannot write " + trend_out);
  std::printf("%zu results, %zu regressions between consecutive results -> %s\n", results.size(),
              TrendRegressions(results, o).size(), trend_out.c_str());
  return 0;
}
