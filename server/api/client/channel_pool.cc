#include "server/api/client/channel_pool.h"

namespace raftlab::client {

std::shared_ptr<grpc::Channel> MakeChannel(const std::string& address, bool own_connection) {
  grpc::ChannelArguments args;
  // Key-visualizer matrices and large scans exceed the 4 MiB default.
  args.SetMaxReceiveMessageSize(64 << 20);
  if (own_connection) args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  // A restarted server is reached within 0.1-1 s, not after gRPC's default backoff that
  // grows to minutes: after a whole-cluster restart every channel is in backoff at once.
  // (GRPC_ARG_MIN_RECONNECT_BACKOFF_MS stays at its default: it is also the connect timeout.)
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
  // pick_first leaves transient failure only after a re-resolution, which the DNS resolver
  // allows once per 30 s by default: a cluster that was down for a second stayed
  // unreachable for half a minute.
  args.SetInt(GRPC_ARG_DNS_MIN_TIME_BETWEEN_RESOLUTIONS_MS, 100);
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
