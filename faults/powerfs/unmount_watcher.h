#pragma once
// UnmountWatcher: takes a dead raftlab-powerfs's mount away, as a backstop to fusermount3's
// auto_unmount.
//
// Why: when the filesystem dies (SIGKILL), the kernel may release its fusermount3 socket
// before its /dev/fuse descriptor. fusermount3 then probes the mountpoint while the
// connection is still open; the probe waits, fails with ECONNABORTED when the connection is
// aborted a moment later, and fusermount3, which only unmounts on ENOTCONN, leaves the mount
// behind ("Transport endpoint is not connected"; about one killed harness in four).
//
// The watcher is a child process forked before the mount, in a session of its own (so a
// signal to the filesystem's process group does not reach it), holding the read end of a
// pipe only the filesystem writes to. When the pipe closes (the filesystem exited or died)
// it probes the mountpoint until the probe succeeds or fails with another error, and
// lazily unmounts while it fails with ENOTCONN or ECONNABORTED: only a dead FUSE
// connection answers that, so a live filesystem mounted there later is never touched.

#include <sys/types.h>

#include <string>

#include "absl/status/statusor.h"

namespace raftlab::faults::powerfs {

class UnmountWatcher {
 public:
  // Forks the watcher for `mountpoint`. Call before mounting, while single-threaded.
  static absl::StatusOr<UnmountWatcher> Start(const std::string& mountpoint);
  UnmountWatcher(UnmountWatcher&& other) noexcept;
  UnmountWatcher& operator=(UnmountWatcher&&) = delete;
  ~UnmountWatcher();  // Finish()

  // After a clean unmount: lets the watcher see the filesystem gone and waits for it.
  void Finish();

 private:
  UnmountWatcher(pid_t pid, int pipe_fd) : pid_(pid), pipe_fd_(pipe_fd) {}
  pid_t pid_ = -1;
  int pipe_fd_ = -1;  // write end; closing it wakes the watcher
};

}  // namespace raftlab::faults::powerfs
