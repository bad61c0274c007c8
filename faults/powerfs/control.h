#pragma once
// The control socket of raftlab-powerfs: a unix stream socket ("@name" = Linux abstract
// namespace, no file to clean up). A client writes one command per line and gets one JSON
// object per line back once the command is done:
//
//   lose-unsynced                    power loss: drop everything not durable
//   checkpoint                       make everything durable (no fsync of the backing disk)
//   torn <path|*> prefix <bytes>     power loss that keeps the first <bytes> of the file's
//                                    unsynced writes (in write order)
//   torn <path|*> random-prefix <seed>  ... a seeded random prefix of them
//   torn <path|*> blocks <seed>      ... a seeded random half of the 4 KiB blocks they touched
//   report                           unsynced bytes per file and pending name changes
//   ping                             {"ok":true}: the mount is up
//
// Answers: {"ok":true,"command":...,"dropped_bytes":N,"kept_bytes":N,"files":N,
// "namespace_ops":N,"errors":[...]} or, for report, {"ok":true,"unsynced_bytes":N,
// "files":[{"path":...,"bytes":N}],"namespace_ops":N}; a bad command gets
// {"ok":false,"error":"..."} naming what is wrong.
//
// Threads: ControlServer owns one thread that serves connections one at a time.

#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "faults/powerfs/durability.h"

namespace raftlab::faults::powerfs {

// Runs one command line against the tracker; returns the JSON answer (no newline).
std::string ExecuteCommand(DurabilityTracker& tracker, const std::string& line);

class ControlServer {
 public:
  // Binds and listens on `address`; the error names the address.
  static absl::StatusOr<std::unique_ptr<ControlServer>> Start(const std::string& address,
                                                              std::function<std::string(const std::string&)> handler);
  ~ControlServer();  // stops the thread and removes a socket file

 private:
  ControlServer(std::string address, int listen_fd, int wake_fd,
                std::function<std::string(const std::string&)> handler);
  void Loop();
  void Serve(int fd);

  const std::string address_;
  const int listen_fd_, wake_fd_;
  std::function<std::string(const std::string&)> handler_;
  std::thread thread_;
};

// Sends one command and returns its JSON answer; an error names the address and why.
absl::StatusOr<std::string> SendCommand(const std::string& address, const std::string& command,
                                        std::chrono::milliseconds timeout = std::chrono::seconds(30));

}  // namespace raftlab::faults::powerfs
