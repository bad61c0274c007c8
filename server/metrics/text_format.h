#pragma once
// Pieces of the Prometheus text exposition format 0.0.4
// (https://prometheus.io/docs/instrumenting/exposition_formats/): escaping and numbers.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace raftlab::metrics {

// HELP text: backslash -> \\ and newline -> \n.
void AppendEscapedHelp(std::string_view help, std::string* out);

// Label values: backslash -> \\, double quote -> \", newline -> \n.
void AppendEscapedLabelValue(std::string_view value, std::string* out);

// A sample value: shortest round-trip decimal ("0.25", "1e-05", "3"), or +Inf, -Inf, NaN.
void AppendDouble(double value, std::string* out);
void AppendUint(uint64_t value, std::string* out);

// `{a="x",b="y"}` for names[i]=values[i], then le="<le>" when le is non-empty; nothing at
// all when there are no labels.
void AppendLabels(std::span<const std::string> names, std::span<const std::string> values,
                  std::string_view le, std::string* out);

}  // namespace raftlab::metrics
