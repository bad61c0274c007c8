#pragma once
// The cluster file: the initial route table given explicitly instead of --groups N.
//
// Format: one directive per line; '#' starts a comment; blank lines are ignored.
//
//   route <start> <end> <group>
//
// Routes are listed in key order and must tile the key space: the first starts at "-",
// each starts where the previous one ends, the last ends at "-". A key is "-" (the open
// end of the key space) or text in which \xHH stands for one byte and \\ for a backslash;
// it may not contain spaces. Route ids are 1, 2, ... in file order. Example, four groups
// over the first key byte:
//
//   route -    \x40 1
//   route \x40 \x80 2
//   route \x80 \xc0 3
//   route \xc0 -    4
//
// Every error names PATH:LINE and the field (directive, start, end, group).

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "server/kv/route_table.h"

namespace raftlab::kv {

// Parses text as the contents of the cluster file at path (path is only for messages).
absl::StatusOr<RouteTable> ParseClusterFile(std::string_view text, const std::string& path);
// Reads and parses the file.
absl::StatusOr<RouteTable> LoadClusterFile(const std::string& path);

// A key written the way cluster files write it ("-" for the empty key, \xHH for bytes
// outside printable ASCII); also used by status pages.
std::string PrintableKey(std::string_view key);

}  // namespace raftlab::kv
