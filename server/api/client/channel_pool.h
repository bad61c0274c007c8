#pragma once
// One gRPC channel (and its KV and Admin stubs) per server address, created on first use and
// reused for the pool's lifetime. Thread-safe: Get may be called from any thread; the
// returned Connection is immutable and its stubs are safe for concurrent calls.

#include <grpcpp/grpcpp.h>

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "admin.grpc.pb.h"
#include "kv.grpc.pb.h"

namespace raftlab::client {

struct Connection {
  std::string address;
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<kv::KV::Stub> kv;
  std::unique_ptr<admin::Admin::Stub> admin;
};

// A new insecure channel to host:port. With `own_connection` it gets its own TCP
// connection instead of sharing one with other channels to the same address (gRPC shares
// subchannels process-wide by default), which a load generator needs to open M connections.
std::shared_ptr<grpc::Channel> MakeChannel(const std::string& address, bool own_connection);

class ChannelPool {
 public:
  ChannelPool() = default;
  ChannelPool(const ChannelPool&) = delete;
  ChannelPool& operator=(const ChannelPool&) = delete;

  // The connection to `address`; the reference stays valid as long as the pool.
  Connection& Get(const std::string& address);

 private:
  std::mutex mu_;
  std::map<std::string, std::unique_ptr<Connection>> connections_;  // guarded by mu_; never shrinks
};

}  // namespace raftlab::client
