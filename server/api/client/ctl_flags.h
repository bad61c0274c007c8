#pragma once
// The command line of raftlab-ctl. ParseCtlArgs never exits or prints: it returns the
// command, or an INVALID_ARGUMENT error whose message names the offending flag or
// argument, so main can print it and exit with status 2.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "admin.pb.h"
#include "kv.pb.h"
#include "server/api/client/bench_config.h"

namespace raftlab::client {

struct CtlCommand {
  bool help = false;  // --help: print `usage`, exit 0
  std::string usage;

  std::vector<std::string> endpoints;  // --endpoints, each host:port
  int timeout_ms = 5000;               // --timeout-ms, per operation

  // put, get, delete, cas, scan, status, fault, partition, heal, clock, transfer, snapshot, bench
  std::string name;

  std::string key;                      // put, get, delete, cas
  std::string value;                    // put VALUE; cas NEW
  std::optional<std::string> expected;  // cas OLD; nullopt with --expect-absent
  kv::ReadMode read_mode = kv::READ_MODE_LINEARIZABLE;  // get, scan
  std::string start, end;               // scan
  uint32_t limit = 0;                   // scan; 0 = the server's limit
  std::string fault_action;             // enable, disable, list
  std::string fault_name;
  double probability = 0;               // fault enable; 0 = always
  int64_t failnum = 0;                  // fault enable: value handed to the failing code
  bool one_shot = false;                // fault enable: fire once
  std::string node;                     // partition (required) and heal (optional): the node to change
  std::vector<uint64_t> isolate;        // partition
  admin::PartitionDirection direction = admin::PARTITION_DIRECTION_BOTH;  // partition --direction
  int64_t offset_ms = 0;                // clock
  double rate = 1.0;                    // clock
  uint64_t group = 1;                   // transfer, snapshot
  uint64_t to = 0;                      // transfer
  BenchConfig bench;                    // bench
};

// args[0] is the program name.
absl::StatusOr<CtlCommand> ParseCtlArgs(const std::vector<std::string>& args);

}  // namespace raftlab::client
