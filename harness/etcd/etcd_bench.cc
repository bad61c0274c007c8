#include "harness/etcd/etcd_bench.h"

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <thread>

#include "etcd_rpc.grpc.pb.h"
#include "server/api/client/channel_pool.h"

namespace raftlab::harness {
namespace {

using SteadyClock = std::chrono::steady_clock;
using client::BenchConfig;

// One closed-loop client with at most one request in flight, owned by its queue's poller.
struct Worker {
  etcdserverpb::KV::Stub* stub = nullptr;
  grpc::CompletionQueue* cq = nullptr;
  std::mt19937_64 rng;
  std::unique_ptr<grpc::ClientContext> ctx;
  etcdserverpb::PutRequest put;
  etcdserverpb::PutResponse put_resp;
  std::unique_ptr<grpc::ClientAsyncResponseReader<etcdserverpb::PutResponse>> put_rpc;
  etcdserverpb::RangeRequest range;
  etcdserverpb::RangeResponse range_resp;
  std::unique_ptr<grpc::ClientAsyncResponseReader<etcdserverpb::RangeResponse>> range_rpc;
  grpc::Status status;
  SteadyClock::time_point started;
  std::vector<double> latencies;
  std::map<std::string, int64_t> errors;
};

class Run {
 public:
  Run(const BenchConfig& config, const std::vector<std::string>& targets) : config_(config), workers_(config.clients) {
    std::mt19937_64 rng(config.seed);
    value_.resize(static_cast<size_t>(config.val_size));
    for (char& c : value_) c = static_cast<char>('a' + rng() % 26);
    for (int i = 0; i < config.conns; ++i) {
      stubs_.push_back(etcdserverpb::KV::NewStub(client::MakeChannel(targets[static_cast<size_t>(i) % targets.size()],
                                                                     /*own_connection=*/true)));
    }
    const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    const int queues = std::min<int>(config.clients, static_cast<int>(cores));
    for (int i = 0; i < queues; ++i) queues_.push_back(std::make_unique<grpc::CompletionQueue>());
    for (size_t i = 0; i < workers_.size(); ++i) {
      workers_[i].stub = stubs_[i % stubs_.size()].get();
      workers_[i].cq = queues_[i % queues_.size()].get();
      workers_[i].rng.seed(config.seed * 1000003 + i);
    }
  }

  client::BenchResult Go() {
    active_ = static_cast<int>(workers_.size());
    const auto start = SteadyClock::now();
    std::vector<std::thread> pollers;
    for (auto& q : queues_) pollers.emplace_back([this, cq = q.get()] { Poll(cq); });
    {
      std::unique_lock lock(mu_);
      done_.wait(lock, [this] { return active_ == 0; });
    }
    const double total_s = std::chrono::duration<double>(SteadyClock::now() - start).count();
    for (auto& q : queues_) q->Shutdown();
    for (auto& t : pollers) t.join();
    client::BenchResult result;
    std::vector<double> all;
    for (Worker& w : workers_) {
      all.insert(all.end(), w.latencies.begin(), w.latencies.end());
      for (const auto& [what, n] : w.errors) {
        result.error_counts[what] += n;
        result.errors += n;
      }
    }
    result.ok = static_cast<int64_t>(all.size());
    result.summary = client::Summarize(std::move(all), total_s);
    return result;
  }

 private:
  void Issue(Worker& w) {
    const int64_t i = next_.fetch_add(1);
    if (i >= config_.total) {
      std::lock_guard lock(mu_);
      if (--active_ == 0) done_.notify_all();
      return;
    }
    const int64_t index = config_.sequential_keys
                              ? i % config_.key_space
                              : static_cast<int64_t>(w.rng() % static_cast<uint64_t>(config_.key_space));
    // The readers live in the old context's call arena: drop them before the context.
    w.put_rpc.reset();
    w.range_rpc.reset();
    w.ctx = std::make_unique<grpc::ClientContext>();
    w.ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(config_.timeout_ms));
    w.started = SteadyClock::now();
    if (config_.op == BenchConfig::Op::kPut) {
      w.put.set_key(client::BenchKey(index, config_.key_size));
      w.put.set_value(value_);
      w.put_rpc = w.stub->AsyncPut(w.ctx.get(), w.put, w.cq);
      w.put_rpc->Finish(&w.put_resp, &w.status, &w);
    } else {
      w.range.set_key(client::BenchKey(index, config_.key_size));
      w.range.set_serializable(config_.read_mode != kv::READ_MODE_LINEARIZABLE);
      w.range_rpc = w.stub->AsyncRange(w.ctx.get(), w.range, w.cq);
      w.range_rpc->Finish(&w.range_resp, &w.status, &w);
    }
  }

  void Poll(grpc::CompletionQueue* cq) {
    for (Worker& w : workers_) {
      if (w.cq == cq) Issue(w);
    }
    void* tag = nullptr;
    bool ok = false;
    while (cq->Next(&tag, &ok)) {
      Worker& w = *static_cast<Worker*>(tag);
      const double seconds = std::chrono::duration<double>(SteadyClock::now() - w.started).count();
      if (w.status.ok()) {
        w.latencies.push_back(seconds);
      } else {
        ++w.errors[absl::StatusCodeToString(static_cast<absl::StatusCode>(w.status.error_code())) + ": " +
                   w.status.error_message()];
      }
      Issue(w);
    }
  }

  const BenchConfig& config_;
  std::string value_;
  std::vector<std::unique_ptr<etcdserverpb::KV::Stub>> stubs_;
  std::vector<std::unique_ptr<grpc::CompletionQueue>> queues_;
  std::vector<Worker> workers_;  // sized once: workers never move
  std::atomic<int64_t> next_{0};
  std::mutex mu_;
  std::condition_variable done_;
  int active_ = 0;  // guarded by mu_
};

}  // namespace

absl::StatusOr<client::BenchResult> RunEtcdBench(const BenchConfig& config, const std::vector<std::string>& endpoints,
                                                 const std::string& leader) {
  if (auto s = client::ValidateBenchConfig(config); !s.ok()) return s;
  if (config.read_mode == kv::READ_MODE_LEASE && config.op == BenchConfig::Op::kGet) {
    return absl::InvalidArgumentError("etcd bench: lease reads are raftlab's; etcd has linearizable and serializable");
  }
  std::vector<std::string> targets = endpoints;
  if (config.target == BenchConfig::Target::kLeader) targets = {leader};
  Run run(config, targets);
  client::BenchResult result = run.Go();
  result.targets = std::move(targets);
  return result;
}

}  // namespace raftlab::harness
