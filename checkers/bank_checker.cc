#include "checkers/bank_checker.h"

namespace raftlab::checkers {

BankResult CheckBank(const History& h, const std::vector<Op>& ops,
                     std::optional<int64_t> expected_total) {
  BankResult r;
  const int32_t read_f = h.strings.Find("read");
  r.total_given = expected_total.has_value();
  std::optional<int64_t> total = expected_total;
  for (size_t i = 0; i < ops.size(); ++i) {
    const Op& op = ops[i];
    if (op.f != read_f || op.status != OpStatus::kOk) continue;
    ++r.reads;
    int64_t sum = 0;
    bool negative = false;
    for (const auto& b : OpValue(h, op).list) {
      sum += *b;
      negative |= *b < 0;
    }
    if (!total) total = sum;
    if (sum != *total || negative) {
      if (r.bad_reads == 0) r.first_bad_sum = sum;
      ++r.bad_reads;
      if (r.bad_ops.size() < 10) r.bad_ops.push_back(static_cast<uint32_t>(i));
    }
  }
  if (r.reads == 0) {
    r.verdict = Verdict::kUnknown;
    r.reason = "no ok read";
    return r;
  }
  r.total = *total;
  r.verdict = r.bad_reads ? Verdict::kInvalid : Verdict::kValid;
  return r;
}

}  // namespace raftlab::checkers
