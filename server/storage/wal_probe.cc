// wal_probe: drives the node log (one group in it) from the command line so tests can run
// it under fiu-run.
//
//   wal_probe init DIR     creates a node log holding entries 1..3 of group 1
//   wal_probe append DIR   reopens it and appends entry 4 (prints "append returned" if the
//                          append comes back; under a failing fsync it must fail-stop)
//   wal_probe verify DIR   recovers it and prints "recovered N entries"
// Exit status: 0 on success, 1 on errors, 75 on a storage fail-stop.
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "server/storage/node_wal.h"

namespace {

raftlab::raftpb::Entry MakeEntry(uint64_t index) {
  raftlab::raftpb::Entry e;
  e.set_index(index);
  e.set_term(1);
  e.set_data("value-" + std::to_string(index));
  return e;
}

}  // namespace

int main(int argc, char** argv) {
  using raftlab::storage::NodeWal;
  constexpr uint64_t kGroup = 1;
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s init|append|verify DIR\n", argv[0]);
    return 2;
  }
  const std::string mode = argv[1];
  raftlab::storage::NodeWalOptions options;
  options.dir = argv[2];
  raftlab::storage::NodeWalRecovery recovered;
  auto wal = NodeWal::Open(options, &recovered);
  if (!wal.ok()) {
    std::fprintf(stderr, "wal_probe: %s\n", std::string(wal.status().message()).c_str());
    return 1;
  }
  const raftlab::storage::WalRecovery rec = (*wal)->TakeRecovery(kGroup);
  raftlab::raftpb::HardState hs;
  hs.set_term(1);
  if (mode == "init") {
    std::vector<raftlab::raftpb::Entry> entries = {MakeEntry(1), MakeEntry(2), MakeEntry(3)};
    return (*wal)->Append(kGroup, hs, entries).ok() ? 0 : 1;
  }
  if (mode == "append") {
    std::vector<raftlab::raftpb::Entry> entries = {MakeEntry(rec.entries.size() + 1)};
    (void)(*wal)->Append(kGroup, hs, entries);
    std::printf("append returned\n");
    return 0;
  }
  if (mode == "verify") {
    for (const auto& e : rec.entries) {
      if (e.data() != MakeEntry(e.index()).data()) {
        std::fprintf(stderr, "wal_probe: entry %llu holds garbage\n",
                     static_cast<unsigned long long>(e.index()));
        return 1;
      }
    }
    std::printf("recovered %zu entries\n", rec.entries.size());
    return rec.entries.size() >= 3 ? 0 : 1;
  }
  std::fprintf(stderr, "wal_probe: unknown mode '%s' (want init, append or verify)\n",
               mode.c_str());
  return 2;
}
