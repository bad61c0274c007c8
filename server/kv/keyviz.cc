#include "server/kv/keyviz.h"

#include <algorithm>

namespace raftlab::kv {

KeyVizSampler::KeyVizSampler(KeyVizOptions options) : options_(std::move(options)) {
  ring_.resize(static_cast<size_t>(std::max(1, options_.columns)));
}

int64_t KeyVizSampler::NowColumn() const {
  const int64_t now = options_.now_ms
                          ? options_.now_ms()
                          : std::chrono::duration_cast<std::chrono::milliseconds>(
                                std::chrono::system_clock::now().time_since_epoch())
                                .count();
  const int64_t width = std::max<int64_t>(1, options_.column_width.count());
  return now / width;
}

void KeyVizSampler::Observe(uint64_t route_id, KeyVizOp op, size_t key_len, size_t value_len) {
  const int64_t col = NowColumn();
  std::lock_guard lock(mu_);
  Column& slot = ring_[static_cast<size_t>(col) % ring_.size()];
  if (slot.index != col) {
    slot.index = col;
    slot.cells.clear();
  }
  KeyVizCell& cell = slot.cells[route_id];
  const uint64_t bytes = key_len + value_len;
  if (op == KeyVizOp::kRead) {
    ++cell.reads;
    cell.read_bytes += bytes;
  } else {
    ++cell.writes;
    cell.write_bytes += bytes;
  }
}

KeyVizMatrix KeyVizSampler::Snapshot() const {
  const int64_t now = NowColumn();
  const int64_t width = std::max<int64_t>(1, options_.column_width.count());
  const int64_t n = static_cast<int64_t>(ring_.size());
  KeyVizMatrix m;
  m.column_width_ms = width;
  for (int64_t c = now - n + 1; c <= now; ++c) m.column_start_ms.push_back(c * width);
  std::lock_guard lock(mu_);
  for (int64_t c = now - n + 1; c <= now; ++c) {
    if (c < 0) continue;
    const Column& slot = ring_[static_cast<size_t>(c) % ring_.size()];
    if (slot.index != c) continue;
    for (const auto& [route, cell] : slot.cells) {
      auto& row = m.rows[route];
      if (row.empty()) row.resize(static_cast<size_t>(n));
      row[static_cast<size_t>(c - (now - n + 1))] = cell;
    }
  }
  return m;
}

}  // namespace raftlab::kv
