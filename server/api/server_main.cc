// raftlab-server: a multi-raft key-value server. See --help and the README.
#include <signal.h>

#include <cstdio>
#include <string>
#include <vector>

#include "server/api/node.h"
#include "server/api/server_flags.h"

namespace {

// Exit codes: 0 clean stop, 1 failure at start-up, 2 bad command line; an I/O fail-stop
// exits with log::kFailStopExitCode (75), an invariant violation aborts (server/log/fail_stop.h).
constexpr int kExitStartFailed = 1;
constexpr int kExitUsage = 2;

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv, argv + argc);
  auto flags = raftlab::api::ParseServerFlags(args);
  if (!flags.ok()) {
    std::fprintf(stderr, "raftlab-server: %s\n", std::string(flags.status().message()).c_str());
    return kExitUsage;
  }
  if (flags->help) {
    std::fputs(flags->usage.c_str(), stdout);
    return 0;
  }
  // Block the stop signals before any thread starts, then wait for one on this thread.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  const auto& c = flags->config;
  auto node = raftlab::api::Node::Start(c);
  if (!node.ok()) {
    std::fprintf(stderr, "raftlab-server: node %llu: %s\n", static_cast<unsigned long long>(c.id),
                 std::string(node.status().message()).c_str());
    return kExitStartFailed;
  }
  for (const std::string& w : (*node)->warnings()) std::fprintf(stderr, "raftlab-server: warning: %s\n", w.c_str());
  std::fprintf(stderr, "raftlab-server: node %llu serving gRPC on %s, HTTP on %s:%u, data in %s\n",
               static_cast<unsigned long long>(c.id), c.listen.ToString().c_str(), c.http.host.c_str(),
               (*node)->http_port(), c.data_dir.c_str());
  std::fflush(stderr);
  int sig = 0;
  sigwait(&stop_signals, &sig);
  std::fprintf(stderr, "raftlab-server: node %llu stopping on signal %d\n", static_cast<unsigned long long>(c.id), sig);
  (*node)->Shutdown();
  return 0;
}
