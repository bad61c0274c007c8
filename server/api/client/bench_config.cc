#include "server/api/client/bench_config.h"

#include <string>

namespace raftlab::client {
namespace {

absl::Status Invalid(const std::string& flag, const std::string& why) {
  return absl::InvalidArgumentError(flag + ": " + why);
}

}  // namespace

absl::Status ValidateBenchConfig(const BenchConfig& c) {
  if (c.clients < 1) return Invalid("--clients", "must be at least 1, got " + std::to_string(c.clients));
  if (c.conns < 1) return Invalid("--conns", "must be at least 1, got " + std::to_string(c.conns));
  if (c.total < 1) return Invalid("--total", "must be at least 1, got " + std::to_string(c.total));
  if (c.key_size < 1 || c.key_size > 4096) return Invalid("--key-size", "must be in 1..4096");
  if (c.val_size < 0 || c.val_size > (1 << 20)) return Invalid("--val-size", "must be in 0..1048576");
  if (c.key_space < 1) return Invalid("--key-space", "must be at least 1");
  if (c.timeout_ms < 1) return Invalid("--timeout-ms", "must be positive");
  if (c.key_size < 19) {
    int64_t fits = 1;
    for (int i = 0; i < c.key_size; ++i) fits *= 10;
    if (c.key_space > fits) {
      return Invalid("--key-space", std::to_string(c.key_space) + " keys do not fit in --key-size " +
                                        std::to_string(c.key_size) + " (at most " + std::to_string(fits) + ")");
    }
  }
  return absl::OkStatus();
}

std::string BenchKey(int64_t index, int key_size) {
  std::string digits = std::to_string(index);
  if (static_cast<int>(digits.size()) >= key_size) return digits.substr(digits.size() - key_size);
  return std::string(key_size - digits.size(), '0') + digits;
}

const char* OpName(BenchConfig::Op op) { return op == BenchConfig::Op::kPut ? "put" : "get"; }

const char* ReadModeName(kv::ReadMode mode) {
  switch (mode) {
    case kv::READ_MODE_LEASE:
      return "lease";
    case kv::READ_MODE_STALE:
      return "stale";
    default:
      return "linearizable";
  }
}

}  // namespace raftlab::client
