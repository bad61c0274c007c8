#include "faults/powerfs/unmount_watcher.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "spdlog/spdlog.h"

namespace raftlab::faults::powerfs {
namespace {

// How long the watcher keeps unmounting a dead mount (the kernel aborts the connection
// within milliseconds of the filesystem's death).
constexpr int kAttempts = 100;
constexpr useconds_t kPause = 50000;

bool DeadFuse(const char* mountpoint) {
  struct stat st {};
  return ::stat(mountpoint, &st) != 0 && (errno == ENOTCONN || errno == ECONNABORTED);
}

void LazyUnmount(const char* mountpoint) {
  if (::umount2(mountpoint, MNT_DETACH) == 0) return;
  // Not root: fusermount3 is setuid and unmounts the user's own FUSE mounts.
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::execlp("fusermount3", "fusermount3", "-u", "-z", "-q", mountpoint, static_cast<char*>(nullptr));
    ::_exit(127);
  }
  if (pid > 0) ::waitpid(pid, nullptr, 0);
}

[[noreturn]] void Watch(int read_fd, const char* mountpoint) {
  ::setsid();
  sigset_t all;
  sigfillset(&all);
  sigprocmask(SIG_BLOCK, &all, nullptr);
  // Nothing of the filesystem's may stay open here: above all not a FUSE descriptor,
  // which would keep the connection alive.
  for (int fd = 3; fd < 1024; ++fd) {
    if (fd != read_fd) ::close(fd);
  }
  char byte;
  while (::read(read_fd, &byte, 1) < 0 && errno == EINTR) {
  }
  for (int i = 0; i < kAttempts && DeadFuse(mountpoint); ++i) {
    spdlog::warn("powerfs: unmount watcher: detaching dead mount mountpoint={} attempt={}", mountpoint, i + 1);
    LazyUnmount(mountpoint);
    if (DeadFuse(mountpoint)) ::usleep(kPause);
  }
  ::_exit(0);
}

}  // namespace

absl::StatusOr<UnmountWatcher> UnmountWatcher::Start(const std::string& mountpoint) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return absl::InternalError(std::string("unmount watcher: pipe: ") + std::strerror(errno));
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    return absl::InternalError(std::string("unmount watcher: fork: ") + std::strerror(errno));
  }
  if (pid == 0) {
    ::close(fds[1]);
    Watch(fds[0], mountpoint.c_str());
  }
  ::close(fds[0]);
  return UnmountWatcher(pid, fds[1]);
}

UnmountWatcher::UnmountWatcher(UnmountWatcher&& other) noexcept : pid_(other.pid_), pipe_fd_(other.pipe_fd_) {
  other.pid_ = -1;
  other.pipe_fd_ = -1;
}

UnmountWatcher::~UnmountWatcher() { Finish(); }

void UnmountWatcher::Finish() {
  if (pipe_fd_ >= 0) ::close(pipe_fd_);
  pipe_fd_ = -1;
  if (pid_ > 0) {
    while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
    }
  }
  pid_ = -1;
}

}  // namespace raftlab::faults::powerfs
