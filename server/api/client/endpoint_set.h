#pragma once
// The endpoints a client was given and the one it last saw leading. Thread-safe; the list
// itself is immutable after construction.

#include <mutex>
#include <string>
#include <vector>

namespace raftlab::client {

class EndpointSet {
 public:
  // `endpoints` must not be empty (the clients' Create checks it).
  explicit EndpointSet(std::vector<std::string> endpoints);

  const std::vector<std::string>& all() const { return endpoints_; }
  // Where a leader-seeking call starts: the remembered leader, else the first endpoint.
  std::string Preferred() const;
  // The endpoint after `address` in the list, cycling; the first one for an address
  // outside the list (such as a hinted leader).
  std::string After(const std::string& address) const;
  // The remembered leader; empty if none.
  std::string Leader() const;
  void RememberLeader(const std::string& address);
  // Forgets the remembered leader if it is `address`.
  void ForgetLeader(const std::string& address);

 private:
  const std::vector<std::string> endpoints_;
  mutable std::mutex mu_;
  std::string leader_;  // guarded by mu_; empty = unknown
};

}  // namespace raftlab::client
