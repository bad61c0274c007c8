// Bank-style invariant checker: every ok `read` returns the list of account balances,
// and their total must always equal the expected total (given, or taken from the first
// ok read); no balance may be negative. `transfer` ops are not inspected.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "checkers/history.h"
#include "checkers/search.h"

namespace raftlab::checkers {

struct BankResult {
  Verdict verdict = Verdict::kValid;
  std::string reason;  // why unknown
  int64_t total = 0;
  bool total_given = false;
  uint64_t reads = 0;
  uint64_t bad_reads = 0;        // wrong total or a negative balance
  std::vector<uint32_t> bad_ops;  // first few offending ops
  int64_t first_bad_sum = 0;
};

BankResult CheckBank(const History& history, const std::vector<Op>& ops,
                     std::optional<int64_t> expected_total);

}  // namespace raftlab::checkers
