#include "server/metrics/registry.h"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <type_traits>

#include "server/log/fail_stop.h"
#include "server/metrics/text_format.h"

namespace raftlab::metrics {
namespace {

// Registering a bad name or label set is a programming error, not a run-time condition.
[[noreturn]] void Die(const absl::Status& status) {
  log::FailStop(log::StopCause::kInvariant, "metrics", "registry", std::string(status.message()));
}

// Error messages only; absl::StrCat is unusable here (Debian's absl::string_view is not
// std::string_view).
template <typename... Args>
std::string Cat(const Args&... args) {
  std::ostringstream os;
  (os << ... << args);
  return os.str();
}

std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (std::size_t i = 0; i < v.size(); ++i) out.append(i == 0 ? "" : ",").append(v[i]);
  return out;
}

std::vector<std::string> FormatLe(std::span<const double> bounds) {
  std::vector<std::string> out;
  for (double b : bounds) {
    std::string s;
    AppendDouble(b, &s);
    out.push_back(std::move(s));
  }
  out.emplace_back("+Inf");
  return out;
}

absl::Status ValidateBounds(std::string_view name, std::span<const double> bounds) {
  if (bounds.empty()) {
    return absl::InvalidArgumentError(Cat("histogram '", name, "': no bucket bounds"));
  }
  for (std::size_t i = 0; i < bounds.size(); ++i) {
    if (!std::isfinite(bounds[i])) {
      return absl::InvalidArgumentError(
          Cat("histogram '", name, "': bound ", i, " is not finite (+Inf is implicit)"));
    }
    if (i > 0 && !(bounds[i - 1] < bounds[i])) {
      return absl::InvalidArgumentError(
          Cat("histogram '", name, "': bounds must be strictly increasing, bound ", i,
                       " (", bounds[i], ") <= bound ", i - 1, " (", bounds[i - 1], ")"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

FamilyBase::FamilyBase(MetricType type, std::string name, std::string help,
                       std::vector<std::string> label_names)
    : type_(type), name_(std::move(name)), help_(std::move(help)),
      label_names_(std::move(label_names)) {}

void FamilyBase::CheckArity(std::size_t values) const {
  if (values != label_names_.size()) {
    Die(absl::InvalidArgumentError(Cat(
        "metric '", name_, "' has ", label_names_.size(), " label(s) (",
        Join(label_names_), ") but was given ", values, " value(s)")));
  }
}

template <typename T>
Family<T>::Family(MetricType type, std::string name, std::string help,
                  std::vector<std::string> labels, std::vector<double> bounds)
    : FamilyBase(type, std::move(name), std::move(help), std::move(labels)),
      bounds_(std::move(bounds)),
      le_values_(std::is_same_v<T, Histogram> ? FormatLe(bounds_) : std::vector<std::string>{}) {}

template <typename T>
T* Family<T>::WithLabels(std::initializer_list<std::string_view> values) {
  CheckArity(values.size());
  return Lookup(std::vector<std::string>(values.begin(), values.end()));
}

template <typename T>
T* Family<T>::WithLabels(std::span<const std::string> values) {
  CheckArity(values.size());
  return Lookup(std::vector<std::string>(values.begin(), values.end()));
}

template <typename T>
T* Family<T>::Lookup(std::vector<std::string> key) {
  std::lock_guard lock(mu_);
  auto it = children_.find(key);
  if (it == children_.end()) {
    std::unique_ptr<T> child;
    if constexpr (std::is_same_v<T, Histogram>) {
      child = std::make_unique<T>(bounds_);
    } else {
      child = std::make_unique<T>();
    }
    it = children_.emplace(std::move(key), std::move(child)).first;
  }
  return it->second.get();
}

template <typename T>
void Family<T>::AppendText(std::string* out) const {
  out->append("# HELP ").append(name()).push_back(' ');
  AppendEscapedHelp(help(), out);
  out->append("\n# TYPE ").append(name()).push_back(' ');
  out->append(TypeName(type())).push_back('\n');
  std::lock_guard lock(mu_);
  for (const auto& [values, child] : children_) {
    if constexpr (std::is_same_v<T, Histogram>) {
      const Histogram::Snapshot snap = child->Collect();
      for (std::size_t i = 0; i < snap.cumulative.size(); ++i) {
        out->append(name()).append("_bucket");
        AppendLabels(label_names(), values, le_values_[i], out);
        out->push_back(' ');
        AppendUint(snap.cumulative[i], out);
        out->push_back('\n');
      }
      out->append(name()).append("_sum");
      AppendLabels(label_names(), values, "", out);
      out->push_back(' ');
      AppendDouble(snap.sum, out);
      out->push_back('\n');
      out->append(name()).append("_count");
      AppendLabels(label_names(), values, "", out);
      out->push_back(' ');
      AppendUint(snap.count, out);
      out->push_back('\n');
    } else {
      out->append(name());
      AppendLabels(label_names(), values, "", out);
      out->push_back(' ');
      if constexpr (std::is_same_v<T, Counter>) {
        AppendUint(child->Value(), out);
      } else {
        AppendDouble(child->Value(), out);
      }
      out->push_back('\n');
    }
  }
}

template class Family<Counter>;
template class Family<Gauge>;
template class Family<Histogram>;

template <typename T>
absl::StatusOr<Family<T>*> Registry::Register(MetricType type, std::string_view name,
                                              std::string_view help,
                                              std::vector<std::string> labels,
                                              std::vector<double> bounds) {
  if (absl::Status s = ValidateMetricName(name, type); !s.ok()) return s;
  if (absl::Status s = ValidateLabelNames(name, labels); !s.ok()) return s;
  if (help.empty()) {
    return absl::InvalidArgumentError(Cat("metric '", name, "': help text is empty"));
  }
  if (type == MetricType::kHistogram) {
    if (absl::Status s = ValidateBounds(name, bounds); !s.ok()) return s;
  }

  std::lock_guard lock(mu_);
  if (auto it = families_.find(name); it != families_.end()) {
    auto* existing = dynamic_cast<Family<T>*>(it->second.get());
    if (existing == nullptr || existing->label_names() != labels ||
        !std::equal(bounds.begin(), bounds.end(), existing->bounds().begin(),
                    existing->bounds().end())) {
      return absl::AlreadyExistsError(Cat(
          "metric '", name, "' is already registered as a ", TypeName(it->second->type()),
          " with labels (", Join(it->second->label_names()),
          "); the new registration differs"));
    }
    return existing;
  }
  const bool unlabelled = labels.empty();
  auto family = std::make_unique<Family<T>>(type, std::string(name), std::string(help),
                                            std::move(labels), std::move(bounds));
  Family<T>* raw = family.get();
  families_.emplace(std::string(name), std::move(family));
  // A family without labels has exactly one series; expose it from the start, at zero.
  if (unlabelled) raw->Get();
  return raw;
}

absl::StatusOr<CounterFamily*> Registry::TryAddCounter(std::string_view name,
                                                       std::string_view help,
                                                       std::vector<std::string> label_names) {
  return Register<Counter>(MetricType::kCounter, name, help, std::move(label_names), {});
}

absl::StatusOr<GaugeFamily*> Registry::TryAddGauge(std::string_view name, std::string_view help,
                                                   std::vector<std::string> label_names) {
  return Register<Gauge>(MetricType::kGauge, name, help, std::move(label_names), {});
}

absl::StatusOr<HistogramFamily*> Registry::TryAddHistogram(std::string_view name,
                                                           std::string_view help,
                                                           std::vector<double> bounds,
                                                           std::vector<std::string> label_names) {
  return Register<Histogram>(MetricType::kHistogram, name, help, std::move(label_names),
                             std::move(bounds));
}

CounterFamily& Registry::AddCounter(std::string_view name, std::string_view help,
                                    std::vector<std::string> label_names) {
  auto r = TryAddCounter(name, help, std::move(label_names));
  if (!r.ok()) Die(r.status());
  return **r;
}

GaugeFamily& Registry::AddGauge(std::string_view name, std::string_view help,
                                std::vector<std::string> label_names) {
  auto r = TryAddGauge(name, help, std::move(label_names));
  if (!r.ok()) Die(r.status());
  return **r;
}

HistogramFamily& Registry::AddHistogram(std::string_view name, std::string_view help,
                                        std::vector<double> bounds,
                                        std::vector<std::string> label_names) {
  auto r = TryAddHistogram(name, help, std::move(bounds), std::move(label_names));
  if (!r.ok()) Die(r.status());
  return **r;
}

std::string Registry::TextExposition() const {
  std::string out;
  AppendText(&out);
  return out;
}

void Registry::AppendText(std::string* out) const {
  std::lock_guard lock(mu_);
  for (const auto& [name, family] : families_) family->AppendText(out);
}

}  // namespace raftlab::metrics
