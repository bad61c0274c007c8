#pragma once
// KeyVizSampler: per-route traffic counts in fixed time columns, for the key visualizer.
//
// The KV service calls Observe once per user operation, with the route it already looked
// up: reads by the node that serves them (any read mode), writes by the leader that
// proposes them. Nothing else calls it, so leadership checks (ReadIndex rounds, lease
// checks) are never counted. When keyviz is off the service holds no sampler and pays one
// null-pointer test.
//
// Columns: column c covers [c * width, (c + 1) * width) of the clock (Unix ms); the sampler
// keeps the latest `columns` of them in a ring, recycling the oldest slot when time moves
// on.
//
// Thread-safety: Observe and Snapshot may be called from any thread; one mutex guards the
// ring and is held only to bump four counters.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace raftlab::kv {

enum class KeyVizOp { kRead, kWrite };

struct KeyVizCell {
  uint64_t reads = 0;
  uint64_t writes = 0;
  uint64_t read_bytes = 0;   // keys plus values
  uint64_t write_bytes = 0;  // keys plus values
  bool operator==(const KeyVizCell&) const = default;
};

struct KeyVizOptions {
  std::chrono::milliseconds column_width{60000};
  int columns = 60;
  // Unix milliseconds; the system clock when empty (tests inject their own).
  std::function<int64_t()> now_ms;
};

// The counts of the latest columns, oldest first, ending with the current column.
struct KeyVizMatrix {
  int64_t column_width_ms = 0;
  std::vector<int64_t> column_start_ms;
  // route id → one cell per column; only routes with traffic in the window.
  std::map<uint64_t, std::vector<KeyVizCell>> rows;
};

class KeyVizSampler {
 public:
  explicit KeyVizSampler(KeyVizOptions options);

  void Observe(uint64_t route_id, KeyVizOp op, size_t key_len, size_t value_len);
  KeyVizMatrix Snapshot() const;

  const KeyVizOptions& options() const { return options_; }

 private:
  struct Column {
    int64_t index = -1;  // which column of the clock this slot holds; -1 = never used
    std::unordered_map<uint64_t, KeyVizCell> cells;
  };
  int64_t NowColumn() const;

  const KeyVizOptions options_;
  mutable std::mutex mu_;
  std::vector<Column> ring_;  // guarded by mu_
};

}  // namespace raftlab::kv
