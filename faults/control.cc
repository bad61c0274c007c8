#include "faults/control.h"

#include <algorithm>
#include <string_view>

#include "faults/points.h"

#ifdef FIU_ENABLE
#include <fiu-control.h>
#include <fiu.h>
#endif

namespace raftlab::faults {
namespace {

constexpr std::string_view kOwnPrefix = "raftlab/";

absl::Status CheckName(const std::string& name) {
  if (name.empty()) return absl::InvalidArgumentError("fault point name is empty");
  if (!FaultsCompiledIn()) {
    return absl::FailedPreconditionError("fault point '" + name +
                                         "': fault points are compiled out (RAFTLAB_FAULTS=OFF)");
  }
  if (name.back() == '*' || !std::string_view(name).starts_with(kOwnPrefix)) {
    return absl::OkStatus();
  }
  const auto points = AllFaultPoints();
  const bool known = std::any_of(points.begin(), points.end(),
                                 [&](const FaultPoint& p) { return name == p.name; });
  if (!known) {
    return absl::NotFoundError("fault point '" + name + "' is not in the catalogue (faults/points.h)");
  }
  return absl::OkStatus();
}

#ifdef FIU_ENABLE
absl::Status Initialise() {
  if (fiu_init(0) != 0) return absl::InternalError("libfiu: fiu_init failed");
  return absl::OkStatus();
}
#endif

}  // namespace

absl::Status Enable(const std::string& name, bool once) {
  if (auto s = CheckName(name); !s.ok()) return s;
#ifdef FIU_ENABLE
  if (auto s = Initialise(); !s.ok()) return s;
  if (fiu_enable(name.c_str(), 1, nullptr, once ? FIU_ONETIME : 0) != 0) {
    return absl::InternalError("libfiu: cannot enable fault point '" + name + "'");
  }
#else
  (void)once;
#endif
  return absl::OkStatus();
}

absl::Status EnableRandom(const std::string& name, double probability) {
  if (auto s = CheckName(name); !s.ok()) return s;
  if (!(probability >= 0.0 && probability <= 1.0)) {
    return absl::InvalidArgumentError("fault point '" + name + "': probability " +
                                      std::to_string(probability) + " is outside [0, 1]");
  }
#ifdef FIU_ENABLE
  if (auto s = Initialise(); !s.ok()) return s;
  if (fiu_enable_random(name.c_str(), 1, nullptr, 0, static_cast<float>(probability)) != 0) {
    return absl::InternalError("libfiu: cannot enable fault point '" + name + "'");
  }
#endif
  return absl::OkStatus();
}

absl::Status EnableWith(const std::string& name, const EnableOptions& o) {
  if (auto s = CheckName(name); !s.ok()) return s;
  if (!(o.probability >= 0.0 && o.probability <= 1.0)) {
    return absl::InvalidArgumentError("fault point '" + name + "': probability " +
                                      std::to_string(o.probability) + " is outside [0, 1]");
  }
  if (o.failnum == 0) {
    return absl::InvalidArgumentError("fault point '" + name + "': failnum must not be 0");
  }
#ifdef FIU_ENABLE
  if (auto s = Initialise(); !s.ok()) return s;
  void* info = reinterpret_cast<void*>(o.failinfo);
  const unsigned flags = o.once ? FIU_ONETIME : 0;
  const int rc = o.probability >= 1.0
                     ? fiu_enable(name.c_str(), o.failnum, info, flags)
                     : fiu_enable_random(name.c_str(), o.failnum, info, flags,
                                         static_cast<float>(o.probability));
  if (rc != 0) return absl::InternalError("libfiu: cannot enable fault point '" + name + "'");
#endif
  return absl::OkStatus();
}

absl::Status Disable(const std::string& name) {
  if (auto s = CheckName(name); !s.ok()) return s;
#ifdef FIU_ENABLE
  if (auto s = Initialise(); !s.ok()) return s;
  if (fiu_disable(name.c_str()) != 0) {
    return absl::NotFoundError("libfiu: fault point '" + name + "' is not enabled");
  }
#endif
  return absl::OkStatus();
}

absl::Status OpenRemoteControl(const std::string& prefix) {
  if (prefix.empty()) return absl::InvalidArgumentError("--fault-control: prefix is empty");
  if (!FaultsCompiledIn()) {
    return absl::FailedPreconditionError(
        "--fault-control=" + prefix + ": fault points are compiled out (RAFTLAB_FAULTS=OFF)");
  }
#ifdef FIU_ENABLE
  if (auto s = Initialise(); !s.ok()) return s;
  if (fiu_rc_fifo(prefix.c_str()) != 0) {
    return absl::UnavailableError("--fault-control=" + prefix +
                                  ": cannot create the libfiu control FIFO " + prefix + "-<pid>");
  }
#endif
  return absl::OkStatus();
}

}  // namespace raftlab::faults
