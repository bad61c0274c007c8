#pragma once
// Executes a parsed raftlab-ctl command against the cluster. Results go to `out`, errors
// (with the gRPC code name) to `err`. Returns the exit status: 0 success, 1 an RPC failed,
// the key is absent (get), the swap did not happen (cas) or a bench request failed.

#include <ostream>

#include "server/api/client/ctl_flags.h"

namespace raftlab::client {

int RunCtl(const CtlCommand& command, std::ostream& out, std::ostream& err);

}  // namespace raftlab::client
