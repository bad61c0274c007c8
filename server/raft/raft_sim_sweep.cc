// raft_sim_sweep: runs the randomised Raft simulation (sim.h) over a range of seeds and
// prints every failing seed with the command that replays it.
//
//   raft_sim_sweep --from 1 --to 20000 [--nodes 3|5|both] [--steps 3000] [--async-persist]
//                  [--bug-leader-self-ack] [--verbose]
//
// --async-persist writes each Ready at a later step while the node keeps running (sim.h);
// --bug-leader-self-ack plants Config::unsafe_leader_self_ack_at_append, which that mode
// must catch.
//
// Exit status 0 when every seed passed, 1 when some failed, 2 on bad flags. A core
// invariant abort (RAFT_CHECK) is reported with the seed that was running.

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <unistd.h>
#include <vector>

#include "server/raft/sim.h"

namespace {

volatile std::sig_atomic_t g_nodes = 0;
uint64_t g_seed = 0;

void OnAbort(int) {
  char buf[160];
  int n = std::snprintf(buf, sizeof(buf),
                        "ABORT in seed %llu (nodes %d); replay: raft_sim_sweep --from %llu "
                        "--to %llu --nodes %d --verbose\n",
                        (unsigned long long)g_seed, (int)g_nodes, (unsigned long long)g_seed,
                        (unsigned long long)g_seed, (int)g_nodes);
  if (n > 0) (void)!write(2, buf, static_cast<size_t>(n));
  std::_Exit(3);
}

int Usage(const char* why) {
  std::fprintf(stderr,
               "raft_sim_sweep: %s\nusage: raft_sim_sweep --from A --to B [--nodes 3|5|both] "
               "[--steps N] [--async-persist] [--bug-leader-self-ack] [--verbose]\n",
               why);
  return 2;
}

bool ParseU64(const char* s, uint64_t* out) {
  char* end = nullptr;
  *out = std::strtoull(s, &end, 10);
  return end != s && *end == '\0';
}

}  // namespace

int main(int argc, char** argv) {
  uint64_t from = 0, to = 0, steps = 3000;
  bool have_from = false, have_to = false, verbose = false, async_persist = false,
       self_ack_bug = false;
  std::string nodes = "both";
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto need = [&](const char* flag) -> const char* {
      if (i + 1 >= argc) return nullptr;
      (void)flag;
      return argv[++i];
    };
    if (a == "--from" || a == "--to" || a == "--steps") {
      const char* v = need(a.c_str());
      uint64_t x;
      if (!v || !ParseU64(v, &x)) return Usage((a + " needs a non-negative integer").c_str());
      if (a == "--from") from = x, have_from = true;
      if (a == "--to") to = x, have_to = true;
      if (a == "--steps") steps = x;
    } else if (a == "--nodes") {
      const char* v = need("--nodes");
      if (!v) return Usage("--nodes needs 3, 5 or both");
      nodes = v;
      if (nodes != "3" && nodes != "5" && nodes != "both") {
        return Usage(("--nodes must be 3, 5 or both, got '" + nodes + "'").c_str());
      }
    } else if (a == "--verbose") {
      verbose = true;
    } else if (a == "--async-persist") {
      async_persist = true;
    } else if (a == "--bug-leader-self-ack") {
      self_ack_bug = true;
    } else {
      return Usage(("unknown flag '" + a + "'").c_str());
    }
  }
  if (!have_from || !have_to) return Usage("--from and --to are required");
  if (to < from) return Usage("--to must be >= --from");
  std::signal(SIGABRT, OnAbort);

  std::vector<int> sizes;
  if (nodes != "5") sizes.push_back(3);
  if (nodes != "3") sizes.push_back(5);
  uint64_t runs = 0, failures = 0;
  raftlab::raft::sim::Result total;
  for (uint64_t seed = from; seed <= to; ++seed) {
    for (int n : sizes) {
      g_seed = seed;
      g_nodes = n;
      raftlab::raft::sim::Options o;
      o.seed = seed;
      o.nodes = n;
      o.steps = static_cast<int>(steps);
      o.verbose = verbose;
      o.async_persist = async_persist;
      o.leader_self_ack_at_append = self_ack_bug;
      auto r = raftlab::raft::sim::Run(o);
      ++runs;
      total.commits += r.commits;
      total.elections += r.elections;
      total.reads_answered += r.reads_answered;
      total.conf_changes += r.conf_changes;
      total.snapshots_sent += r.snapshots_sent;
      total.restarts += r.restarts;
      total.lease_reports += r.lease_reports;
      if (!r.ok) {
        ++failures;
        std::printf("FAIL nodes=%d %s\n  replay: raft_sim_sweep --from %llu --to %llu --nodes %d "
                    "--steps %llu%s%s --verbose\n",
                    n, r.failure.c_str(), (unsigned long long)seed, (unsigned long long)seed, n,
                    (unsigned long long)steps, async_persist ? " --async-persist" : "",
                    self_ack_bug ? " --bug-leader-self-ack" : "");
        std::fflush(stdout);
      }
    }
  }
  std::printf("%llu runs (seeds %llu..%llu), %llu failed\n", (unsigned long long)runs,
              (unsigned long long)from, (unsigned long long)to, (unsigned long long)failures);
  auto avg = [&](uint64_t x) { return runs ? static_cast<double>(x) / runs : 0.0; };
  std::printf("per run: %.1f applied entries, %.1f leader terms, %.1f reads checked, "
              "%.1f conf changes, %.1f snapshots sent, %.1f restarts, %.1f lease reports\n",
              avg(total.commits), avg(total.elections), avg(total.reads_answered),
              avg(total.conf_changes), avg(total.snapshots_sent), avg(total.restarts),
              avg(total.lease_reports));
  return failures == 0 ? 0 : 1;
}
