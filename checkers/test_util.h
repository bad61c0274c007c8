// Helpers for checker tests: write small histories as readable call sequences.
#pragma once

#include <string>
#include <vector>

#include "checkers/history.h"
#include "checkers/jsonl.h"
#include "checkers/linearizability.h"
#include "checkers/validate.h"

namespace raftlab::checkers::testing {

// Builds JSONL text event by event; time advances by 10 per event.
class HistoryText {
 public:
  HistoryText& Invoke(int process, const std::string& f, const std::string& value = "null",
                      const std::string& key = "x") {
    return Add("invoke", process, f, value, key);
  }
  HistoryText& Ok(int process, const std::string& f, const std::string& value = "null",
                  const std::string& key = "x") {
    return Add("ok", process, f, value, key);
  }
  HistoryText& Fail(int process, const std::string& f, const std::string& value = "null",
                    const std::string& key = "x") {
    return Add("fail", process, f, value, key);
  }
  HistoryText& Info(int process, const std::string& f, const std::string& value = "null",
                    const std::string& key = "x") {
    return Add("info", process, f, value, key);
  }
  const std::string& text() const { return text_; }

 private:
  HistoryText& Add(const std::string& type, int process, const std::string& f,
                   const std::string& value, const std::string& key) {
    text_ += "{\"index\":" + std::to_string(count_) + ",\"type\":\"" + type +
             "\",\"process\":" + std::to_string(process) + ",\"f\":\"" + f + "\",\"key\":\"" +
             key + "\",\"value\":" + value + ",\"time\":" + std::to_string(count_ * 10) + "}\n";
    ++count_;
    return *this;
  }
  std::string text_;
  int count_ = 0;
};

struct Checked {
  Status status;  // parse or validation error
  LinearizabilityResult result;
};

inline Checked CheckText(const std::string& text, ModelKind model) {
  Checked out;
  auto history = ParseJsonl(text, "test.jsonl");
  if (!history.ok()) {
    out.status = history.status();
    return out;
  }
  auto ops = BuildOps(*history, model);
  if (!ops.ok()) {
    out.status = ops.status();
    return out;
  }
  LinearizabilityOptions options;
  options.model = model;
  options.threads = 1;
  out.result = CheckLinearizability(*history, *ops, options);
  return out;
}

}  // namespace raftlab::checkers::testing
