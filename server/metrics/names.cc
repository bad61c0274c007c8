#include "server/metrics/names.h"

#include <array>
#include <set>
#include <sstream>
#include <vector>

namespace raftlab::metrics {
namespace {

constexpr std::string_view kPrefix = "raftlab_";

// Non-base units: Prometheus convention is seconds and bytes everywhere.
constexpr std::array<std::string_view, 12> kNonBaseUnits = {
    "ms", "us", "ns", "millis", "milliseconds", "microseconds", "nanoseconds",
    "minutes", "hours", "kb", "kilobytes", "megabytes"};

// Error messages only; absl::StrCat is unusable here (Debian's absl::string_view is not
// std::string_view).
template <typename... Args>
std::string Cat(const Args&... args) {
  std::ostringstream os;
  (os << ... << args);
  return os.str();
}

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  for (std::size_t start = 0;;) {
    const std::size_t end = s.find(sep, start);
    out.push_back(s.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) return out;
    start = end + 1;
  }
}

bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

absl::Status Bad(std::string_view name, std::string_view why) {
  return absl::InvalidArgumentError(Cat("metric name '", name, "': ", why));
}

}  // namespace

std::string_view TypeName(MetricType type) {
  switch (type) {
    case MetricType::kCounter:
      return "counter";
    case MetricType::kGauge:
      return "gauge";
    case MetricType::kHistogram:
      return "histogram";
  }
  return "untyped";
}

absl::Status ValidateMetricName(std::string_view name, MetricType type) {
  if (name.substr(0, kPrefix.size()) != kPrefix) {
    return Bad(name, "must start with 'raftlab_' (raftlab_<component>_<what>_<unit|total>)");
  }
  const std::vector<std::string_view> segments = Split(name.substr(kPrefix.size()), '_');
  for (std::string_view seg : segments) {
    if (seg.empty()) return Bad(name, "empty segment (leading, trailing or doubled '_')");
    for (char c : seg) {
      if (!IsLowerAlnum(c)) return Bad(name, "only [a-z0-9] and single '_' are allowed");
    }
    for (std::string_view unit : kNonBaseUnits) {
      if (seg == unit) {
        return Bad(name, Cat("'", unit, "' is not a base unit; use seconds or bytes"));
      }
    }
  }
  if (segments.size() < 2) return Bad(name, "needs at least <component>_<what> after 'raftlab_'");
  const bool total = EndsWith(name, "_total");
  if (type == MetricType::kCounter && !total) return Bad(name, "a counter must end in '_total'");
  if (type != MetricType::kCounter && total) {
    return Bad(name, Cat("only counters end in '_total', this is a ", TypeName(type)));
  }
  if (type == MetricType::kCounter && segments.size() < 3) {
    return Bad(name, "needs <component>_<what>_total after 'raftlab_'");
  }
  if (type == MetricType::kHistogram &&
      (EndsWith(name, "_bucket") || EndsWith(name, "_sum") || EndsWith(name, "_count"))) {
    return Bad(name, "a histogram may not end in _bucket, _sum or _count (the exposition adds them)");
  }
  return absl::OkStatus();
}

absl::Status ValidateLabelNames(std::string_view metric, std::span<const std::string> labels) {
  std::set<std::string_view> seen;
  for (const std::string& label : labels) {
    auto bad = [&](std::string_view why) {
      return absl::InvalidArgumentError(
          Cat("metric '", metric, "' label '", label, "': ", why));
    };
    if (label.empty() || !(label[0] >= 'a' && label[0] <= 'z')) {
      return bad("must start with a lower-case letter");
    }
    for (char c : label) {
      if (!IsLowerAlnum(c) && c != '_') return bad("only [a-z0-9_] is allowed");
    }
    if (label == "le" || label == "quantile") return bad("reserved by Prometheus");
    if (!seen.insert(label).second) return bad("appears twice");
  }
  return absl::OkStatus();
}

}  // namespace raftlab::metrics
