#include "server/api/client/channel_pool.h"

namespace raftlab::client {

std::shared_ptr<grpc::Channel> MakeChannel(const std::string& address, bool own_connection) {
  grpc::ChannelArguments args;
  // Key-visualizer matrices and large scans exceed the 4 MiB default.
  args.SetMaxReceiveMessageSize(64 << 20);
  if (own_connection) args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  return grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args);
}

Connection& ChannelPool::Get(const std::string& address) {
  std::lock_guard lock(mu_);
  auto& slot = connections_[address];
  if (!slot) {
    slot = std::make_unique<Connection>();
    slot->address = address;
    slot->channel = MakeChannel(address, /*own_connection=*/false);
    slot->kv = kv::KV::NewStub(slot->channel);
    slot->admin = admin::Admin::NewStub(slot->channel);
  }
  return *slot;
}

}  // namespace raftlab::client
