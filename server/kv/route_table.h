#pragma once
// RouteTable: ordered, non-overlapping key ranges [start, end) covering the whole key space,
// each owned by one Raft group. A route keeps its id when its range changes hands or is
// split (keyviz rows are keyed by route id); every change bumps the table's version.
//
// Thread-safety: a RouteTable is an immutable value; the coordinator swaps whole tables.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace raftlab::kv {

struct Route {
  uint64_t route_id = 0;
  std::string start;  // inclusive
  std::string end;    // exclusive; "" = end of the key space
  uint64_t group_id = 0;
  bool Contains(std::string_view key) const {
    return key >= start && (end.empty() || key < end);
  }
  bool operator==(const Route&) const = default;
};

class RouteTable {
 public:
  // Checks that routes are sorted, contiguous, cover the key space from "" to "" and have
  // unique ids and positive groups; the error names the offending route.
  static absl::StatusOr<RouteTable> Make(uint64_t version, std::vector<Route> routes);

  // `groups` groups owning equal slices of the first key byte (group i owns the i-th
  // slice), one route each.
  static RouteTable Even(uint64_t groups);

  // The route holding key.
  const Route& Lookup(std::string_view key) const;
  // The routes overlapping [start, end) (end "" = unbounded), in key order.
  std::vector<Route> Overlapping(std::string_view start, std::string_view end) const;

  // A new table (version + 1) with the route containing split_key split at it: the left
  // part keeps its id, the right part gets a fresh id; both stay with the same group.
  absl::StatusOr<RouteTable> Split(std::string_view split_key) const;

  // A self-delimiting binary image (stored in the system group) and its inverse; Decode
  // re-checks every invariant of Make.
  std::string Encode() const;
  static absl::StatusOr<RouteTable> Decode(std::string_view image);

  bool operator==(const RouteTable&) const = default;

  uint64_t version() const { return version_; }
  const std::vector<Route>& routes() const { return routes_; }
  std::vector<uint64_t> Groups() const;

 private:
  RouteTable(uint64_t version, std::vector<Route> routes)
      : version_(version), routes_(std::move(routes)) {}
  uint64_t version_ = 0;
  std::vector<Route> routes_;
};

}  // namespace raftlab::kv
