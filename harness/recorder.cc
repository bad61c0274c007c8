#include "harness/recorder.h"

#include <cerrno>
#include <cstring>

#include "checkers/jsonl.h"

namespace raftlab::harness {
namespace {

// Fields after index/type/process are built outside the lock; the lock only stamps index
// and time and writes.
std::string OpFields(const workloads::OpRequest& op, const checkers::Value& value) {
  std::string s = ",\"f\":";
  checkers::AppendJsonString(s, op.f);
  if (!op.key.empty()) {
    s += ",\"key\":";
    checkers::AppendJsonString(s, op.key);
  }
  s += ",\"value\":" + checkers::ValueToString(value);
  return s;
}

}  // namespace

absl::StatusOr<std::unique_ptr<HistoryRecorder>> HistoryRecorder::Open(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "w");
  if (f == nullptr) return absl::UnavailableError("history: cannot create " + path + ": " + std::strerror(errno));
  return std::unique_ptr<HistoryRecorder>(new HistoryRecorder(f));
}

HistoryRecorder::~HistoryRecorder() { std::fclose(file_); }

int64_t HistoryRecorder::Now() const {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start_).count();
}

absl::Status HistoryRecorder::status() const {
  std::lock_guard<std::mutex> l(mu_);
  return error_;
}

// `body` starts with ",\"type\":..." and ends before the time field; this adds
// {"index":N in front and ,"time":T} behind.
void HistoryRecorder::Append(std::string& body) {
  std::lock_guard<std::mutex> l(mu_);
  const uint64_t index = index_.load(std::memory_order_relaxed);
  std::string line = "{\"index\":" + std::to_string(index) + body + ",\"time\":" + std::to_string(Now()) + "}\n";
  if (std::fwrite(line.data(), 1, line.size(), file_) != line.size() || std::fflush(file_) != 0) {
    if (error_.ok()) error_ = absl::DataLossError(std::string("history: write failed: ") + std::strerror(errno));
  }
  index_.store(index + 1, std::memory_order_relaxed);
}

void HistoryRecorder::Invoke(int64_t process, const workloads::OpRequest& op) {
  std::string body = ",\"type\":\"invoke\",\"process\":" + std::to_string(process) + OpFields(op, op.value);
  Append(body);
}

void HistoryRecorder::Complete(int64_t process, const workloads::OpRequest& op, const workloads::OpResult& r,
                               const char* read_mode) {
  const char* type = "info";
  switch (r.outcome) {
    case workloads::Outcome::kOk: type = "ok"; ok_.fetch_add(1); break;
    case workloads::Outcome::kFail: type = "fail"; fail_.fetch_add(1); break;
    case workloads::Outcome::kInfo: info_.fetch_add(1); break;
  }
  std::string body = std::string(",\"type\":\"") + type + "\",\"process\":" + std::to_string(process) +
                     OpFields(op, r.value);
  if (!r.node.empty()) {
    body += ",\"node\":";
    checkers::AppendJsonString(body, r.node);
  }
  if ((op.f == "read" || op.f == "txn") && read_mode != nullptr) body += std::string(",\"read_mode\":\"") + read_mode + "\"";
  if (!r.error.empty()) {
    body += ",\"error\":";
    checkers::AppendJsonString(body, r.error);
  }
  if (r.term) body += ",\"term\":" + std::to_string(*r.term);
  if (r.applied_index) body += ",\"applied_index\":" + std::to_string(*r.applied_index);
  Append(body);
}

void HistoryRecorder::Nemesis(bool start, const std::string& fault, const std::string& detail) {
  std::string body = std::string(",\"type\":\"info\",\"process\":\"nemesis\",\"f\":\"") + (start ? "start" : "stop") +
                     "\",\"fault\":";
  checkers::AppendJsonString(body, fault);
  body += ",\"value\":null,\"detail\":";
  checkers::AppendJsonString(body, detail);
  Append(body);
}

}  // namespace raftlab::harness
