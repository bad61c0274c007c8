#include "server/raft/scenario_format.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace raftlab::raft::scenario {
namespace {

std::string Quoted(const std::string& s) { return absl::StrCat("\"", s, "\""); }

std::string FormatConfState(const raftpb::ConfState& cs) {
  std::string out = absl::StrCat("Voters:[", absl::StrJoin(cs.voters(), " "), "]");
  if (cs.learners_size() > 0)
    absl::StrAppend(&out, " Learners:[", absl::StrJoin(cs.learners(), " "), "]");
  return out;
}

void AppendSection(std::vector<std::string>& out, const std::string& title,
                   const std::vector<std::string>& items) {
  if (items.empty()) return;
  out.push_back(title + ":");
  for (const std::string& i : items) out.push_back("  " + i);
}

}  // namespace

std::string FormatEntry(const raftpb::Entry& e) {
  std::string out = absl::StrCat(e.term(), "/", e.index(), " ", raftpb::EntryType_Name(e.type()));
  if (e.type() == raftpb::EntryConfChange) {
    raftpb::ConfChange cc;
    if (!cc.ParseFromString(e.data())) return out + " <unparsable>";
    std::string type = raftpb::ConfChangeType_Name(cc.type());
    if (type.rfind("ConfChange", 0) == 0) type = type.substr(10);
    return absl::StrCat(out, " ", type, " ", cc.node_id());
  }
  return absl::StrCat(out, " ", Quoted(e.data()));
}

std::string FormatSnapshotMeta(const raftpb::SnapshotMetadata& meta) {
  return absl::StrCat("Index:", meta.index(), " Term:", meta.term(), " ",
                      FormatConfState(meta.conf_state()));
}

std::string FormatHardState(const raftpb::HardState& hs) {
  return absl::StrCat("Term:", hs.term(), " Vote:", hs.vote(), " Commit:", hs.commit());
}

std::string FormatMessage(const raftpb::Message& m) {
  std::string out = absl::StrCat(m.from(), "->", m.to(), " ", raftpb::MessageType_Name(m.type()),
                                 " Term:", m.term());
  if (m.log_term() != 0 || m.index() != 0)
    absl::StrAppend(&out, " Log:", m.log_term(), "/", m.index());
  if (m.commit() != 0) absl::StrAppend(&out, " Commit:", m.commit());
  if (m.round() != 0) absl::StrAppend(&out, " Round:", m.round());
  if (m.reject()) absl::StrAppend(&out, " Rejected (Hint: ", m.reject_hint(), ")");
  if (!m.context().empty()) absl::StrAppend(&out, " Context:", Quoted(m.context()));
  if (m.entries_size() > 0) {
    std::vector<std::string> ents;
    for (const auto& e : m.entries()) ents.push_back(FormatEntry(e));
    absl::StrAppend(&out, " Entries:[", absl::StrJoin(ents, ", "), "]");
  }
  if (m.has_snapshot() && m.snapshot().metadata().index() != 0) {
    absl::StrAppend(&out, " Snapshot:[", FormatSnapshotMeta(m.snapshot().metadata()), "]");
  }
  return out;
}

std::string FormatLease(const Ready& rd) {
  std::string out = absl::StrCat("Lease Round:", rd.lease_round, " CommittedInTerm:",
                                 rd.committed_in_term ? "true" : "false");
  // Shown only while set, so scenarios without transfers read as before.
  if (rd.lead_transferee != 0) absl::StrAppend(&out, " Transferee:", rd.lead_transferee);
  if (rd.lease_void) absl::StrAppend(&out, " LeaseVoid:true");
  return out;
}

std::vector<std::string> FormatReady(
    const Ready& rd, const std::string& prev_lease,
    const std::function<std::string(const raftpb::Message&)>& note) {
  std::vector<std::string> out;
  out.push_back(absl::StrCat("Ready MustSync=", rd.must_sync ? "true" : "false", ":"));
  if (rd.soft_state) {
    out.push_back(
        absl::StrCat("Lead:", rd.soft_state->lead, " State:", ToString(rd.soft_state->state)));
  }
  if (rd.hard_state) out.push_back("HardState " + FormatHardState(*rd.hard_state));
  if (rd.snapshot) out.push_back("Snapshot " + FormatSnapshotMeta(rd.snapshot->metadata()));
  const std::string lease = FormatLease(rd);
  if (lease != prev_lease) out.push_back(lease);
  std::vector<std::string> items;
  for (const auto& e : rd.entries) items.push_back(FormatEntry(e));
  AppendSection(out, "Entries", items);
  items.clear();
  for (const auto& e : rd.committed_entries) items.push_back(FormatEntry(e));
  AppendSection(out, "CommittedEntries", items);
  items.clear();
  for (const auto& r : rd.read_states)
    items.push_back(absl::StrCat("Index:", r.index, " Context:", Quoted(r.context)));
  AppendSection(out, "ReadStates", items);
  items.clear();
  for (const auto& m : rd.messages) items.push_back(FormatMessage(m) + note(m));
  AppendSection(out, "Messages", items);
  return out;
}

}  // namespace raftlab::raft::scenario
