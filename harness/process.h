#pragma once
// ChildProcess: one server (or other helper program) started and controlled by the harness.
//
// The harness must never leave a server behind: each child is started with
// PR_SET_PDEATHSIG=SIGKILL, so it dies with the harness even on SIGKILL of the harness, and
// in its own process group, so a terminal's Ctrl-C reaches the harness alone and the harness
// decides the order of teardown. The child starts with no blocked signals and default
// dispositions. The destructor kills and reaps the child.
//
// Not thread-safe: one owner thread (the cluster controller) calls every method.

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace raftlab::harness {

struct ProcessSpec {
  std::string program;              // path to the executable
  std::vector<std::string> args;    // argv[1..]
  std::vector<std::string> env;     // extra NAME=VALUE entries on top of the harness's own
  std::string log_path;             // stdout and stderr are appended here; empty = /dev/null
  std::string working_dir;          // empty = the harness's
};

// How a child ended, as waitpid reported it.
struct ExitInfo {
  bool exited = false;   // normal exit with exit_code
  int exit_code = 0;
  bool signaled = false;  // killed by signal
  int signal = 0;
  std::string ToString() const;
};

class ChildProcess {
 public:
  // Starts the child; an error names the program and the reason (missing, not executable).
  static absl::StatusOr<ChildProcess> Start(const ProcessSpec& spec);

  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&& other) noexcept;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess();  // SIGKILL + reap if still running

  pid_t pid() const { return pid_; }
  const ProcessSpec& spec() const { return spec_; }

  // Whether the child is still running (reaps it if it ended).
  bool Running();
  // SIGKILL to the child's process group, then reap: the child is gone when this returns.
  ExitInfo Kill();
  // SIGTERM, then SIGKILL after grace.
  ExitInfo Stop(std::chrono::milliseconds grace);
  // SIGSTOP / SIGCONT.
  absl::Status Pause();
  absl::Status Resume();
  bool paused() const { return paused_; }
  // Waits up to timeout for the child to end on its own.
  std::optional<ExitInfo> WaitFor(std::chrono::milliseconds timeout);
  // How it ended, once it has.
  const std::optional<ExitInfo>& exit_info() const { return exit_; }

 private:
  ChildProcess(ProcessSpec spec, pid_t pid) : spec_(std::move(spec)), pid_(pid) {}
  bool Reap(bool block);

  ProcessSpec spec_;
  pid_t pid_ = -1;
  bool paused_ = false;
  std::optional<ExitInfo> exit_;
};

// A TCP port on 127.0.0.1 that was free when asked (bound to port 0, then released).
absl::StatusOr<int> PickFreePort();

// The path of this process's executable, so a command can run itself as a child.
std::string SelfExecutable();

}  // namespace raftlab::harness
