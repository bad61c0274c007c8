#pragma once
// LinkProxy: a TCP forwarder in the harness for the peer traffic of one member to one
// other, holding each chunk of bytes for a settable delay in each direction. Message delay
// for --network netns (the kernel here has no netem): the member's namespace DNATs its
// connections to the peer onto the proxy, which connects on from a per-member source
// address so the peer's partition rules still know who is talking.
//
// Threads: an accept thread, and two pump threads per connection (one per direction);
// SetDelay may be called from any thread. The destructor closes everything and joins.

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"

namespace raftlab::harness {

class LinkProxy {
 public:
  // Listens on listen_host (port chosen by the kernel); each accepted connection is
  // forwarded to target_host:target_port from source_host.
  static absl::StatusOr<std::unique_ptr<LinkProxy>> Start(const std::string& listen_host, const std::string& source_host,
                                                         const std::string& target_host, int target_port);
  ~LinkProxy();

  int port() const { return port_; }
  // forward: bytes from the connecting member to the target; backward: the replies.
  void SetDelay(std::chrono::milliseconds forward, std::chrono::milliseconds backward);

 private:
  struct Connection {
    int client = -1;
    std::atomic<int> server{-1};
    std::thread to_server, to_client;
    std::atomic<int> finished{0};
  };
  LinkProxy() = default;
  void AcceptLoop();
  // Connects c.server to the target from the source address; false when it cannot.
  bool Connect(Connection& c);
  void Pump(Connection& c, int from, int to, const std::atomic<int64_t>& delay_ms);
  // Joins and closes the connections whose pumps both ended.
  void Reap(bool all);

  int listen_fd_ = -1;
  int port_ = 0;
  std::string source_host_, target_host_;
  int target_port_ = 0;
  std::atomic<int64_t> forward_ms_{0}, backward_ms_{0};
  std::atomic<bool> stopping_{false};
  std::thread acceptor_;
  std::mutex mu_;
  std::vector<std::unique_ptr<Connection>> connections_;  // guarded by mu_
};

}  // namespace raftlab::harness
