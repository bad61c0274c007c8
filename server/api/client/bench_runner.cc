#include "server/api/client/bench_runner.h"

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <random>
#include <thread>

#include "kv.grpc.pb.h"
#include "server/api/client/admin_client.h"
#include "server/api/client/channel_pool.h"
#include "server/api/client/endpoint_check.h"
#include "server/api/client/kv_client.h"
#include "server/api/client/leader_finder.h"

namespace raftlab::client {
namespace {

using SteadyClock = std::chrono::steady_clock;

std::string ReadPathName(kv::ReadPath path) {
  switch (path) {
    case kv::READ_PATH_READ_INDEX:
      return "read-index";
    case kv::READ_PATH_LEASE:
      return "lease";
    case kv::READ_PATH_LEASE_FALLBACK:
      return "lease-fallback";
    case kv::READ_PATH_STALE:
      return "stale";
    default:
      return "unreported";
  }
}

// One closed-loop client with at most one request in flight. After construction only its
// completion queue's poller thread touches it, until that thread is joined.
struct Worker {
  kv::KV::Stub* stub = nullptr;
  grpc::CompletionQueue* cq = nullptr;
  std::mt19937_64 rng;
  std::unique_ptr<grpc::ClientContext> ctx;
  kv::PutRequest put;
  kv::PutResponse put_resp;
  std::unique_ptr<grpc::ClientAsyncResponseReader<kv::PutResponse>> put_rpc;
  kv::GetRequest get;
  kv::GetResponse get_resp;
  std::unique_ptr<grpc::ClientAsyncResponseReader<kv::GetResponse>> get_rpc;
  grpc::Status status;
  SteadyClock::time_point started;
  std::vector<double> latencies;
  std::map<std::string, int64_t> errors;
  std::map<kv::ReadPath, int64_t> read_paths;
};

class Run {
 public:
  Run(const BenchConfig& config, const std::vector<std::string>& targets)
      : config_(config), workers_(config.clients) {
    std::mt19937_64 rng(config.seed);
    value_.resize(config.val_size);
    for (char& c : value_) c = static_cast<char>('a' + rng() % 26);
    for (int i = 0; i < config.conns; ++i) {
      stubs_.push_back(kv::KV::NewStub(MakeChannel(targets[i % targets.size()], /*own_connection=*/true)));
    }
    unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    int queues = std::min<int>(config.clients, static_cast<int>(cores));
    for (int i = 0; i < queues; ++i) queues_.push_back(std::make_unique<grpc::CompletionQueue>());
    for (int i = 0; i < config.clients; ++i) {
      workers_[i].stub = stubs_[i % stubs_.size()].get();
      workers_[i].cq = queues_[i % queues_.size()].get();
      workers_[i].rng.seed(config.seed * 1000003 + i);
    }
  }

  BenchResult Go() {
    active_ = static_cast<int>(workers_.size());
    SteadyClock::time_point start = SteadyClock::now();
    std::vector<std::thread> pollers;
    for (auto& q : queues_) pollers.emplace_back([this, cq = q.get()] { Poll(cq); });
    {
      std::unique_lock lock(mu_);
      done_.wait(lock, [this] { return active_ == 0; });
    }
    double total_s = std::chrono::duration<double>(SteadyClock::now() - start).count();
    for (auto& q : queues_) q->Shutdown();
    for (auto& t : pollers) t.join();

    BenchResult result;
    std::vector<double> all;
    for (Worker& w : workers_) {
      all.insert(all.end(), w.latencies.begin(), w.latencies.end());
      for (const auto& [what, n] : w.errors) {
        result.error_counts[what] += n;
        result.errors += n;
      }
      for (const auto& [path, n] : w.read_paths) result.read_paths[ReadPathName(path)] += n;
    }
    result.ok = static_cast<int64_t>(all.size());
    result.summary = Summarize(std::move(all), total_s);
    return result;
  }

 private:
  void Issue(Worker& w) {
    int64_t i = next_.fetch_add(1);
    if (i >= config_.total) {
      std::lock_guard lock(mu_);
      if (--active_ == 0) done_.notify_all();
      return;
    }
    int64_t index = config_.sequential_keys ? i % config_.key_space
                                            : static_cast<int64_t>(w.rng() % static_cast<uint64_t>(config_.key_space));
    // The readers live in the old context's call arena: drop them before the context.
    w.put_rpc.reset();
    w.get_rpc.reset();
    w.ctx = std::make_unique<grpc::ClientContext>();
    w.ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(config_.timeout_ms));
    w.started = SteadyClock::now();
    if (config_.op == BenchConfig::Op::kPut) {
      w.put.set_key(BenchKey(index, config_.key_size));
      w.put.set_value(value_);
      w.put_rpc = w.stub->AsyncPut(w.ctx.get(), w.put, w.cq);
      w.put_rpc->Finish(&w.put_resp, &w.status, &w);
    } else {
      w.get.set_key(BenchKey(index, config_.key_size));
      w.get.set_read_mode(config_.read_mode);
      w.get_rpc = w.stub->AsyncGet(w.ctx.get(), w.get, w.cq);
      w.get_rpc->Finish(&w.get_resp, &w.status, &w);
    }
  }

  // Each worker lives on its queue's poller thread alone, first request included: gRPC's
  // own ordering of issue before completion is invisible to ThreadSanitizer (Debian's gRPC
  // is not instrumented), and one owner thread needs no such ordering.
  void Poll(grpc::CompletionQueue* cq) {
    for (Worker& w : workers_) {
      if (w.cq == cq) Issue(w);
    }
    void* tag = nullptr;
    bool ok = false;
    while (cq->Next(&tag, &ok)) {
      Worker& w = *static_cast<Worker*>(tag);
      double seconds = std::chrono::duration<double>(SteadyClock::now() - w.started).count();
      if (w.status.ok()) {
        w.latencies.push_back(seconds);
        if (config_.op == BenchConfig::Op::kGet) ++w.read_paths[w.get_resp.header().read_path()];
      } else {
        ++w.errors[grpc_status_name(w.status.error_code()) + ": " + w.status.error_message()];
      }
      Issue(w);
    }
  }

  static std::string grpc_status_name(grpc::StatusCode code) {
    return absl::StatusCodeToString(static_cast<absl::StatusCode>(code));
  }

  const BenchConfig& config_;
  std::string value_;
  std::vector<std::unique_ptr<kv::KV::Stub>> stubs_;
  std::vector<std::unique_ptr<grpc::CompletionQueue>> queues_;
  std::vector<Worker> workers_;  // sized once: workers never move
  std::atomic<int64_t> next_{0};
  std::mutex mu_;
  std::condition_variable done_;
  int active_ = 0;  // guarded by mu_: workers not yet out of requests
};

// The leader of the group that owns the first bench key.
absl::StatusOr<std::string> FindLeader(const BenchConfig& config, const std::vector<std::string>& endpoints) {
  auto pool = std::make_shared<ChannelPool>();
  std::chrono::milliseconds timeout(config.timeout_ms);
  auto kv = KvClient::Create(KvClientOptions{endpoints, timeout, 5}, pool);
  if (!kv.ok()) return kv.status();
  auto admin = AdminClient::Create(AdminClientOptions{endpoints, timeout, 5}, pool);
  if (!admin.ok()) return admin.status();
  auto probe = (*kv)->Get(BenchKey(0, config.key_size), kv::READ_MODE_STALE);
  if (!probe.ok()) return probe.status();
  return FindLeaderEndpoint(**admin, probe->header().group_id());
}

}  // namespace

absl::StatusOr<BenchResult> RunBench(const BenchConfig& config, const std::vector<std::string>& endpoints) {
  if (auto s = ValidateBenchConfig(config); !s.ok()) return s;
  if (auto s = ValidateEndpoints(endpoints, "--endpoints"); !s.ok()) return s;
  std::vector<std::string> targets = endpoints;
  if (config.target == BenchConfig::Target::kLeader) {
    auto target = FindLeader(config, endpoints);
    if (!target.ok()) return absl::UnavailableError("finding the leader: " + target.status().ToString());
    targets = {*target};
  }
  Run run(config, targets);
  BenchResult result = run.Go();
  result.targets = std::move(targets);
  return result;
}

}  // namespace raftlab::client
