// raftlab-dump: prints a raftlab node's data directory, or repairs its WAL on request.
// See --help, dump.h and the server README. Exit codes: dump.h (0 ok, 1 damage, 2 bad input).
#include <iostream>
#include <string>

#include <CLI/CLI.hpp>

#include "server/storage/dump.h"

int main(int argc, char** argv) {
  raftlab::storage::DumpOptions o;
  bool repair = false;
  uint64_t group = 0;
  CLI::App app(
      "raftlab-dump: prints a node's data directory (WAL records, snapshot files, applied indexes).\n"
      "Exit codes: 0 read everything, 1 damage the server refuses to start with, 2 bad input.",
      "raftlab-dump");
  app.add_option("DIR", o.data_dir, "The node's --data-dir")->required();
  auto* group_opt = app.add_option("--group", group, "Only this Raft group");
  app.add_flag("--entries-only", o.entries_only, "Only the WAL's entries, one line each");
  app.add_flag("--json", o.json, "One JSON object per line");
  app.add_flag("--repair", repair,
               "Truncate the node log's last segment at damage that is followed by valid records "
               "(the server refuses to start on it), printing the records removed; run with the node stopped");
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "raftlab-dump: " << e.what() << "\n";
    return raftlab::storage::kDumpBadInput;
  }
  if (*group_opt) o.group = group;
  return repair ? raftlab::storage::RepairDataDir(o, std::cout, std::cerr)
                : raftlab::storage::DumpDataDir(o, std::cout, std::cerr);
}
