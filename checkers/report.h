// The outcome of one raftlab-check run and its renderings: the one-line summary, the
// readable counterexample text, and the JSON result document.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "checkers/bank_checker.h"
#include "checkers/history.h"
#include "checkers/linearizability.h"
#include "checkers/list_append.h"
#include "checkers/set_checker.h"
#include "checkers/stats.h"
#include "checkers/validate.h"

namespace raftlab::checkers {

struct CheckReport {
  ModelKind model = ModelKind::kCasRegister;
  std::string history_path;
  Verdict verdict = Verdict::kValid;
  std::optional<LinearizabilityResult> linearizability;
  std::optional<SetResult> set;
  std::optional<BankResult> bank;
  std::optional<ListAppendResult> list_append;
  Stats stats;
  double check_seconds = 0;
};

// "invalid: key k7: read of 12 at index 812 cannot be linearized (3 ops in window)"
std::string SummaryLine(const CheckReport& report, const History& history,
                        const std::vector<Op>& ops);

// A readable block per invalid or unknown key (empty when everything is valid).
std::string ReportText(const CheckReport& report, const History& history,
                       const std::vector<Op>& ops);

// "read of 12", "cas of [1,2]", "add of 5": the op and the value it carried or returned.
std::string OpPhrase(const History& history, const Op& op);

// The JSON result document, pretty-printed.
std::string ReportJson(const CheckReport& report, const History& history,
                       const std::vector<Op>& ops);

// Key name for messages: the key, or "(no key)".
std::string KeyName(const History& history, int32_t key);

}  // namespace raftlab::checkers
