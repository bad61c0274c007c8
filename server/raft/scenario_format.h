#pragma once
// Text forms of Raft values for scenario output (see scenario_env.h). One line per entry
// or message, fields in a fixed order, so expected output diffs stay small and readable.

#include <functional>
#include <string>
#include <vector>

#include "raft.pb.h"
#include "server/raft/raw_node.h"

namespace raftlab::raft::scenario {

// "2/12 EntryNormal \"put a\"" or "1/1 EntryConfChange AddNode 3".
std::string FormatEntry(const raftpb::Entry& e);
// "1->2 MsgApp Term:1 Log:1/11 Commit:11 Entries:[...]"; fields appear only when set.
std::string FormatMessage(const raftpb::Message& m);
// "Index:12 Term:1 Voters:[1 2 3]".
std::string FormatSnapshotMeta(const raftpb::SnapshotMetadata& meta);
std::string FormatHardState(const raftpb::HardState& hs);
// "Lease Round:2 CommittedInTerm:true [Transferee:3] [LeaseVoid:true]": the Ready's lease
// state (the heartbeat round sent shows in the messages' Round field, the term in the hard
// state).
std::string FormatLease(const Ready& rd);
// The Ready as lines; the lease line appears when it differs from `prev_lease` (the last
// one printed for this node), so a lease starting or ending is visible.
// `note` may append a remark to a message's line (e.g. that the network dropped it).
std::vector<std::string> FormatReady(
    const Ready& rd, const std::string& prev_lease,
    const std::function<std::string(const raftpb::Message&)>& note);

}  // namespace raftlab::raft::scenario
