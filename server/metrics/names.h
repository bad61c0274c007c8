#pragma once
// Naming rules for raftlab metrics, checked when a family is registered.
//
// Metric names: `raftlab_<component>_<what>[_<unit>|_total]`, lower-case segments of
// [a-z0-9] joined by single underscores, at least component and what after `raftlab_`.
// Counters end in `_total`; gauges and histograms do not. Units are base units (seconds,
// bytes): `_ms`, `_milliseconds`, `_kilobytes`, ... are refused so that every latency in
// every dashboard is in seconds. Histogram names may not end in `_bucket`, `_sum` or
// `_count`, which the exposition appends.
//
// Label names: [a-z][a-z0-9_]*, unique within a family; `le` and `quantile` are reserved.

#include <span>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace raftlab::metrics {

enum class MetricType { kCounter, kGauge, kHistogram };

// "counter", "gauge" or "histogram", as written on the # TYPE line.
std::string_view TypeName(MetricType type);

// OK, or InvalidArgument naming the metric and the rule it breaks.
absl::Status ValidateMetricName(std::string_view name, MetricType type);

// OK, or InvalidArgument naming the metric, the label and the rule it breaks.
absl::Status ValidateLabelNames(std::string_view metric, std::span<const std::string> labels);

}  // namespace raftlab::metrics
