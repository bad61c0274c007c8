#pragma once
// The metrics registry: named families of counters, gauges and histograms, and their
// Prometheus text exposition (format 0.0.4). This is the component's entry header.
//
// Usage: register a family once at start-up, look up each child (label values) once and
// keep the pointer; the hot path is then one atomic operation:
//
//   auto& drops = registry.AddCounter("raftlab_raft_dispatch_drop_total",
//                                     "Messages dropped because a lane was full.", {"lane"});
//   Counter* heartbeat_drops = drops.WithLabels({"heartbeat"});
//   heartbeat_drops->Inc();
//
// Ownership: the Registry owns its families, a family owns its children; pointers handed
// out stay valid until the Registry is destroyed. Children are never removed.
// Threads: every method may be called from any thread. Registration and child lookup take
// a mutex; updating a child does not.
// Invalid names, label names, bucket bounds, or a wrong number of label values are
// programming errors: the Add* and WithLabels methods abort with a message naming the
// metric. TryAdd* return the error instead (for names that come from configuration).

#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "server/metrics/metric.h"
#include "server/metrics/names.h"

namespace raftlab::metrics {

// The HTTP Content-Type of TextExposition().
inline constexpr std::string_view kTextContentType = "text/plain; version=0.0.4; charset=utf-8";

// What all families share: identity, help text and label names.
class FamilyBase {
 public:
  FamilyBase(MetricType type, std::string name, std::string help,
             std::vector<std::string> label_names);
  virtual ~FamilyBase() = default;
  FamilyBase(const FamilyBase&) = delete;
  FamilyBase& operator=(const FamilyBase&) = delete;

  MetricType type() const { return type_; }
  const std::string& name() const { return name_; }
  const std::string& help() const { return help_; }
  const std::vector<std::string>& label_names() const { return label_names_; }

  // Appends the HELP and TYPE lines and one block of samples per child, children in
  // label-value order.
  virtual void AppendText(std::string* out) const = 0;

 protected:
  // Aborts unless values has one entry per label name.
  void CheckArity(std::size_t values) const;

 private:
  const MetricType type_;
  const std::string name_;
  const std::string help_;
  const std::vector<std::string> label_names_;
};

// A family of children of type T (Counter, Gauge or Histogram), one per label-value tuple.
template <typename T>
class Family final : public FamilyBase {
 public:
  // bounds: histogram bucket bounds (validated by the Registry); empty for the others.
  Family(MetricType type, std::string name, std::string help, std::vector<std::string> labels,
         std::vector<double> bounds);

  // The child for these label values (one per label name, in order), created on first use.
  T* WithLabels(std::initializer_list<std::string_view> values);
  T* WithLabels(std::span<const std::string> values);
  // The only child of a family without labels.
  T* Get() { return WithLabels({}); }

  std::span<const double> bounds() const { return bounds_; }
  void AppendText(std::string* out) const override;

 private:
  T* Lookup(std::vector<std::string> key);

  const std::vector<double> bounds_;
  const std::vector<std::string> le_values_;  // bounds_ formatted once, then "+Inf"
  mutable std::mutex mu_;
  std::map<std::vector<std::string>, std::unique_ptr<T>> children_;  // guarded by mu_
};

using CounterFamily = Family<Counter>;
using GaugeFamily = Family<Gauge>;
using HistogramFamily = Family<Histogram>;

class Registry {
 public:
  Registry() = default;
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // Registering a name again with the same type, label names (and bounds) returns the
  // existing family, so several owners (one per Raft group, say) can share a metric.
  // Any mismatch is an error, as is an invalid name, label name, empty help or bad bounds.
  absl::StatusOr<CounterFamily*> TryAddCounter(std::string_view name, std::string_view help,
                                               std::vector<std::string> label_names = {});
  absl::StatusOr<GaugeFamily*> TryAddGauge(std::string_view name, std::string_view help,
                                           std::vector<std::string> label_names = {});
  // bounds: non-empty, finite, strictly increasing upper bounds; +Inf is implicit.
  absl::StatusOr<HistogramFamily*> TryAddHistogram(std::string_view name, std::string_view help,
                                                   std::vector<double> bounds,
                                                   std::vector<std::string> label_names = {});

  // As above; abort with the error message on failure.
  CounterFamily& AddCounter(std::string_view name, std::string_view help,
                            std::vector<std::string> label_names = {});
  GaugeFamily& AddGauge(std::string_view name, std::string_view help,
                        std::vector<std::string> label_names = {});
  HistogramFamily& AddHistogram(std::string_view name, std::string_view help,
                                std::vector<double> bounds,
                                std::vector<std::string> label_names = {});

  // Every family in name order, in the Prometheus text format 0.0.4.
  std::string TextExposition() const;
  void AppendText(std::string* out) const;

 private:
  template <typename T>
  absl::StatusOr<Family<T>*> Register(MetricType type, std::string_view name,
                                      std::string_view help, std::vector<std::string> labels,
                                      std::vector<double> bounds);

  mutable std::mutex mu_;
  std::map<std::string, std::unique_ptr<FamilyBase>, std::less<>> families_;  // guarded by mu_
};

}  // namespace raftlab::metrics
