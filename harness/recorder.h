#pragma once
// HistoryRecorder: writes history.jsonl (shared/docs/history-format.md) as events happen.
// Each event is one line, written and flushed to the kernel before the call returns, so a
// harness that crashes leaves a usable prefix. Index and time are assigned under one lock,
// so time never goes backwards by index.
//
// Faults are recorded in the same file as nemesis events, Jepsen-style:
//   {"index":9,"type":"info","process":"nemesis","f":"start","fault":"partition-halves",
//    "value":null,"detail":"[1,2] | [3]","time":...}
// and a matching "f":"stop" line when the fault is healed. The analysis (analysis.h)
// separates them from the client events before checking.
//
// Thread-safe: workers and the nemesis call it concurrently. Owns the file.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "workloads/workload.h"

namespace raftlab::harness {

class HistoryRecorder {
 public:
  // Creates (truncates) path; time 0 is now.
  static absl::StatusOr<std::unique_ptr<HistoryRecorder>> Open(const std::string& path);
  ~HistoryRecorder();

  void Invoke(int64_t process, const workloads::OpRequest& op);
  void Complete(int64_t process, const workloads::OpRequest& op, const workloads::OpResult& result,
                const char* read_mode);
  // A fault starts (start = true) or ends.
  void Nemesis(bool start, const std::string& fault, const std::string& detail);

  // Nanoseconds since the test began.
  int64_t Now() const;
  uint64_t events() const { return index_.load(); }
  uint64_t ok() const { return ok_.load(); }
  uint64_t fail() const { return fail_.load(); }
  uint64_t info() const { return info_.load(); }
  // A write error, if one happened (recording continues to be attempted).
  absl::Status status() const;

 private:
  HistoryRecorder(std::FILE* f) : file_(f), start_(std::chrono::steady_clock::now()) {}
  void Append(std::string& line_without_index_and_time_tail);

  std::FILE* file_;
  const std::chrono::steady_clock::time_point start_;
  mutable std::mutex mu_;
  absl::Status error_;  // guarded by mu_
  std::atomic<uint64_t> index_{0};
  std::atomic<uint64_t> ok_{0}, fail_{0}, info_{0};
};

}  // namespace raftlab::harness
