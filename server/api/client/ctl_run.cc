#include "server/api/client/ctl_run.h"

#include <fstream>
#include <functional>

#include "server/api/client/admin_client.h"
#include "server/api/client/bench_report.h"
#include "server/api/client/bench_runner.h"
#include "server/api/client/call_status.h"
#include "server/api/client/kv_client.h"

namespace raftlab::client {
namespace {

constexpr int kMaxRedirects = 5;

// One gRPC error line: "<what>: CODE: endpoint: message (definite|indeterminate)".
int Fail(std::ostream& err, const std::string& what, const absl::Status& s) {
  err << what << ": " << absl::StatusCodeToString(s.code()) << ": " << s.message() << " ("
      << CertaintyName(CertaintyOf(s)) << ")\n";
  return 1;
}

std::string Join(const auto& ids) {
  std::string out;
  for (auto id : ids) out += (out.empty() ? "" : ",") + std::to_string(id);
  return out;
}

const char* DirectionName(admin::PartitionDirection d) {
  switch (d) {
    case admin::PARTITION_DIRECTION_INBOUND: return "inbound";
    case admin::PARTITION_DIRECTION_OUTBOUND: return "outbound";
    default: return "both";
  }
}

class Runner {
 public:
  Runner(const CtlCommand& c, std::ostream& out, std::ostream& err, std::unique_ptr<KvClient> kv,
         std::unique_ptr<AdminClient> admin)
      : c_(c), out_(out), err_(err), kv_(std::move(kv)), admin_(std::move(admin)) {}

  int Run() {
    const std::string& n = c_.name;
    if (n == "put") return Put();
    if (n == "get") return Get();
    if (n == "delete") return Delete();
    if (n == "cas") return Cas();
    if (n == "scan") return Scan();
    if (n == "status") return Status();
    if (n == "fault") return Fault();
    if (n == "partition") return Partition();
    if (n == "heal") return Heal();
    if (n == "clock") return Clock();
    if (n == "transfer") return Transfer();
    if (n == "snapshot") return Snapshot();
    if (n == "bench") return Bench();
    err_ << "unknown command '" << n << "'\n";
    return 2;
  }

 private:
  int Put() {
    auto r = kv_->Put(c_.key, c_.value);
    if (!r.ok()) return Fail(err_, "put", r.status());
    out_ << "OK\n";
    return 0;
  }

  int Get() {
    auto r = kv_->Get(c_.key, c_.read_mode);
    if (!r.ok()) return Fail(err_, "get", r.status());
    if (!r->found()) {
      err_ << "not found\n";
      return 1;
    }
    out_ << r->value() << "\n";
    return 0;
  }

  int Delete() {
    auto r = kv_->Delete(c_.key);
    if (!r.ok()) return Fail(err_, "delete", r.status());
    out_ << (r->deleted() ? "deleted" : "not found") << "\n";
    return 0;
  }

  int Cas() {
    auto r = kv_->CompareAndSwap(c_.key, c_.expected, c_.value);
    if (!r.ok()) return Fail(err_, "cas", r.status());
    if (r->succeeded()) {
      out_ << "swapped\n";
      return 0;
    }
    out_ << "not swapped: " << (r->found() ? "current value is " + r->current_value() : "key absent") << "\n";
    return 1;
  }

  int Scan() {
    auto r = kv_->Scan(c_.start, c_.end, c_.limit, c_.read_mode);
    if (!r.ok()) return Fail(err_, "scan", r.status());
    for (const auto& kv : r->kvs()) out_ << kv.key() << "\t" << kv.value() << "\n";
    if (r->more()) err_ << "(more: raise --limit or scan from after the last key)\n";
    return 0;
  }

  // Runs `fn` once per endpoint (or just `only`); reports each failure and returns 1 if any.
  int EachNode(const std::string& what, const std::function<absl::Status(const std::string&)>& fn,
               const std::string& only = "") {
    int rc = 0;
    for (const std::string& e : only.empty() ? c_.endpoints : std::vector<std::string>{only}) {
      if (absl::Status s = fn(e); !s.ok()) rc = Fail(err_, what, s);
    }
    return rc;
  }

  int Status() {
    return EachNode("status", [&](const std::string& e) {
      auto r = admin_->Status(e);
      if (!r.ok()) return r.status();
      for (const auto& g : r->groups()) {
        out_ << "node=" << r->node_id() << " endpoint=" << e << " group=" << g.group_id() << " leader=" << g.leader_id()
             << " role=" << g.role() << " term=" << g.term() << " commit=" << g.commit_index()
             << " applied=" << g.applied_index() << " snapshot=" << g.snapshot_index()
             << " lease=" << (g.lease_valid() ? "valid" : "none") << " voters=" << Join(g.voters())
             << " lanes=" << r->dispatcher_lanes() << " fsm=" << r->fsm_sync_mode()
             << " partitioned=" << Join(r->partitioned_peers())
             << " partition_direction=" << DirectionName(r->partition_direction()) << "\n";
      }
      return absl::OkStatus();
    });
  }

  int Fault() {
    return EachNode("fault " + c_.fault_action, [&](const std::string& e) {
      absl::StatusOr<admin::FaultsResponse> r;
      if (c_.fault_action == "enable") {
        admin::EnableFaultRequest req;
        req.set_name(c_.fault_name);
        req.set_probability(c_.probability);
        req.set_failnum(c_.failnum);
        req.set_one_shot(c_.one_shot);
        r = admin_->EnableFault(e, req);
      } else if (c_.fault_action == "disable") {
        r = admin_->DisableFault(e, c_.fault_name);
      } else {
        r = admin_->ListFaults(e);
      }
      if (!r.ok()) return r.status();
      for (const auto& p : r->points()) {
        // The server answers with its whole catalogue; enable/disable show the point changed.
        if (c_.fault_action != "list" && p.name() != c_.fault_name) continue;
        out_ << e << " " << p.name() << " " << (p.enabled() ? "on" : "off") << " p=" << p.probability();
        if (!p.description().empty()) out_ << "  # " << p.description();
        out_ << "\n";
      }
      return absl::OkStatus();
    });
  }

  int Partition() {
    return EachNode(
        "partition",
        [&](const std::string& e) {
          auto r = admin_->SetPartition(e, c_.isolate, c_.direction);
          if (!r.ok()) return r.status();
          out_ << e << " isolated=" << Join(r->isolated_peers()) << " direction=" << DirectionName(r->direction())
               << "\n";
          return absl::OkStatus();
        },
        c_.node);
  }

  int Heal() {
    return EachNode(
        "heal",
        [&](const std::string& e) {
          auto r = admin_->Heal(e);
          if (!r.ok()) return r.status();
          out_ << e << " healed\n";
          return absl::OkStatus();
        },
        c_.node);
  }

  int Clock() {
    return EachNode("clock", [&](const std::string& e) {
      auto r = admin_->SetClock(e, c_.offset_ms * 1'000'000, c_.rate);
      if (!r.ok()) return r.status();
      out_ << e << " offset_ns=" << r->offset_ns() << " rate=" << r->rate() << " now_ns=" << r->now_ns() << "\n";
      return absl::OkStatus();
    });
  }

  int Transfer() {
    auto r = admin_->TransferLeader(c_.group, c_.to);
    if (!r.ok()) return Fail(err_, "transfer", r.status());
    out_ << "group=" << c_.group << " leader=" << r->leader_id() << "\n";
    return 0;
  }

  int Snapshot() {
    return EachNode("snapshot", [&](const std::string& e) {
      auto r = admin_->TriggerSnapshot(e, c_.group);
      if (!r.ok()) return r.status();
      out_ << e << " group=" << c_.group << " snapshot_index=" << r->snapshot_index() << "\n";
      return absl::OkStatus();
    });
  }

  int Bench() {
    auto r = RunBench(c_.bench, c_.endpoints);
    if (!r.ok()) return Fail(err_, "bench", r.status());
    out_ << FormatBenchReport(c_.bench, *r);
    if (!c_.bench.json_path.empty()) {
      std::ofstream f(c_.bench.json_path);
      f << BenchJson(c_.bench, *r);
      f.close();
      if (!f) {
        err_ << "bench: --json: cannot write " << c_.bench.json_path << "\n";
        return 1;
      }
    }
    if (r->errors > 0) {
      err_ << "bench: " << r->errors << " of " << c_.bench.total << " requests failed\n";
      return 1;
    }
    return 0;
  }

  const CtlCommand& c_;
  std::ostream& out_;
  std::ostream& err_;
  std::unique_ptr<KvClient> kv_;
  std::unique_ptr<AdminClient> admin_;
};

}  // namespace

int RunCtl(const CtlCommand& command, std::ostream& out, std::ostream& err) {
  auto pool = std::make_shared<ChannelPool>();
  std::chrono::milliseconds timeout(command.timeout_ms);
  auto kv = KvClient::Create(KvClientOptions{command.endpoints, timeout, kMaxRedirects}, pool);
  auto admin = AdminClient::Create(AdminClientOptions{command.endpoints, timeout, kMaxRedirects}, pool);
  for (const absl::Status& s : {kv.status(), admin.status()}) {
    if (!s.ok()) {
      err << s.message() << "\n";
      return 2;
    }
  }
  return Runner(command, out, err, std::move(*kv), std::move(*admin)).Run();
}

}  // namespace raftlab::client
