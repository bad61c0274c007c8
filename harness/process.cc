#include "harness/process.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

extern char** environ;

namespace raftlab::harness {
namespace {

ExitInfo FromWaitStatus(int status) {
  ExitInfo info;
  if (WIFEXITED(status)) {
    info.exited = true;
    info.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    info.signaled = true;
    info.signal = WTERMSIG(status);
  }
  return info;
}

// Signals the child's whole process group, so helpers it forked go with it.
int SignalGroup(pid_t pid, int sig) { return kill(-pid, sig); }

}  // namespace

std::string ExitInfo::ToString() const {
  if (exited) return "exit code " + std::to_string(exit_code);
  if (signaled) return std::string("killed by ") + strsignal(signal);
  return "still running";
}

absl::StatusOr<ChildProcess> ChildProcess::Start(const ProcessSpec& spec) {
  if (access(spec.program.c_str(), X_OK) != 0) {
    return absl::NotFoundError("cannot execute '" + spec.program + "': " + std::strerror(errno));
  }
  const std::string log = spec.log_path.empty() ? "/dev/null" : spec.log_path;
  const int log_fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) {
    return absl::InternalError("cannot open log file '" + log + "': " + std::strerror(errno));
  }
  // Everything the child needs is built before fork: after fork only async-signal-safe calls.
  std::vector<std::string> argv_storage{spec.program};
  argv_storage.insert(argv_storage.end(), spec.args.begin(), spec.args.end());
  std::vector<char*> argv;
  for (auto& a : argv_storage) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_storage;
  for (char** e = environ; *e != nullptr; ++e) env_storage.emplace_back(*e);
  env_storage.insert(env_storage.end(), spec.env.begin(), spec.env.end());
  std::vector<char*> envp;
  for (auto& e : env_storage) envp.push_back(e.data());
  envp.push_back(nullptr);
  const pid_t parent = getpid();

  const pid_t pid = fork();
  if (pid < 0) {
    close(log_fd);
    return absl::InternalError(std::string("fork: ") + std::strerror(errno));
  }
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    // The parent may have died between fork and prctl: then nobody would kill us later.
    if (getppid() != parent) _exit(127);
    setpgid(0, 0);
    // A server starts with default signal handling whatever the harness blocked or ignored.
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGPIPE}) signal(sig, SIG_DFL);
    const int null_fd = open("/dev/null", O_RDONLY);
    if (null_fd >= 0) dup2(null_fd, STDIN_FILENO);
    dup2(log_fd, STDOUT_FILENO);
    dup2(log_fd, STDERR_FILENO);
    if (!spec.working_dir.empty() && chdir(spec.working_dir.c_str()) != 0) _exit(126);
    execve(argv[0], argv.data(), envp.data());
    _exit(127);
  }
  close(log_fd);
  // Also set here: a signal to the group sent before the child ran setpgid must not miss.
  setpgid(pid, pid);
  return ChildProcess(spec, pid);
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept
    : spec_(std::move(other.spec_)), pid_(other.pid_), paused_(other.paused_),
      exit_(std::move(other.exit_)) {
  other.pid_ = -1;
}

ChildProcess& ChildProcess::operator=(ChildProcess&& other) noexcept {
  if (this != &other) {
    if (pid_ > 0 && !exit_) Kill();
    spec_ = std::move(other.spec_);
    pid_ = other.pid_;
    paused_ = other.paused_;
    exit_ = std::move(other.exit_);
    other.pid_ = -1;
  }
  return *this;
}

ChildProcess::~ChildProcess() {
  if (pid_ > 0 && !exit_) Kill();
}

bool ChildProcess::Reap(bool block) {
  if (exit_) return true;
  int status = 0;
  pid_t r;
  do {
    r = waitpid(pid_, &status, block ? 0 : WNOHANG);
  } while (r < 0 && errno == EINTR);
  if (r == pid_) {
    exit_ = FromWaitStatus(status);
    paused_ = false;
    return true;
  }
  return false;
}

bool ChildProcess::Running() { return pid_ > 0 && !Reap(false); }

ExitInfo ChildProcess::Kill() {
  if (pid_ <= 0) return {};
  if (!Reap(false)) {
    SignalGroup(pid_, SIGKILL);
    Reap(true);
  }
  return *exit_;
}

ExitInfo ChildProcess::Stop(std::chrono::milliseconds grace) {
  if (pid_ <= 0) return {};
  if (Reap(false)) return *exit_;
  if (paused_) SignalGroup(pid_, SIGCONT);
  SignalGroup(pid_, SIGTERM);
  if (auto info = WaitFor(grace)) return *info;
  return Kill();
}

absl::Status ChildProcess::Pause() {
  if (!Running()) return absl::FailedPreconditionError("process " + std::to_string(pid_) + " is not running");
  if (SignalGroup(pid_, SIGSTOP) != 0) return absl::InternalError(std::string("SIGSTOP: ") + std::strerror(errno));
  paused_ = true;
  return absl::OkStatus();
}

absl::Status ChildProcess::Resume() {
  if (!Running()) return absl::FailedPreconditionError("process " + std::to_string(pid_) + " is not running");
  if (SignalGroup(pid_, SIGCONT) != 0) return absl::InternalError(std::string("SIGCONT: ") + std::strerror(errno));
  paused_ = false;
  return absl::OkStatus();
}

std::optional<ExitInfo> ChildProcess::WaitFor(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (Reap(false)) return exit_;
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

absl::StatusOr<int> PickFreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return absl::InternalError(std::string("socket: ") + std::strerror(errno));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    const std::string err = std::strerror(errno);
    close(fd);
    return absl::InternalError("bind 127.0.0.1:0: " + err);
  }
  close(fd);
  return ntohs(addr.sin_port);
}

std::string SelfExecutable() {
  char buf[4096];
  const ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "raftlab-harness";
}

}  // namespace raftlab::harness
