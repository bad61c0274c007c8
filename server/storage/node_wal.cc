// On-disk format of the node log, the write-ahead log all Raft groups of a node share.
//
// A node log is a directory of segment files named "<seq>.wal", seq in 16 lower-case hex
// digits, numbered 1, 2, 3, ... with no gaps. A segment starts with the 16-byte header of
// wal.cc with format version 2, followed by records framed as in wal.cc:
//   length (u32 LE) | CRC-32C of type+payload (u32 LE) | type (u8) | payload
// where every payload starts with the group id (u64 LE) and then holds the body. Types:
// 1 = entry, 2 = hard state, 3 = snapshot marker (bodies as in wal.cc, protobuf), and two
// of the node log's own: 4 = batch end (group 0; body: u64 LE number of records in the
// batch before it) and 5 = group base (body: u64 LE, the group's last index when the
// segment began: its entries up to there live in older segments).
//
// Records are written in batches: the records of every group's request that was queued
// when the writer took the queue, then a batch-end record, in one write(2) and one
// fdatasync(2). A request is one group's Append (entries then hard state) or SaveSnapshot
// (marker then hard state, its commit raised to the snapshot as wal.cc explains); within a
// group, records mean exactly what they mean in a group's own WAL (wal.cc).
//
// A new segment opens with one batch that restates every group: its snapshot marker, its
// hard state, its group base and, when the group's entries after its snapshot are still in
// memory (NodeWalOptions::carried_bytes_per_group), those entries, with the base then being
// the snapshot index. Segments are written as "<name>.tmp", fsynced and renamed. The
// oldest segment may be deleted once, for every group, the next segment's base is covered
// by the group's latest snapshot: the slowest group decides, and a group that writes little
// holds no segment back as long as its live log is carried into new segments.
//
// Recovery reads the segments in order and replays each group's records into that group's
// log, a batch at a time: the records of a batch take effect only at its batch-end record,
// so a batch is all or nothing for every group in it. The damage rules are wal.cc's, with
// the batch as the unit of a torn write:
//   - A torn tail: the last segment ends in an unfinished batch (records without their
//     batch end), or from the first bad frame to the end of the last segment there is no
//     valid record. Only the last write, never acknowledged to any group, can leave it: the
//     file is truncated at the end of the last whole batch, fsynced, and the cut is reported
//     to every group.
//   - Corruption: a valid record follows the bad frame. Open refuses with DataLoss naming
//     the file and offset; `raftlab-dump --repair` (NodeWalOptions::repair) truncates at the
//     end of the last whole batch before it, keeping the removed bytes beside the segment.
// Damage in an earlier segment, a batch-end record whose count does not match, a missing
// segment, a log gap, another format version or a bad header are errors too.
//
// A failed write or fdatasync is fail-stop (log::FailStop, exit 75), as in wal.cc.
#include "server/storage/node_wal.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <set>

#include "faults/bugs.h"
#include "faults/crash_point.h"
#include "faults/points.h"
#include "server/log/fail_stop.h"
#include "server/storage/file_util.h"
#include "server/storage/wal_format.h"
#include "server/storage/wal_replay.h"

namespace raftlab::storage {
namespace {

std::string Fixed64(uint64_t v) {
  std::string s;
  PutFixed64(&s, v);
  return s;
}

std::string Where(const std::string& path, uint64_t offset) {
  return path + ": offset " + std::to_string(offset) + ": ";
}

// Replays one segment's records into the groups' logs, a batch at a time.
class SegmentReplay {
 public:
  SegmentReplay(std::map<uint64_t, LogState>* logs, std::map<uint64_t, uint64_t>* needs_older_up_to)
      : logs_(logs), needs_older_up_to_(needs_older_up_to) {
    for (const auto& [group, log] : *logs) seen_before_.insert(group);
  }

  // Returns an error message, or "" when the record fits.
  std::string Add(const WalRecord& r) {
    if (r.type != WalRecordType::kBatchEnd) {
      pending_.push_back(r);
      return "";
    }
    if (r.value != pending_.size()) {
      return "batch end counts " + std::to_string(r.value) + " records but " +
             std::to_string(pending_.size()) + " precede it";
    }
    for (const WalRecord& p : pending_) {
      if (std::string problem = Apply(p); !problem.empty()) {
        return "group " + std::to_string(p.group) + " at offset " + std::to_string(p.offset) + ": " + problem;
      }
    }
    pending_.clear();
    batch_end_ = r.end;
    return "";
  }

  // Where the last whole batch ends (the header's end before the first).
  uint64_t batch_end() const { return batch_end_; }
  const std::vector<WalRecord>& unfinished() const { return pending_; }

 private:
  std::string Apply(const WalRecord& r) {
    LogState& log = (*logs_)[r.group];
    if (r.type == WalRecordType::kGroupBase) {
      (*needs_older_up_to_)[r.group] = r.value;
      // Only the oldest segment holding the group sets where its log starts; later
      // segments restate what the log already knows.
      if (!seen_before_.contains(r.group) && log.entries.empty()) log.base_last = std::max(log.base_last, r.value);
      return "";
    }
    return ApplyRecord(r, &log);
  }

  std::map<uint64_t, LogState>* logs_;
  std::map<uint64_t, uint64_t>* needs_older_up_to_;
  std::set<uint64_t> seen_before_;
  std::vector<WalRecord> pending_;
  uint64_t batch_end_ = kWalHeaderSize;
};

}  // namespace

NodeWal::NodeWal(const NodeWalOptions& options)
    : dir_(options.dir),
      segment_bytes_(options.segment_bytes),
      carried_bytes_per_group_(options.carried_bytes_per_group),
      before_batch_(options.before_batch) {}

NodeWal::~NodeWal() {
  if (fd_ >= 0) ::close(fd_);
}

absl::Status NodeWal::Recover(const NodeWalOptions& options, bool modify, NodeWalRecovery* out,
                              std::vector<Segment>* segments) {
  auto names = ListDir(options.dir);
  if (!names.ok()) return names.status();
  bool removed_temp = false;
  for (const std::string& name : *names) {
    const std::string path = options.dir + "/" + name;
    if (name.ends_with(".wal.tmp")) {  // a segment whose creation did not finish
      if (!modify) continue;
      if (::unlink(path.c_str()) != 0) return FileError(path, "remove unfinished segment", errno);
      removed_temp = true;
      continue;
    }
    if (auto seq = ParseNodeWalSegmentName(name)) segments->push_back({*seq, path, {}});
  }
  std::sort(segments->begin(), segments->end(), [](const Segment& a, const Segment& b) { return a.seq < b.seq; });
  for (size_t i = 1; i < segments->size(); ++i) {
    if ((*segments)[i].seq != (*segments)[i - 1].seq + 1) {
      return absl::DataLossError((*segments)[i].path + ": WAL segment " +
                                 std::to_string((*segments)[i - 1].seq + 1) + " is missing before it");
    }
  }

  std::map<uint64_t, LogState> logs;
  for (size_t i = 0; i < segments->size(); ++i) {
    Segment& seg = (*segments)[i];
    const bool last = i + 1 == segments->size();
    if (faults::ShouldFail(faults::kWalOpen)) {
      return absl::UnavailableError(seg.path + ": open: injected failure (raftlab/wal/open)");
    }
    auto data = ReadWholeFile(seg.path);
    if (!data.ok()) return data.status();
    if (auto s = CheckWalSegmentHeader(seg.path, *data, kNodeWalFormatVersion); !s.ok()) return s;
    WalSegmentReader reader(*data);
    SegmentReplay replay(&logs, &seg.needs_older_up_to);
    WalRecord record;
    WalDamage damage;
    std::string cut_reason;
    bool corrupt = false;
    for (auto item = reader.Next(&record, &damage); item != WalSegmentReader::Item::kEnd;
         item = reader.Next(&record, &damage)) {
      if (item == WalSegmentReader::Item::kRecord) {
        if (std::string problem = replay.Add(record); !problem.empty()) {
          return absl::DataLossError(Where(seg.path, record.offset) + problem);
        }
        continue;
      }
      const std::string where = Where(seg.path, damage.offset) + damage.reason;
      if (!last) return absl::DataLossError(where + " (not the last segment)");
      if (!damage.torn_tail() && !options.repair) {
        return absl::DataLossError(
            where +
            (damage.valid_after ? ", and a valid record follows at offset " + std::to_string(damage.end)
                                : ", and valid records after it could not be ruled out") +
            ": not a torn write; cutting the log here would drop records or votes this node may "
            "have acknowledged, so recovery refuses (raftlab-dump --repair truncates it on request)");
      }
      cut_reason = damage.reason + " at offset " + std::to_string(damage.offset);
      corrupt = !damage.torn_tail();
      if (corrupt) {
        out->removed_records = replay.unfinished();
        for (auto rest = reader.Next(&record, &damage); rest != WalSegmentReader::Item::kEnd;
             rest = reader.Next(&record, &damage)) {
          if (rest == WalSegmentReader::Item::kRecord) out->removed_records.push_back(record);
        }
      }
      break;
    }
    if (cut_reason.empty() && !replay.unfinished().empty()) {
      if (!last) {
        return absl::DataLossError(Where(seg.path, replay.batch_end()) +
                                   "batch without its end record (not the last segment)");
      }
      cut_reason = "batch of " + std::to_string(replay.unfinished().size()) +
                   " records without its end record at offset " + std::to_string(replay.batch_end());
    }
    if (cut_reason.empty()) continue;
    const uint64_t cut = replay.batch_end();
    out->dropped_file = seg.path;
    out->dropped_offset = cut;
    out->dropped_bytes = data->size() - cut;
    out->dropped_reason = cut_reason;
    if (modify) {
      if (corrupt) {
        auto copy = KeepBrokenTail(seg.path, std::string_view(*data).substr(cut), cut);
        if (!copy.ok()) return copy.status();
        out->broken_copy = *copy;
      }
      if (auto s = TruncateFile(seg.path, cut); !s.ok()) return s;
    }
  }
  if (!segments->empty()) {
    const Segment& oldest = segments->front();
    for (const auto& [group, up_to] : oldest.needs_older_up_to) {
      if (up_to > logs[group].snapshot.index()) {
        return absl::DataLossError(oldest.path + ": group " + std::to_string(group) +
                                   " needs its entries up to " + std::to_string(up_to) +
                                   " from older segments but its snapshot covers only up to " +
                                   std::to_string(logs[group].snapshot.index()) + "; earlier segments are missing");
      }
    }
  }
  if (removed_temp || !out->broken_copy.empty()) {
    if (auto s = SyncDir(options.dir); !s.ok()) return s;
  }
  for (auto& [group, log] : logs) {
    WalRecovery& r = out->groups[group];
    if (log.hard_state.commit() < log.snapshot.index() && !faults::BugOn(faults::Bug::kRestartAfterSnapshot)) {
      r.commit_raised_from = log.hard_state.commit();
      log.hard_state.set_commit(log.snapshot.index());
    }
    r.hard_state = log.hard_state;
    r.snapshot = log.snapshot;
    r.entries = std::move(log.entries);
    r.dropped_bytes = out->dropped_bytes;
    r.dropped_offset = out->dropped_offset;
    r.dropped_file = out->dropped_file;
    r.dropped_reason = out->dropped_reason;
  }
  return absl::OkStatus();
}

absl::Status NodeWal::Read(const std::string& dir, NodeWalRecovery* recovery) {
  NodeWalOptions options;
  options.dir = dir;
  std::vector<Segment> segments;
  NodeWalRecovery out;
  if (auto s = Recover(options, /*modify=*/false, &out, &segments); !s.ok()) return s;
  *recovery = std::move(out);
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<NodeWal>> NodeWal::Open(const NodeWalOptions& options, NodeWalRecovery* recovery) {
  if (options.segment_bytes < kWalHeaderSize) {
    return absl::InvalidArgumentError("WAL segment_bytes " + std::to_string(options.segment_bytes) +
                                      " is smaller than a segment header");
  }
  if (auto s = PrepareDir(options.dir, options.create_if_missing); !s.ok()) return s;
  std::vector<Segment> segments;
  NodeWalRecovery out;
  if (auto s = Recover(options, /*modify=*/true, &out, &segments); !s.ok()) return s;

  std::unique_ptr<NodeWal> wal(new NodeWal(options));
  std::lock_guard lock(wal->mu_);
  wal->AdoptRecovery(out);
  wal->segments_ = std::move(segments);
  if (wal->segments_.empty()) {
    if (auto s = wal->CreateSegment(1); !s.ok()) return s;
  }
  const std::string& path = wal->segments_.back().path;
  wal->fd_ = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (wal->fd_ < 0) return FileError(path, "open for append", errno);
  struct stat st;
  if (::fstat(wal->fd_, &st) != 0) return FileError(path, "stat", errno);
  wal->segment_size_ = static_cast<uint64_t>(st.st_size);
  *recovery = std::move(out);
  return wal;
}

void NodeWal::AdoptRecovery(const NodeWalRecovery& recovery) {
  for (const auto& [group, r] : recovery.groups) {
    GroupLog& g = groups_[group];
    g.hard_state = r.hard_state;
    g.snapshot = r.snapshot;
    g.last_index = r.entries.empty() ? r.snapshot.index() : r.entries.back().index();
    Carry(&g, r.entries);
    recovered_[group] = r;
  }
  tail_report_.dropped_bytes = recovery.dropped_bytes;
  tail_report_.dropped_offset = recovery.dropped_offset;
  tail_report_.dropped_file = recovery.dropped_file;
  tail_report_.dropped_reason = recovery.dropped_reason;
}

WalRecovery NodeWal::TakeRecovery(uint64_t group) {
  std::lock_guard lock(mu_);
  auto it = recovered_.find(group);
  if (it == recovered_.end()) return tail_report_;
  WalRecovery r = std::move(it->second);
  recovered_.erase(it);
  return r;
}

void NodeWal::Carry(GroupLog* g, std::span<const raftpb::Entry> entries) const {
  if (!entries.empty()) {
    while (!g->carried.empty() && g->carried.back().index() >= entries.front().index()) {
      g->carried_bytes -= g->carried.back().ByteSizeLong();
      g->carried.pop_back();
    }
  }
  for (const raftpb::Entry& e : entries) {
    g->carried.push_back(e);
    g->carried_bytes += e.ByteSizeLong();
  }
  while (!g->carried.empty() &&
         (g->carried_bytes > carried_bytes_per_group_ || g->carried.front().index() <= g->snapshot.index())) {
    g->carried_bytes -= g->carried.front().ByteSizeLong();
    g->carried.pop_front();
  }
}

absl::Status NodeWal::CreateSegment(uint64_t seq) {
  const std::string path = dir_ + "/" + NodeWalSegmentName(seq);
  const std::string tmp = path + ".tmp";
  std::string buf = WalSegmentHeader(kNodeWalFormatVersion);
  Segment segment{seq, path, {}};
  size_t count = 0;
  for (const auto& [group, g] : groups_) {
    const bool carry = g.CarriesLiveLog();
    const uint64_t base = carry ? g.snapshot.index() : g.last_index;
    AppendNodeWalRecord(WalRecordType::kSnapshot, group, g.snapshot.SerializeAsString(), &buf);
    AppendNodeWalRecord(WalRecordType::kHardState, group, g.hard_state.SerializeAsString(), &buf);
    AppendNodeWalRecord(WalRecordType::kGroupBase, group, Fixed64(base), &buf);
    count += 3;
    if (carry) {
      for (const raftpb::Entry& e : g.carried) {
        AppendNodeWalRecord(WalRecordType::kEntry, group, e.SerializeAsString(), &buf);
        ++count;
      }
    }
    segment.needs_older_up_to[group] = base;
  }
  AppendNodeWalRecord(WalRecordType::kBatchEnd, 0, Fixed64(count), &buf);

  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return FileError(tmp, "create segment", errno);
  int err = WriteAll(fd, buf);
  const char* what = "write segment header";
  if (err == 0 && ::fsync(fd) != 0) {
    err = errno;
    what = "fsync new segment";
  }
  ::close(fd);
  if (err != 0) return FileError(tmp, what, err);
  if (::rename(tmp.c_str(), path.c_str()) != 0) return FileError(path, "rename new segment", errno);
  if (auto s = SyncDir(dir_); !s.ok()) return s;
  segments_.push_back(std::move(segment));
  return absl::OkStatus();
}

void NodeWal::Roll() {
  if (auto s = CreateSegment(segments_.back().seq + 1); !s.ok()) {
    log::FailStop(log::StopCause::kIoError, "wal", "roll", std::string(s.message()));
  }
  const std::string& path = segments_.back().path;
  int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (fd < 0) log::FailStop(log::StopCause::kIoError, "wal", "roll", path + ": open: " + std::strerror(errno));
  ::close(fd_);
  fd_ = fd;
  struct stat st;
  segment_size_ = ::fstat(fd_, &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
}

void NodeWal::WriteAndSync(int fd, const std::string& path, const std::string& batch, size_t torn_at) {
  faults::CrashAt(faults::kCrashWalBatchBeforeWrite);
  if (faults::ShouldFail(faults::kWalWrite)) {
    log::FailStop(log::StopCause::kIoError, "wal", "write", path + ": injected EIO (raftlab/wal/write)");
  }
  std::string_view rest = batch;
  if (faults::ShouldFail(faults::kCrashWalBatchTornWrite)) {
    // What a crash in the middle of the write leaves: part of the batch, cut inside a record.
    (void)WriteAll(fd, rest.substr(0, torn_at));
    faults::CrashNow(faults::kCrashWalBatchTornWrite);
  }
  if (int err = WriteAll(fd, rest); err != 0) {
    log::FailStop(log::StopCause::kIoError, "wal", "write", path + ": " + std::strerror(err));
  }
  faults::CrashAt(faults::kCrashWalBatchBeforeSync);
  if (faults::ShouldFail(faults::kWalFsync)) {
    log::FailStop(log::StopCause::kIoError, "wal", "fsync", path + ": injected EIO (raftlab/wal/fsync)");
  }
  if (!faults::BugOn(faults::Bug::kWalWithoutFsync) && ::fdatasync(fd) != 0) {
    log::FailStop(log::StopCause::kIoError, "wal", "fsync", path + ": " + std::strerror(errno));
  }
  faults::CrashAt(faults::kCrashWalBatchAfterSync);
}

void NodeWal::Commit(std::span<Request* const> requests) {
  Request* const first = requests.front();
  std::unique_lock lock(mu_);
  queue_.insert(queue_.end(), requests.begin(), requests.end());
  while (!first->done && queue_.front() != first) first->cv.wait(lock);
  if (first->done) return;  // another writer took them all (it takes the whole queue)
  if (before_batch_) {
    lock.unlock();
    before_batch_();
    lock.lock();
  }
  // This thread writes for everyone queued now; later arrivals wait for the next batch.
  const std::vector<Request*> batch(queue_.begin(), queue_.end());
  std::string buf;
  size_t count = 0;
  for (const Request* r : batch) {
    buf += r->records;
    count += r->record_count;
  }
  // A torn write cuts the batch after its first request, inside the next one's records.
  const size_t torn_at = batch.front()->records.size() + (buf.size() - batch.front()->records.size()) / 2;
  AppendNodeWalRecord(WalRecordType::kBatchEnd, 0, Fixed64(count), &buf);
  const int fd = fd_;
  const std::string path = segments_.back().path;
  lock.unlock();
  WriteAndSync(fd, path, buf, torn_at);
  lock.lock();
  segment_size_ += buf.size();
  stats_.batches++;
  stats_.requests += batch.size();
  for (Request* r : batch) {
    ApplyDurable(*r);
    queue_.pop_front();
    r->done = true;
    // Only the first of a caller's requests has a waiter.
    if (r != first) r->cv.notify_one();
  }
  if (segment_size_ >= segment_bytes_) Roll();
  if (!queue_.empty()) queue_.front()->cv.notify_one();
}

void NodeWal::ApplyDurable(const Request& r) {
  GroupLog& g = groups_[r.group];
  g.busy = false;
  if (r.snapshot != nullptr) {
    g.snapshot = *r.snapshot;
    g.last_index = std::max(g.last_index, r.snapshot->index());
  }
  if (!r.entries.empty()) g.last_index = r.entries.back().index();
  Carry(&g, r.entries);
  if (r.hard_state != nullptr) g.hard_state = *r.hard_state;
}

absl::Status NodeWal::Append(uint64_t group, const raftpb::HardState& hard_state,
                             std::span<const raftpb::Entry> entries) {
  const GroupAppend append{group, hard_state, entries};
  return AppendGroups({&append, 1});
}

absl::Status NodeWal::CheckAppend(const GroupAppend& a) const {
  const std::string who = dir_ + ": group " + std::to_string(a.group) + ": WAL append";
  auto it = groups_.find(a.group);
  if (it != groups_.end() && it->second.busy) {
    return absl::FailedPreconditionError(who + " while another of its writes is queued");
  }
  if (a.entries.empty()) return absl::OkStatus();
  const uint64_t snapshot = it == groups_.end() ? 0 : it->second.snapshot.index();
  const uint64_t last = it == groups_.end() ? 0 : it->second.last_index;
  const uint64_t first = a.entries.front().index();
  if (first <= snapshot || first > last + 1) {
    return absl::InvalidArgumentError(who + " of entry " + std::to_string(first) + " does not fit a log of (" +
                                      std::to_string(snapshot) + ", " + std::to_string(last) + "]");
  }
  for (size_t i = 1; i < a.entries.size(); ++i) {
    if (a.entries[i].index() != first + i) {
      return absl::InvalidArgumentError(who + ": entries are not contiguous at " +
                                        std::to_string(a.entries[i].index()));
    }
  }
  return absl::OkStatus();
}

absl::Status NodeWal::AppendGroups(std::span<const GroupAppend> appends) {
  std::deque<Request> requests;  // a deque: Requests hold a condition variable and never move
  {
    std::lock_guard lock(mu_);
    std::vector<uint64_t> seen;
    for (const GroupAppend& a : appends) {
      if (a.entries.empty() && IsEmptyHardState(a.hard_state)) continue;
      if (std::find(seen.begin(), seen.end(), a.group) != seen.end()) {
        return absl::InvalidArgumentError(dir_ + ": group " + std::to_string(a.group) +
                                          ": WAL append: the group appears twice in one write");
      }
      seen.push_back(a.group);
      if (auto s = CheckAppend(a); !s.ok()) return s;
    }
    for (uint64_t group : seen) groups_[group].busy = true;
  }
  std::vector<Request*> queued;
  for (const GroupAppend& a : appends) {
    const bool has_state = !IsEmptyHardState(a.hard_state);
    if (a.entries.empty() && !has_state) continue;
    Request& request = requests.emplace_back();
    request.group = a.group;
    for (const raftpb::Entry& e : a.entries) {
      AppendNodeWalRecord(WalRecordType::kEntry, a.group, e.SerializeAsString(), &request.records);
    }
    if (has_state) {
      AppendNodeWalRecord(WalRecordType::kHardState, a.group, a.hard_state.SerializeAsString(), &request.records);
      request.hard_state = &a.hard_state;
    }
    request.record_count = a.entries.size() + (has_state ? 1 : 0);
    request.entries = a.entries;
    queued.push_back(&request);
  }
  if (!queued.empty()) Commit(queued);
  return absl::OkStatus();
}

absl::Status NodeWal::SaveSnapshot(uint64_t group, const raftpb::SnapshotMetadata& metadata,
                                   const raftpb::HardState& hard_state) {
  raftpb::HardState hs = hard_state;
  {
    std::lock_guard lock(mu_);
    GroupLog& g = groups_[group];
    const std::string who = dir_ + ": group " + std::to_string(group) + ": WAL snapshot marker";
    if (g.busy) return absl::FailedPreconditionError(who + " while another of its writes is queued");
    if (metadata.index() < g.snapshot.index()) {
      return absl::InvalidArgumentError(who + " " + std::to_string(metadata.index()) + " is older than " +
                                        std::to_string(g.snapshot.index()));
    }
    if (hard_state.term() < g.hard_state.term()) {
      return absl::InvalidArgumentError(who + " with a hard state of term " + std::to_string(hard_state.term()) +
                                        " below the written term " + std::to_string(g.hard_state.term()));
    }
    hs.set_commit(faults::BugOn(faults::Bug::kRestartAfterSnapshot)
                      ? g.hard_state.commit()
                      : std::max({hs.commit(), g.hard_state.commit(), metadata.index()}));
    g.busy = true;
  }
  Request request;
  request.group = group;
  AppendNodeWalRecord(WalRecordType::kSnapshot, group, metadata.SerializeAsString(), &request.records);
  AppendNodeWalRecord(WalRecordType::kHardState, group, hs.SerializeAsString(), &request.records);
  request.record_count = 2;
  request.snapshot = &metadata;
  request.hard_state = &hs;
  Commit(&request);
  return absl::OkStatus();
}

absl::StatusOr<int> NodeWal::PurgeBehindSnapshots(int keep) {
  if (keep < 1) {
    return absl::InvalidArgumentError("WAL purge: keep must be at least 1, not " + std::to_string(keep));
  }
  std::lock_guard lock(mu_);
  auto covered = [&](const Segment& next) {
    for (const auto& [group, up_to] : next.needs_older_up_to) {
      auto it = groups_.find(group);
      if (it != groups_.end() && up_to > it->second.snapshot.index()) return false;
    }
    return true;
  };
  int removed = 0;
  while (segments_.size() > static_cast<size_t>(keep) && covered(segments_[1])) {
    if (::unlink(segments_.front().path.c_str()) != 0) {
      return FileError(segments_.front().path, "remove purged segment", errno);
    }
    segments_.erase(segments_.begin());
    ++removed;
  }
  if (removed > 0) {
    if (auto s = SyncDir(dir_); !s.ok()) return s;
  }
  return removed;
}

uint64_t NodeWal::last_index(uint64_t group) const {
  std::lock_guard lock(mu_);
  auto it = groups_.find(group);
  return it == groups_.end() ? 0 : it->second.last_index;
}

raftpb::HardState NodeWal::hard_state(uint64_t group) const {
  std::lock_guard lock(mu_);
  auto it = groups_.find(group);
  return it == groups_.end() ? raftpb::HardState() : it->second.hard_state;
}

size_t NodeWal::segment_count() const {
  std::lock_guard lock(mu_);
  return segments_.size();
}

size_t NodeWal::queued_requests() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

NodeWal::Stats NodeWal::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

}  // namespace raftlab::storage
