#pragma once
// A gtest fixture for tests that run real raftlab-server processes: a fresh run directory
// per test (removed when the test passes, kept and named when it fails), a LocalCluster
// with fast timings, and a KvClient over every node. Run directories left by a test process
// that was killed (no failure marker, owner gone) are swept at the next SetUp.

#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "harness/cluster.h"
#include "server/api/client/kv_client.h"

namespace raftlab::harness {

class ClusterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SweepKilledRuns();
    std::string tmpl = std::string(kRunPrefix) + std::to_string(getpid()) + "-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    root_ = tmpl;
  }

  void TearDown() override {
    cluster_.reset();
    if (!HasFailure()) {
      std::filesystem::remove_all(root_);
    } else {
      std::ofstream(root_ + "/" + kFailedMarker) << "kept for the failing test's reader\n";
      std::fprintf(stderr, "node logs kept in %s\n", root_.c_str());
    }
  }

  // Removes /tmp/raftlab-cluster-test-<pid>-* folders whose test process is gone and that
  // no failing test kept: a killed test cannot clean up after itself.
  static void SweepKilledRuns() {
    namespace fs = std::filesystem;
    const std::string prefix = fs::path(kRunPrefix).filename().string();
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(fs::path(kRunPrefix).parent_path(), ec)) {
      const std::string name = entry.path().filename().string();
      if (name.rfind(prefix, 0) != 0 || fs::exists(entry.path() / kFailedMarker)) continue;
      const long pid = std::strtol(name.c_str() + prefix.size(), nullptr, 10);
      if (pid <= 0 || pid == getpid() || kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH) continue;
      fs::remove_all(entry.path(), ec);
    }
  }

  static constexpr const char* kRunPrefix = "/tmp/raftlab-cluster-test-";
  static constexpr const char* kFailedMarker = "FAILED-TEST-KEPT";

  // Election in ~300 ms and a short lease, so faults play out quickly.
  ClusterOptions Options(const std::string& name, int groups = 1) {
    ClusterOptions o;
    o.server_binary = RAFTLAB_SERVER_BIN;
    o.run_dir = root_ + "/" + name;
    o.nodes = 3;
    o.groups = groups;
    o.tick_ms = 5;
    o.election_ticks = 60;
    o.heartbeat_ticks = 6;
    o.settings.lease_margin_ms = 100;
    return o;
  }

  void StartCluster(ClusterOptions o) {
    auto c = LocalCluster::Start(std::move(o));
    ASSERT_TRUE(c.ok()) << c.status();
    cluster_ = std::move(*c);
    ASSERT_TRUE(cluster_->WaitHealthy(std::chrono::seconds(30)).ok());
    client::KvClientOptions ko;
    ko.endpoints = cluster_->endpoints();
    ko.timeout = std::chrono::milliseconds(5000);
    auto kv = client::KvClient::Create(ko);
    ASSERT_TRUE(kv.ok()) << kv.status();
    kv_ = std::move(*kv);
  }

  bool WaitFor(const std::function<bool()>& pred,
               std::chrono::milliseconds timeout = std::chrono::milliseconds(30000)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (pred()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return pred();
  }

  // The value a node serves for key in mode, or "<absent>" / "<error: ...>".
  std::string ReadAt(uint64_t node, const std::string& key, kv::ReadMode mode,
                     std::chrono::milliseconds timeout = std::chrono::milliseconds(5000)) {
    client::CallOptions call;
    call.endpoint = cluster_->endpoint(node);
    call.timeout = timeout;
    auto r = kv_->Get(key, mode, call);
    if (!r.ok()) return "<error: " + std::string(r.status().message()) + ">";
    return r->found() ? r->value() : "<absent>";
  }

  std::string root_;
  std::unique_ptr<LocalCluster> cluster_;
  std::unique_ptr<client::KvClient> kv_;
};

}  // namespace raftlab::harness
