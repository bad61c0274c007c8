// raftlab-harness: runs a Jepsen-style test of a local raftlab cluster, re-checks a run
// folder, validates the harness against the planted bugs, or runs a matrix of tests. Exit status: 0 valid, 1 invalid, 2 unknown, 3 harness error or bad command line.
// SIGINT/SIGTERM stop the run: the cluster is killed, the recorded prefix is checked, and
// the status is 3.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>

#include "harness/analysis.h"
#include "harness/flags.h"
#include "harness/matrix/matrix.h"
#include "harness/runner.h"
#include "harness/validate.h"
#include "proto/grpc_runtime.h"

namespace {

std::atomic<bool> g_stop{false};
static_assert(std::atomic<bool>::is_always_lock_free);

void OnSignal(int) {
  // A second signal means "now": the servers die with us (PR_SET_PDEATHSIG).
  if (g_stop.exchange(true)) _exit(3);
}

}  // namespace

int main(int argc, char** argv) {
  raftlab::proto::DisableAbslDeadlockDetection();
  using namespace raftlab::harness;
  auto cmd = ParseCommandLine(argc, argv);
  if (!cmd.ok()) {
    std::fprintf(stderr, "raftlab-harness: %s\n", std::string(cmd.status().message()).c_str());
    return 3;
  }
  if (auto* h = std::get_if<HelpShown>(&*cmd)) {
    std::printf("%s", h->text.c_str());
    return 0;
  }
  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  if (auto* a = std::get_if<AnalyzeCommand>(&*cmd)) {
    std::string summary;
    auto code = AnalyzeRunDir(a->dir, a->check_timeout_s, &summary);
    if (!code.ok()) {
      std::fprintf(stderr, "raftlab-harness: %s\n", std::string(code.status().message()).c_str());
      return 3;
    }
    std::printf("report: %s/report.html\n%s\n", a->dir.c_str(), summary.c_str());
    return *code;
  }
  if (auto* v = std::get_if<ValidateOptions>(&*cmd)) {
    v->progress_tty = isatty(STDERR_FILENO) != 0;
    return RunValidate(*v, g_stop);
  }
  if (auto* m = std::get_if<MatrixOptions>(&*cmd)) {
    m->progress_tty = isatty(STDERR_FILENO) != 0;
    return RunMatrix(*m, g_stop);
  }
  if (auto* mm = std::get_if<MatrixMergeOptions>(&*cmd)) return MergeMatrix(*mm);
  if (auto* b = std::get_if<BenchCompareOptions>(&*cmd)) return RunBenchCompare(*b, g_stop);
  TestOptions t = std::get<TestOptions>(*cmd);
  t.progress_tty = isatty(STDERR_FILENO) != 0;
  return RunTest(t, g_stop);
}
