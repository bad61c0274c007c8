#pragma once
// Names the calling thread for `top -H`, `ps -L`, perf and gdb, so a profile of a node
// says which of its threads (Ready loop of group 3, lane to node 2, ...) did the work.

#include <string>

namespace raftlab::log {

// Linux keeps the first 15 bytes; longer names are cut.
void NameThisThread(const std::string& name);

}  // namespace raftlab::log
