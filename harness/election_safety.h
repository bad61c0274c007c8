#pragma once
// Raft's Election Safety property, checked from the servers' own logs: at most one node
// becomes leader of a group in a given term. Each server logs
// `event=role_changed group=G term=T from=candidate to=leader` when it wins an election;
// two different nodes winning the same (group, term) is a violation whatever the history
// shows (e.g. a vote forgotten across a restart), reported as a run's finding.
//
// Pure: fed the text of each node's log (all its incarnations, appended). Threads: any.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace raftlab::harness {

// Findings about Election Safety start with this, so validate can count them as detection.
inline constexpr char kElectionSafetyPrefix[] = "election safety violated";

// One sentence per (group, term) won by more than one node, in (group, term) order.
std::vector<std::string> ElectionSafetyViolations(const std::map<uint64_t, std::string>& node_logs);

}  // namespace raftlab::harness
