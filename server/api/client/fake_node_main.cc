// raftlab-fake-node: one FakeNode (in-memory KV + Admin) on 127.0.0.1:<ephemeral port>, for
// trying raftlab-ctl without a cluster and measuring what `raftlab-ctl bench` itself can
// drive. Prints the address on stdout and serves until SIGINT or SIGTERM.
#include <csignal>
#include <cstdlib>
#include <iostream>

#include "server/api/client/fake_node.h"

int main(int argc, char** argv) {
  uint64_t id = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1;
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  // Blocked before gRPC starts its threads, so only sigwait sees them.
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);
  raftlab::client::testing::FakeNode node(id == 0 ? 1 : id);
  std::cout << node.address() << std::endl;
  int sig = 0;
  sigwait(&stop, &sig);
  return 0;
}
