#include "server/kv/route_table.h"

#include <algorithm>
#include <set>

namespace raftlab::kv {

absl::StatusOr<RouteTable> RouteTable::Make(uint64_t version, std::vector<Route> routes) {
  if (routes.empty()) return absl::InvalidArgumentError("route table: no routes");
  std::set<uint64_t> ids;
  for (size_t i = 0; i < routes.size(); ++i) {
    const Route& r = routes[i];
    const std::string where = "route table: route " + std::to_string(r.route_id);
    if (r.route_id == 0) return absl::InvalidArgumentError(where + ": route id must be positive");
    if (r.group_id == 0) return absl::InvalidArgumentError(where + ": group must be positive");
    if (!ids.insert(r.route_id).second) return absl::InvalidArgumentError(where + ": duplicate id");
    if (i == 0 && !r.start.empty()) {
      return absl::InvalidArgumentError(where + ": the first route must start at the empty key");
    }
    if (i > 0 && routes[i - 1].end != r.start) {
      return absl::InvalidArgumentError(where + ": starts at '" + r.start +
                                        "' but the previous route ends at '" + routes[i - 1].end + "'");
    }
    const bool last = i + 1 == routes.size();
    if (last != r.end.empty()) {
      return absl::InvalidArgumentError(where + (last ? ": the last route must be unbounded"
                                                      : ": only the last route may be unbounded"));
    }
    if (!r.end.empty() && r.end <= r.start) {
      return absl::InvalidArgumentError(where + ": end '" + r.end + "' is not after start '" + r.start + "'");
    }
  }
  return RouteTable(version, std::move(routes));
}

RouteTable RouteTable::Even(uint64_t groups) {
  groups = std::clamp<uint64_t>(groups, 1, 256);
  std::vector<Route> routes;
  for (uint64_t g = 0; g < groups; ++g) {
    Route r;
    r.route_id = g + 1;
    r.group_id = g + 1;
    if (g > 0) r.start = std::string(1, static_cast<char>(g * 256 / groups));
    if (g + 1 < groups) r.end = std::string(1, static_cast<char>((g + 1) * 256 / groups));
    routes.push_back(std::move(r));
  }
  return RouteTable(1, std::move(routes));
}

const Route& RouteTable::Lookup(std::string_view key) const {
  // The last route whose start is <= key.
  auto it = std::upper_bound(routes_.begin(), routes_.end(), key,
                             [](std::string_view k, const Route& r) { return k < r.start; });
  return *std::prev(it);
}

std::vector<Route> RouteTable::Overlapping(std::string_view start, std::string_view end) const {
  std::vector<Route> out;
  for (const Route& r : routes_) {
    const bool before_end = end.empty() || r.start < end;
    const bool after_start = r.end.empty() || r.end > start;
    if (before_end && after_start) out.push_back(r);
  }
  return out;
}

absl::StatusOr<RouteTable> RouteTable::Split(std::string_view split_key) const {
  const Route& target = Lookup(split_key);
  if (target.start == split_key) {
    return absl::InvalidArgumentError("split key '" + std::string(split_key) +
                                      "' is already a range boundary");
  }
  uint64_t next_id = 0;
  for (const Route& r : routes_) next_id = std::max(next_id, r.route_id);
  std::vector<Route> routes;
  for (const Route& r : routes_) {
    if (r.route_id != target.route_id) {
      routes.push_back(r);
      continue;
    }
    Route left = r;
    left.end = std::string(split_key);
    Route right = r;
    right.route_id = next_id + 1;
    right.start = std::string(split_key);
    routes.push_back(std::move(left));
    routes.push_back(std::move(right));
  }
  return Make(version_ + 1, std::move(routes));
}

// Image: "RT1" | version (u64 LE) | count (u32 LE) | count × route, where
// route := id (u64 LE) | group (u64 LE) | start (u32 LE length + bytes) | end (same).
namespace {

void PutFixed(std::string* out, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

bool GetFixed(std::string_view* in, int bytes, uint64_t* v) {
  if (in->size() < static_cast<size_t>(bytes)) return false;
  *v = 0;
  for (int i = 0; i < bytes; ++i) *v |= static_cast<uint64_t>(static_cast<uint8_t>((*in)[i])) << (8 * i);
  in->remove_prefix(bytes);
  return true;
}

bool GetBytes(std::string_view* in, std::string* out) {
  uint64_t n = 0;
  if (!GetFixed(in, 4, &n) || in->size() < n) return false;
  out->assign(in->substr(0, n));
  in->remove_prefix(n);
  return true;
}

constexpr std::string_view kMagic = "RT1";

}  // namespace

std::string RouteTable::Encode() const {
  std::string out(kMagic);
  PutFixed(&out, version_, 8);
  PutFixed(&out, routes_.size(), 4);
  for (const Route& r : routes_) {
    PutFixed(&out, r.route_id, 8);
    PutFixed(&out, r.group_id, 8);
    PutFixed(&out, r.start.size(), 4);
    out += r.start;
    PutFixed(&out, r.end.size(), 4);
    out += r.end;
  }
  return out;
}

absl::StatusOr<RouteTable> RouteTable::Decode(std::string_view in) {
  auto bad = [](const char* what) {
    return absl::DataLossError(std::string("route table image: ") + what);
  };
  if (in.substr(0, kMagic.size()) != kMagic) return bad("bad magic");
  in.remove_prefix(kMagic.size());
  uint64_t version = 0, count = 0;
  if (!GetFixed(&in, 8, &version) || !GetFixed(&in, 4, &count)) return bad("truncated header");
  std::vector<Route> routes;
  for (uint64_t i = 0; i < count; ++i) {
    Route r;
    if (!GetFixed(&in, 8, &r.route_id) || !GetFixed(&in, 8, &r.group_id) || !GetBytes(&in, &r.start) ||
        !GetBytes(&in, &r.end)) {
      return bad("truncated route");
    }
    routes.push_back(std::move(r));
  }
  if (!in.empty()) return bad("trailing bytes");
  return Make(version, std::move(routes));
}

std::vector<uint64_t> RouteTable::Groups() const {
  std::set<uint64_t> groups;
  for (const Route& r : routes_) groups.insert(r.group_id);
  return {groups.begin(), groups.end()};
}

}  // namespace raftlab::kv
