#pragma once
// LeaderView: what the clients believe about leadership, kept fresh by polling every node's
// Admin Status in the background (one thread per node, so a paused or dead node delays
// nobody). Writes are aimed at the leader of the highest term any node reports, so they
// follow a new leader within one poll of its election; reads can be aimed at any node that
// still claims leadership, so a deposed leader that has not noticed keeps being asked
// while the new one acknowledges writes: the window in which stale lease and ReadIndex
// answers show.
//
// It also measures availability: the intervals in which no node claimed leadership of the
// group.
//
// Thread-safe: workers call the Pick* methods concurrently with the pollers.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "server/api/client/admin_client.h"

namespace raftlab::harness {

struct LeaderlessInterval {
  int64_t start_ms = 0;  // since the view started
  int64_t length_ms = 0;
};

class LeaderView {
 public:
  using Clock = std::chrono::steady_clock;
  // nodes: id -> gRPC endpoint. Polls start at once.
  LeaderView(std::map<uint64_t, std::string> nodes, uint64_t group, std::chrono::milliseconds period);
  ~LeaderView();  // stops and joins the pollers

  // The endpoint of the leader with the highest term reported; empty when none is known.
  std::string LeaderEndpoint() const;
  // A node that claims leadership now (drawn when several do, e.g. a deposed leader that
  // has not noticed); empty when none does.
  std::string PickClaimedLeader(std::mt19937_64& rng) const;
  // How many leader changes (new highest-term leader) the view saw.
  int leader_changes() const;
  // Intervals of at least `min` with no node claiming leadership (an open one included).
  std::vector<LeaderlessInterval> Leaderless(std::chrono::milliseconds min) const;

 private:
  struct NodeState {
    bool answered = false;
    bool claims_leadership = false;
    uint64_t term = 0;
    uint64_t leader = 0;
  };
  void Poll(uint64_t id, std::string endpoint);
  void Account();  // under mu_

  const std::map<uint64_t, std::string> nodes_;
  const uint64_t group_;
  const std::chrono::milliseconds period_;
  const Clock::time_point t0_;
  std::unique_ptr<client::AdminClient> admin_;

  mutable std::mutex mu_;
  std::map<uint64_t, NodeState> state_;  // guarded by mu_
  uint64_t best_leader_ = 0, best_term_ = 0;
  int changes_ = 0;
  bool leaderless_ = false;
  Clock::time_point leaderless_since_;
  std::vector<LeaderlessInterval> closed_;
  bool stopping_ = false;  // guarded by mu_
  std::condition_variable cv_;
  std::vector<std::thread> pollers_;
};

}  // namespace raftlab::harness
