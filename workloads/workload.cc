#include "workloads/workload.h"

#include "server/api/client/call_status.h"
#include "workloads/list_append/list_append_workload.h"
#include "workloads/register/register_workload.h"
#include "workloads/set/set_workload.h"

namespace raftlab::workloads {

const std::vector<std::string>& WorkloadNames() {
  static const std::vector<std::string> kNames = {"register", "lease-register", "stale-register", "set", "list-append",
                                                    "stale-list-append"};
  return kNames;
}

absl::StatusOr<std::unique_ptr<Workload>> MakeWorkload(const std::string& name, const WorkloadOptions& options) {
  if (name == "register") {
    return std::make_unique<RegisterWorkload>(name, kv::READ_MODE_LINEARIZABLE, options);
  }
  if (name == "lease-register") return std::make_unique<RegisterWorkload>(name, kv::READ_MODE_LEASE, options);
  if (name == "stale-register") return std::make_unique<RegisterWorkload>(name, kv::READ_MODE_STALE, options);
  if (name == "set") return std::make_unique<SetWorkload>(kv::READ_MODE_LINEARIZABLE, options);
  if (name == "list-append") {
    return std::make_unique<ListAppendWorkload>(name, kv::READ_MODE_LINEARIZABLE, options);
  }
  if (name == "stale-list-append") return std::make_unique<ListAppendWorkload>(name, kv::READ_MODE_STALE, options);
  std::string known;
  for (const auto& n : WorkloadNames()) known += (known.empty() ? "" : ", ") + n;
  return absl::InvalidArgumentError("--workload: unknown workload \"" + name + "\" (expected " + known + ")");
}

const char* ReadModeName(kv::ReadMode mode) {
  switch (mode) {
    case kv::READ_MODE_LEASE: return "lease";
    case kv::READ_MODE_STALE: return "stale";
    default: return "linearizable";
  }
}

OpResult FromError(const absl::Status& status, const checkers::Value& invoked) {
  OpResult out;
  out.outcome = client::IsDefiniteFailure(status) ? Outcome::kFail : Outcome::kInfo;
  out.value = invoked;
  out.error = std::string(absl::StatusCodeToString(status.code())) + ": " + std::string(status.message()).substr(0, 200);
  return out;
}

}  // namespace raftlab::workloads
