// raftlab-ctl: see ctl_flags.h for the command line and ctl_run.h for exit statuses.
#include <iostream>

#include "proto/grpc_runtime.h"
#include "server/api/client/ctl_flags.h"
#include "server/api/client/ctl_run.h"

int main(int argc, char** argv) {
  raftlab::proto::DisableAbslDeadlockDetection();
  auto command = raftlab::client::ParseCtlArgs(std::vector<std::string>(argv, argv + argc));
  if (!command.ok()) {
    std::cerr << "raftlab-ctl: " << command.status().message() << "\n";
    return 2;
  }
  if (command->help) {
    std::cout << command->usage;
    return 0;
  }
  return raftlab::client::RunCtl(*command, std::cout, std::cerr);
}
