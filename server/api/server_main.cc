// raftlab-server: a multi-raft key-value server. See --help and the README.
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "proto/grpc_runtime.h"
#include "server/api/node.h"
#include "server/api/server_flags.h"
#include "server/log/log.h"

namespace {

// Exit codes: 0 clean stop, 1 failure at start-up, 2 bad command line; an I/O fail-stop
// exits with log::kFailStopExitCode (75), an invariant violation aborts (server/log/fail_stop.h).
constexpr int kExitStartFailed = 1;
constexpr int kExitUsage = 2;

std::string JoinArgs(const std::vector<std::string>& args) {
  std::string out;
  for (const std::string& a : args) out.append(out.empty() ? "" : " ").append(a);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  raftlab::proto::DisableAbslDeadlockDetection();
  std::vector<std::string> args(argv, argv + argc);
  auto flags = raftlab::api::ParseServerFlags(args);
  if (!flags.ok()) {
    RAFTLAB_LOG(kError, "bad_command_line").Kv("error", flags.status()).Kv("help", "raftlab-server --help");
    return kExitUsage;
  }
  if (flags->help) {
    std::fputs(flags->usage.c_str(), stdout);
    return 0;
  }
  const auto& c = flags->config;
  auto level = raftlab::log::ResolveLevel(c.log_level, std::getenv("RAFTLAB_LOG_LEVEL"));
  if (!level.ok()) {
    RAFTLAB_LOG(kError, "bad_command_line").Kv("error", level.status());
    return kExitUsage;
  }
  raftlab::log::Options log_options;
  log_options.level = level->level;
  log_options.node_id = c.id;
  raftlab::log::Configure(log_options);
  RAFTLAB_LOG(kInfo, "process_started").Kv("pid", static_cast<int64_t>(getpid())).Kv("args", JoinArgs(args));
  if (!level->warning.empty()) RAFTLAB_LOG(kWarn, "config_warning").Kv("warning", level->warning);

  // Block the stop signals before any thread starts, then wait for one on this thread.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  auto node = raftlab::api::Node::Start(c);
  if (!node.ok()) {
    RAFTLAB_LOG(kError, "start_failed").Kv("error", node.status());
    return kExitStartFailed;
  }
  for (const std::string& w : (*node)->warnings()) RAFTLAB_LOG(kWarn, "config_warning").Kv("warning", w);
  RAFTLAB_LOG(kInfo, "serving")
      .Kv("grpc", c.listen.ToString())
      .Kv("http", c.http.host + ":" + std::to_string((*node)->http_port()))
      .Kv("data_dir", c.data_dir);
  int sig = 0;
  sigwait(&stop_signals, &sig);
  RAFTLAB_LOG(kInfo, "stopping").Kv("signal", sig);
  (*node)->Shutdown();
  RAFTLAB_LOG(kInfo, "stopped");
  return 0;
}
