#include "server/storage/dump.h"

#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include <nlohmann/json.hpp>

#include "server/storage/file_util.h"
#include "server/storage/kv_command.h"
#include "server/storage/snapshot_file.h"
#include "server/storage/state_machine.h"
#include "server/storage/node_wal.h"
#include "server/storage/wal_format.h"

namespace raftlab::storage {
namespace {

using nlohmann::json;

// Printable ASCII as is, anything else as \xNN; cut after max bytes.
std::string Printable(std::string_view s, size_t max = 64) {
  std::string out;
  for (size_t i = 0; i < s.size() && i < max; ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7f && c != '\\' && c != '"') {
      out.push_back(static_cast<char>(c));
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  if (s.size() > max) out += "...(" + std::to_string(s.size()) + " bytes)";
  return out;
}

std::string Quoted(std::string_view s) { return "\"" + Printable(s) + "\""; }

std::string Ids(const google::protobuf::RepeatedField<uint64_t>& ids) {
  std::string out = "[";
  for (int i = 0; i < ids.size(); ++i) out += (i ? " " : "") + std::to_string(ids[i]);
  return out + "]";
}

std::string MutationText(const KvMutation& m) {
  return m.kind == KvMutation::Kind::kPut ? "put " + Quoted(m.key) + " = " + Quoted(m.value)
                                          : "delete " + Quoted(m.key);
}

std::string CommandText(const KvCommand& c) {
  if (c.compares.empty() && c.failure.empty() && c.success.size() == 1) {
    return MutationText(c.success[0]);
  }
  auto list = [](const std::vector<KvMutation>& ms) {
    std::string out = "[";
    for (size_t i = 0; i < ms.size(); ++i) out += (i ? ", " : "") + MutationText(ms[i]);
    return out + "]";
  };
  std::string out = "txn if [";
  for (size_t i = 0; i < c.compares.size(); ++i) {
    const KvCompare& k = c.compares[i];
    out += (i ? ", " : "") + Quoted(k.key) + (k.expected ? " == " + Quoted(*k.expected) : " absent");
  }
  return out + "] then " + list(c.success) + " else " + list(c.failure);
}

json CommandJson(const KvCommand& c) {
  auto mutations = [](const std::vector<KvMutation>& ms) {
    json a = json::array();
    for (const KvMutation& m : ms) {
      json o = {{"op", m.kind == KvMutation::Kind::kPut ? "put" : "delete"}, {"key", Printable(m.key)}};
      if (m.kind == KvMutation::Kind::kPut) o["value"] = Printable(m.value);
      a.push_back(o);
    }
    return a;
  };
  json compares = json::array();
  for (const KvCompare& k : c.compares) {
    json o = {{"key", Printable(k.key)}};
    if (k.expected) o["expected"] = Printable(*k.expected);
    else o["absent"] = true;
    compares.push_back(o);
  }
  return {{"compares", compares}, {"success", mutations(c.success)}, {"failure", mutations(c.failure)}};
}

const char* ConfChangeName(raftpb::ConfChangeType t) {
  switch (t) {
    case raftpb::ConfChangeAddNode:
      return "add-node";
    case raftpb::ConfChangeRemoveNode:
      return "remove-node";
    case raftpb::ConfChangeUpdateNode:
      return "update-node";
    case raftpb::ConfChangeAddLearnerNode:
      return "add-learner";
    default:
      return "unknown";
  }
}

// What an entry's data means: a KV command, a configuration change, or the leader's no-op.
void DescribeEntry(const raftpb::Entry& e, std::string* text, json* j) {
  if (e.type() == raftpb::EntryConfChange) {
    raftpb::ConfChange cc;
    if (!cc.ParseFromString(e.data())) {
      *text = "conf-change (unparsable, " + std::to_string(e.data().size()) + " bytes)";
      (*j)["conf_change"] = "unparsable";
      return;
    }
    *text = std::string("conf-change ") + ConfChangeName(cc.type()) + " node=" + std::to_string(cc.node_id());
    (*j)["conf_change"] = {{"type", ConfChangeName(cc.type())}, {"node", cc.node_id()}};
    return;
  }
  if (e.data().empty()) {
    *text = "no-op";
    (*j)["noop"] = true;
    return;
  }
  auto cmd = DecodeKvCommand(e.data());
  if (!cmd.ok()) {
    *text = "undecodable KV command (" + std::string(cmd.status().message()) + ")";
    (*j)["undecodable"] = std::string(cmd.status().message());
    return;
  }
  *text = CommandText(*cmd);
  (*j)["command"] = CommandJson(*cmd);
}

// One WAL record as a text line (after its offset) and as JSON.
std::string RecordText(const WalRecord& r, json* j) {
  *j = {{"kind", "record"}, {"offset", r.offset}, {"type", WalRecordTypeName(r.type)}};
  switch (r.type) {
    case WalRecordType::kEntry: {
      std::string what;
      DescribeEntry(r.entry, &what, j);
      (*j)["term"] = r.entry.term();
      (*j)["index"] = r.entry.index();
      return "entry term=" + std::to_string(r.entry.term()) + " index=" + std::to_string(r.entry.index()) + " " +
             what;
    }
    case WalRecordType::kHardState: {
      const raftpb::HardState& hs = r.hard_state;
      (*j)["term"] = hs.term();
      (*j)["vote"] = hs.vote();
      (*j)["commit"] = hs.commit();
      return "hard-state term=" + std::to_string(hs.term()) + " vote=" + std::to_string(hs.vote()) +
             " commit=" + std::to_string(hs.commit());
    }
    case WalRecordType::kSnapshot: {
      const raftpb::SnapshotMetadata& m = r.snapshot;
      (*j)["term"] = m.term();
      (*j)["index"] = m.index();
      return "snapshot term=" + std::to_string(m.term()) + " index=" + std::to_string(m.index()) +
             " voters=" + Ids(m.conf_state().voters());
    }
    case WalRecordType::kBatchEnd:
      (*j)["records"] = r.value;
      return "batch-end records=" + std::to_string(r.value);
    case WalRecordType::kGroupBase:
      (*j)["index"] = r.value;
      return "group-base index=" + std::to_string(r.value);
  }
  return "unknown";
}

bool IsDir(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool Exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

std::string Base(const std::string& path) { return path.substr(path.rfind('/') + 1); }

// Writes either text lines or JSON lines, one call per fact.
class Printer {
 public:
  Printer(const DumpOptions& o, std::ostream& out) : o_(o), out_(out) {}
  // A line of context (headers, summaries): text mode only, and not with --entries-only.
  void Heading(const std::string& text) {
    if (!o_.json && !o_.entries_only) out_ << text << "\n";
  }
  // A fact: its JSON object, or its text line (indented under its heading).
  void Fact(bool is_entry, const std::string& text, json j, uint64_t group, const std::string& file) {
    if (o_.entries_only && !is_entry) return;
    if (o_.json) {
      j["group"] = group;
      if (!file.empty()) j["file"] = file;
      out_ << j.dump() << "\n";
    } else if (o_.entries_only) {
      out_ << "group=" << group << " segment=" << file << " " << text << "\n";
    } else {
      out_ << "    " << text << "\n";
    }
  }

 private:
  const DumpOptions& o_;
  std::ostream& out_;
};

// The node log's files, read once and shared by every group's dump.
struct NodeLogFiles {
  std::string dir;
  std::vector<std::pair<std::string, std::string>> segments;  // path and bytes, oldest first
  std::vector<std::string> others;                            // names recovery does not read
  absl::Status recovered;                                     // NodeWal::Read's verdict
  NodeWalRecovery recovery;
};

NodeLogFiles ReadNodeLog(const std::string& data_dir, std::ostream& err, int* code) {
  NodeLogFiles log;
  log.dir = data_dir + "/wal";
  auto names = ListDir(log.dir);
  if (!names.ok()) {
    err << "raftlab-dump: " << names.status().message() << "\n";
    *code = kDumpDamaged;
    log.recovered = names.status();
    return log;
  }
  std::map<uint64_t, std::string> by_seq;
  for (const std::string& n : *names) {
    if (auto seq = ParseNodeWalSegmentName(n)) {
      by_seq[*seq] = n;
    } else {
      log.others.push_back(n);
    }
  }
  std::sort(log.others.begin(), log.others.end());
  for (const auto& [seq, name] : by_seq) {
    const std::string path = log.dir + "/" + name;
    auto data = ReadWholeFile(path);
    if (!data.ok()) {
      err << "raftlab-dump: " << data.status().message() << "\n";
      *code = kDumpDamaged;
      continue;
    }
    log.segments.emplace_back(path, std::move(*data));
  }
  log.recovered = NodeWal::Read(log.dir, &log.recovery);
  return log;
}

// The node log's segments, batch ends and damage, with what recovery makes of the damage.
class NodeLogDump {
 public:
  NodeLogDump(const NodeLogFiles& log, Printer& p, std::ostream& err) : log_(log), p_(p), err_(err) {}

  int Run() {
    p_.Heading("node log: " + log_.dir + ": " + std::to_string(log_.segments.size()) + " segments");
    for (const std::string& n : log_.others) p_.Heading("  other file in wal/ (not read by recovery): " + n);
    for (size_t i = 0; i < log_.segments.size(); ++i) {
      Segment(log_.segments[i].first, log_.segments[i].second, i + 1 == log_.segments.size());
    }
    if (code_ == kDumpOk && !log_.recovered.ok()) Fail(std::string(log_.recovered.message()));
    const NodeWalRecovery& rec = log_.recovery;
    if (log_.recovered.ok() && rec.dropped_bytes > 0) {
      p_.Heading("  recovery would truncate " + std::to_string(rec.dropped_bytes) + " bytes of " +
                 Base(rec.dropped_file) + " from offset " + std::to_string(rec.dropped_offset) + " (" +
                 rec.dropped_reason + ")");
    }
    return code_;
  }

 private:
  void Fail(const std::string& message) {
    err_ << "raftlab-dump: " << message << "\n";
    code_ = kDumpDamaged;
  }

  void Segment(const std::string& path, const std::string& data, bool last) {
    p_.Heading("  wal segment " + Base(path) + ": " + std::to_string(data.size()) + " bytes");
    if (auto s = CheckWalSegmentHeader(path, data, kNodeWalFormatVersion); !s.ok()) {
      return Fail(std::string(s.message()));
    }
    WalSegmentReader reader(data);
    WalRecord r;
    WalDamage d;
    uint64_t batches = 0;
    for (auto item = reader.Next(&r, &d); item != WalSegmentReader::Item::kEnd; item = reader.Next(&r, &d)) {
      if (item == WalSegmentReader::Item::kDamage) {
        Damage(path, d, last);
      } else if (r.type == WalRecordType::kBatchEnd) {
        ++batches;
      }
    }
    p_.Heading("    " + std::to_string(batches) + " batches");
  }

  void Damage(const std::string& path, const WalDamage& d, bool last) {
    std::string verdict;
    if (!last) {
      verdict = "not the last segment: the server refuses to start";
    } else if (d.torn_tail()) {
      verdict = "reaches the end of the file: a torn write, the server truncates it at start";
    } else if (d.valid_after) {
      verdict = "a valid record follows: the server refuses to start (raftlab-dump --repair truncates here)";
    } else {
      verdict = "could not rule out valid records after it: the server refuses to start";
    }
    p_.Fact(false,
            "offset=" + std::to_string(d.offset) + " DAMAGE " + std::to_string(d.end - d.offset) +
                " bytes up to offset " + std::to_string(d.end) + ": " + d.reason + "; " + verdict,
            {{"kind", "damage"},
             {"offset", d.offset},
             {"end", d.end},
             {"reason", d.reason},
             {"torn_tail", last && d.torn_tail()}},
            0, Base(path));
    if (!last || !d.torn_tail()) {
      Fail(path + ": offset " + std::to_string(d.offset) + ": " + d.reason + " (" + verdict + ")");
    }
  }

  const NodeLogFiles& log_;
  Printer& p_;
  std::ostream& err_;
  int code_ = kDumpOk;
};

class GroupDump {
 public:
  GroupDump(uint64_t group, std::string dir, const NodeLogFiles& log, Printer& p, std::ostream& err)
      : group_(group), dir_(std::move(dir)), log_(log), p_(p), err_(err) {}

  // Returns kDumpOk or kDumpDamaged.
  int Run() {
    p_.Heading("group " + std::to_string(group_) + ": " + dir_);
    Snapshots();
    Records();
    Recovery();
    return code_;
  }

 private:
  void Fail(const std::string& message) {
    err_ << "raftlab-dump: " << message << "\n";
    code_ = kDumpDamaged;
  }

  void Snapshots() {
    const std::string snap_dir = dir_ + "/snap";
    if (!IsDir(snap_dir)) return;
    auto files = ListSnapshotFiles(snap_dir);
    if (!files.ok()) return Fail(std::string(files.status().message()));
    p_.Heading("  snapshot files (" + snap_dir + "): " + std::to_string(files->size()));
    for (const std::string& path : *files) {
      auto reader = SnapshotReader::Open(path);
      if (!reader.ok()) {
        Fail(std::string(reader.status().message()));
        continue;
      }
      const raftpb::SnapshotMetadata& m = (*reader)->metadata();
      snapshot_files_.push_back(Base(path));
      p_.Fact(false,
              Base(path) + " term=" + std::to_string(m.term()) + " index=" + std::to_string(m.index()) +
                  " voters=" + Ids(m.conf_state().voters()) + " learners=" +
                  Ids(m.conf_state().learners()) + " image_bytes=" + std::to_string((*reader)->data_size()),
              {{"kind", "snapshot-file"},
               {"term", m.term()},
               {"index", m.index()},
               {"voters", std::vector<uint64_t>(m.conf_state().voters().begin(), m.conf_state().voters().end())},
               {"image_bytes", (*reader)->data_size()}},
              group_, Base(path));
    }
  }

  // The group's records in the node log (damage is reported once, by NodeLogDump).
  void Records() {
    for (const auto& [path, data] : log_.segments) {
      if (!CheckWalSegmentHeader(path, data, kNodeWalFormatVersion).ok()) continue;
      p_.Heading("  wal segment " + Base(path) + ":");
      WalSegmentReader reader(data);
      WalRecord r;
      WalDamage d;
      for (auto item = reader.Next(&r, &d); item != WalSegmentReader::Item::kEnd; item = reader.Next(&r, &d)) {
        if (item != WalSegmentReader::Item::kRecord || r.group != group_ || r.type == WalRecordType::kBatchEnd) continue;
        json j;
        const std::string text = RecordText(r, &j);
        p_.Fact(r.type == WalRecordType::kEntry, "offset=" + std::to_string(r.offset) + " " + text, j, group_,
                Base(path));
      }
    }
  }

  void Recovery() {
    if (!log_.recovered.ok()) return;  // NodeLogDump reported why
    auto it = log_.recovery.groups.find(group_);
    const WalRecovery rec = it == log_.recovery.groups.end() ? WalRecovery() : it->second;
    const uint64_t first = rec.entries.empty() ? 0 : rec.entries.front().index();
    const uint64_t last = rec.entries.empty() ? 0 : rec.entries.back().index();
    std::string text = "  recovery: snapshot term=" + std::to_string(rec.snapshot.term()) +
                       " index=" + std::to_string(rec.snapshot.index()) + "; hard state term=" +
                       std::to_string(rec.hard_state.term()) + " vote=" + std::to_string(rec.hard_state.vote()) +
                       " commit=" + std::to_string(rec.hard_state.commit()) + "; entries " +
                       (rec.entries.empty() ? "none" : std::to_string(first) + ".." + std::to_string(last));
    if (rec.commit_raised_from) text += "; commit raised from " + std::to_string(*rec.commit_raised_from);
    if (rec.dropped_bytes > 0) {
      text += "; would truncate " + std::to_string(rec.dropped_bytes) + " bytes of " + Base(rec.dropped_file);
    }
    p_.Heading(text);
    if (rec.snapshot.index() > 0 &&
        std::find(snapshot_files_.begin(), snapshot_files_.end(), SnapshotFileName(rec.snapshot)) ==
            snapshot_files_.end()) {
      Fail(dir_ + "/snap/" + SnapshotFileName(rec.snapshot) + ": named by the WAL's snapshot marker but missing or unreadable");
    }
  }

  uint64_t group_;
  std::string dir_;
  const NodeLogFiles& log_;
  Printer& p_;
  std::ostream& err_;
  std::vector<std::string> snapshot_files_;
  int code_ = kDumpOk;
};

// The group directories to read, by id; an error message when there are none to read.
std::map<uint64_t, std::string> FindGroups(const DumpOptions& o, std::string* problem) {
  std::map<uint64_t, std::string> groups;
  const std::string root = o.data_dir + "/groups";
  auto names = ListDir(root);
  if (!names.ok()) {
    *problem = o.data_dir + ": not a raftlab data directory (" + std::string(names.status().message()) + ")";
    return groups;
  }
  for (const std::string& n : *names) {
    if (n.empty() || n.find_first_not_of("0123456789") != std::string::npos) continue;
    groups[std::stoull(n)] = root + "/" + n;
  }
  if (o.group) {
    if (!groups.count(*o.group)) {
      *problem = root + "/" + std::to_string(*o.group) + ": no such group";
      return {};
    }
    return {{*o.group, groups[*o.group]}};
  }
  return groups;
}

// Checks DIR itself; an error message, or "" when it looks like a data directory.
std::string CheckDataDir(const std::string& dir) {
  if (dir.empty()) return "no data directory given";
  if (!Exists(dir)) return dir + ": no such file or directory";
  if (!IsDir(dir)) return dir + ": not a directory (give the node's --data-dir)";
  return "";
}

void DumpAppliedIndexes(const DumpOptions& o, const std::map<uint64_t, std::string>& groups, Printer& p,
                        std::ostream& err, int* code) {
  const std::string path = o.data_dir + "/fsm";
  if (!IsDir(path)) {
    p.Heading("state machine: none (no " + path + ")");
    return;
  }
  StateMachineOptions so;
  so.path = path;
  so.read_only = true;
  auto sm = StateMachine::Open(so);
  if (!sm.ok()) {
    err << "raftlab-dump: " << sm.status().message() << "\n";
    *code = kDumpDamaged;
    return;
  }
  p.Heading("state machine (" + path + ", read-only):");
  for (const auto& [g, dir] : groups) {
    auto applied = (*sm)->AppliedIndex(g);
    if (!applied.ok()) {
      p.Heading("  group " + std::to_string(g) + ": no state yet (" + std::string(applied.status().message()) + ")");
      continue;
    }
    p.Fact(false, "group " + std::to_string(g) + " applied index=" + std::to_string(*applied),
           {{"kind", "applied"}, {"index", *applied}}, g, "");
  }
}

// The data dir's groups as FindGroups picks them, or nullopt after naming the problem on err.
std::optional<std::map<uint64_t, std::string>> GroupsOfDataDir(const DumpOptions& options, std::ostream& err) {
  std::string problem = CheckDataDir(options.data_dir);
  std::map<uint64_t, std::string> groups;
  if (problem.empty()) groups = FindGroups(options, &problem);
  if (!problem.empty()) {
    err << "raftlab-dump: " << problem << "\n";
    return std::nullopt;
  }
  return groups;
}

}  // namespace

int DumpDataDir(const DumpOptions& options, std::ostream& out, std::ostream& err) {
  const auto found = GroupsOfDataDir(options, err);
  if (!found) return kDumpBadInput;
  const auto& groups = *found;
  Printer printer(options, out);
  printer.Heading("data dir: " + options.data_dir);
  int code = kDumpOk;
  const NodeLogFiles log = ReadNodeLog(options.data_dir, err, &code);
  code = std::max(code, NodeLogDump(log, printer, err).Run());
  for (const auto& [g, dir] : groups) code = std::max(code, GroupDump(g, dir, log, printer, err).Run());
  DumpAppliedIndexes(options, groups, printer, err, &code);
  return code;
}

int RepairDataDir(const DumpOptions& options, std::ostream& out, std::ostream& err) {
  if (!GroupsOfDataDir(options, err)) return kDumpBadInput;
  const std::string wal_dir = options.data_dir + "/wal";
  NodeWalRecovery before;
  const absl::Status readable = NodeWal::Read(wal_dir, &before);
  if (readable.ok() && before.dropped_bytes == 0) {
    out << "node log: nothing to repair\n";
    return kDumpOk;
  }
  NodeWalOptions wo;
  wo.dir = wal_dir;
  wo.create_if_missing = false;
  wo.repair = true;
  NodeWalRecovery rec;
  auto wal = NodeWal::Open(wo, &rec);
  if (!wal.ok()) {
    err << "raftlab-dump: node log: cannot repair: " << wal.status().message() << "\n";
    return kDumpDamaged;
  }
  out << "node log: removed " << rec.dropped_bytes << " bytes of " << rec.dropped_file << " from offset "
      << rec.dropped_offset << " (" << rec.dropped_reason << ")";
  if (!rec.removed_records.empty()) {
    out << "; they held " << rec.removed_records.size() << " valid records, now lost on this node:\n";
    for (const WalRecord& r : rec.removed_records) {
      json j;
      out << "    offset=" << r.offset << " group=" << r.group << " " << RecordText(r, &j) << "\n";
    }
    out << "  warning: the node may have acknowledged these entries or cast a vote recorded here;"
           " the safe course is to wipe it and let it rejoin from its peers\n";
  } else {
    out << "\n";
  }
  if (!rec.broken_copy.empty()) out << "  removed bytes kept in " << rec.broken_copy << "\n";
  return kDumpOk;
}

}  // namespace raftlab::storage
