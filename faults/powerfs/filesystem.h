#pragma once
// The FUSE side of raftlab-powerfs: a passthrough of a backing directory (libfuse3's
// high-level API) whose writes, truncates and name changes go through a
// DurabilityTracker, so a power loss can take back whatever was not made durable.
//
// Mount options that keep the model honest: no writeback cache (every write(2) reaches the
// daemon before it returns, so a SIGKILLed writer leaves nothing in the kernel); entry,
// attribute and negative timeouts of 0 and no keep_cache (after a power loss nothing
// stale is served from the kernel's caches); hard_remove (unlink reaches us, no
// .fuse_hidden files); no atomic O_TRUNC (an O_TRUNC open arrives as a truncate we log);
// auto_unmount (fusermount3 unmounts when the daemon dies, even by SIGKILL).
//
// Threads: libfuse's worker threads call the operations; Serve() runs on the caller's
// thread until SIGINT/SIGTERM/SIGHUP or an unmount.

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "faults/powerfs/durability.h"

namespace raftlab::faults::powerfs {

struct MountOptions {
  std::string backing;     // existing directory holding the data
  std::string mountpoint;  // existing directory to mount on
  std::string control;     // control socket: a path, or @name for an abstract socket
};

// Checks that FUSE can work here: /dev/fuse opens read-write and fusermount3 (needed for
// auto_unmount) is on PATH. The error says what is missing and how to get it.
absl::Status CheckFuseAvailable();

// Mounts, serves the control socket, and runs the filesystem until it is unmounted or
// signalled; unmounts before returning.
absl::Status MountAndServe(const MountOptions& options);

}  // namespace raftlab::faults::powerfs
