// On-disk format of the write-ahead log.
//
// A WAL is a directory of segment files named "<seq>-<first>.wal", both 16 lower-case hex
// digits: seq numbers segments 1, 2, 3, ... with no gaps, and first is the log index the
// next entry was expected to have when the segment was created (last index + 1). Every
// entry in a segment therefore has an index below the next segment's first.
//
// A segment starts with a 16-byte header (framing code: wal_format.cc):
//   magic "RLABWAL\n" (8 bytes) | format version (u32 LE) | CRC-32C of the previous 12 bytes
// followed by records, each:
//   length (u32 LE) | CRC-32C of type+payload (u32 LE) | type (u8) | payload (length bytes)
// Types: 1 = entry (raftpb::Entry), 2 = hard state (raftpb::HardState), 3 = snapshot
// marker (raftpb::SnapshotMetadata), payloads in protobuf wire format. A new segment opens
// with a snapshot marker and a hard-state record copying the latest ones, so any suffix of
// segments is self-describing and older segments can be deleted. Segments are written as
// "<name>.tmp", fsynced and renamed, so a segment with its final name has a whole header.
//
// One Append writes its entries then its hard state in one write(2) and one fsync(2). An
// entry record whose index is at or below the log's last index replaces that suffix of the
// log (Raft overwrites uncommitted entries); a snapshot marker drops the entries it covers
// and keeps those after it, as etcd's WAL does.
//
// SaveSnapshot writes a snapshot marker followed by a hard-state record whose commit is at
// least the marker's index, also in one write and one fsync. A snapshot covers committed
// entries only, so that commit is true; and it has to be written, because hard states that
// move nothing but the commit index are not written at all (durable_log.h), so the last
// hard state before the marker may trail it, and the Raft core refuses a recovered commit
// below the snapshot. Recovery applies the same rule: if the last hard state's commit is
// below the last marker's index (the write was torn between the two), it raises the commit
// to that index and reports it. The WAL therefore never yields a hard state whose commit
// is below its snapshot.
//
// Recovery reads all segments in order. It must tell damage that only an unfinished last
// write can leave from damage to data that was acknowledged, because cutting the log at the
// latter silently forgets entries the node acknowledged and votes it cast (and a node that
// forgets its vote can vote twice in a term). The rule is where the damage ends:
//   - A torn tail: from the first bad frame (cut short, CRC mismatch, unknown type,
//     unparsable payload) to the end of the last segment there is no valid record, e.g. a
//     partial last record or a zero-filled tail the filesystem extended but never wrote.
//     Only the last write, which was never acknowledged, can have left it: the file is
//     truncated at the end of the last good record, fsynced, and the cut is reported.
//   - Corruption: a valid record (whole frame, matching CRC, parsable payload) starts
//     somewhere after the bad frame, found by scanning forward byte by byte. Open refuses
//     with DataLoss naming the file and the offset. `raftlab-dump --repair`, or Open with
//     WalOptions::repair, truncates there on request, keeps the removed bytes beside the
//     segment as "<segment>.broken-<offset>" and reports the valid records it removed.
//     (The forward scan hashes a bounded number of bytes; if it gives up, the damage is
//     treated as corruption: refusing is the safe side.)
// Damage in an earlier segment, a missing segment, a log gap, another format version or a
// bad header are errors too: no torn write produces them. etcd's WAL draws the same line
// between io.ErrUnexpectedEOF (repaired) and a CRC mismatch (refused).
//
// A failed write or fsync is fail-stop (log::FailStop, exit 75): the page cache may no
// longer match the disk, so the process restarts and recovers from what the disk holds.
#include "server/storage/wal.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "faults/bugs.h"
#include "server/log/fail_stop.h"
#include "faults/points.h"
#include "server/storage/file_util.h"
#include "server/storage/wal_format.h"
#include "server/storage/wal_replay.h"

namespace raftlab::storage {

Wal::Wal(const WalOptions& options, const WalRecovery& state)
    : dir_(options.dir),
      segment_bytes_(options.segment_bytes),
      last_index_(state.entries.empty() ? state.snapshot.index() : state.entries.back().index()),
      hard_state_(state.hard_state),
      snapshot_(state.snapshot) {}

Wal::~Wal() {
  if (fd_ >= 0) ::close(fd_);
}

absl::Status Wal::Recover(const WalOptions& options, bool modify, WalRecovery* out,
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
    if (auto parsed = ParseWalSegmentName(name)) {
      segments->push_back({parsed->first, parsed->second, path});
    }
  }
  std::sort(segments->begin(), segments->end(),
            [](const Segment& a, const Segment& b) { return a.seq < b.seq; });
  for (size_t i = 1; i < segments->size(); ++i) {
    if ((*segments)[i].seq != (*segments)[i - 1].seq + 1) {
      return absl::DataLossError((*segments)[i].path + ": WAL segment " +
                                 std::to_string((*segments)[i - 1].seq + 1) + " is missing before it");
    }
  }

  LogState log;
  if (!segments->empty()) log.base_last = segments->front().first_index - 1;
  for (size_t i = 0; i < segments->size(); ++i) {
    const Segment& seg = (*segments)[i];
    const bool last = i + 1 == segments->size();
    if (faults::ShouldFail(faults::kWalOpen)) {
      return absl::UnavailableError(seg.path + ": open: injected failure (raftlab/wal/open)");
    }
    auto data = ReadWholeFile(seg.path);
    if (!data.ok()) return data.status();
    if (auto s = CheckWalSegmentHeader(seg.path, *data); !s.ok()) return s;
    WalSegmentReader reader(*data);
    WalRecord record;
    WalDamage damage;
    for (auto item = reader.Next(&record, &damage); item != WalSegmentReader::Item::kEnd;
         item = reader.Next(&record, &damage)) {
      if (item == WalSegmentReader::Item::kRecord) {
        if (std::string problem = ApplyRecord(record, &log); !problem.empty()) {
          return absl::DataLossError(seg.path + ": offset " + std::to_string(record.offset) + ": " + problem);
        }
        continue;
      }
      const std::string where = seg.path + ": offset " + std::to_string(damage.offset) + ": " + damage.reason;
      if (!last) return absl::DataLossError(where + " (not the last segment)");
      if (!damage.torn_tail() && !options.repair) {
        return absl::DataLossError(
            where +
            (damage.valid_after ? ", and a valid record follows at offset " + std::to_string(damage.end)
                                : ", and valid records after it could not be ruled out") +
            ": not a torn write; cutting the log here would drop records or votes this node may "
            "have acknowledged, so recovery refuses (raftlab-dump --repair truncates it on request)");
      }
      out->dropped_file = seg.path;
      out->dropped_offset = damage.offset;
      out->dropped_bytes = data->size() - damage.offset;
      out->dropped_reason = damage.reason + " at offset " + std::to_string(damage.offset);
      if (!damage.torn_tail()) {
        for (auto rest = reader.Next(&record, &damage); rest != WalSegmentReader::Item::kEnd;
             rest = reader.Next(&record, &damage)) {
          if (rest == WalSegmentReader::Item::kRecord) out->removed_records.push_back(record);
        }
        if (modify) {
          auto copy = KeepBrokenTail(seg.path, std::string_view(*data).substr(out->dropped_offset),
                                     out->dropped_offset);
          if (!copy.ok()) return copy.status();
          out->broken_copy = *copy;
        }
      }
      if (modify) {
        if (auto s = TruncateFile(seg.path, out->dropped_offset); !s.ok()) return s;
      }
      break;
    }
  }
  if (!segments->empty()) {
    const Segment& oldest = segments->front();
    if (oldest.first_index - 1 > log.snapshot.index()) {
      return absl::DataLossError(oldest.path + ": oldest segment starts at index " +
                                 std::to_string(oldest.first_index) +
                                 " but the snapshot covers only up to " +
                                 std::to_string(log.snapshot.index()) +
                                 "; earlier segments are missing");
    }
  }
  if (removed_temp || !out->broken_copy.empty()) {
    if (auto s = SyncDir(options.dir); !s.ok()) return s;
  }
  if (log.hard_state.commit() < log.snapshot.index() && !faults::BugOn(faults::Bug::kRestartAfterSnapshot)) {
    out->commit_raised_from = log.hard_state.commit();
    log.hard_state.set_commit(log.snapshot.index());
  }
  out->hard_state = log.hard_state;
  out->snapshot = log.snapshot;
  out->entries = std::move(log.entries);
  return absl::OkStatus();
}

absl::Status Wal::Read(const std::string& dir, WalRecovery* recovery) {
  WalOptions options;
  options.dir = dir;
  std::vector<Segment> segments;
  WalRecovery out;
  if (auto s = Recover(options, /*modify=*/false, &out, &segments); !s.ok()) return s;
  *recovery = std::move(out);
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<Wal>> Wal::Open(const WalOptions& options,
                                               WalRecovery* recovery) {
  if (options.segment_bytes < kWalHeaderSize) {
    return absl::InvalidArgumentError("WAL segment_bytes " + std::to_string(options.segment_bytes) +
                                      " is smaller than a segment header");
  }
  if (auto s = PrepareDir(options.dir, options.create_if_missing); !s.ok()) return s;
  std::vector<Segment> segments;
  WalRecovery out;
  if (auto s = Recover(options, /*modify=*/true, &out, &segments); !s.ok()) return s;

  std::unique_ptr<Wal> wal(new Wal(options, out));
  wal->segments_ = std::move(segments);
  if (wal->segments_.empty()) {
    if (auto s = wal->CreateSegment(1, wal->last_index_ + 1); !s.ok()) return s;
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

absl::Status Wal::CreateSegment(uint64_t seq, uint64_t first_index) {
  const std::string path = dir_ + "/" + WalSegmentName(seq, first_index);
  const std::string tmp = path + ".tmp";
  std::string buf = WalSegmentHeader();
  AppendWalRecord(WalRecordType::kSnapshot, snapshot_.SerializeAsString(), &buf);
  AppendWalRecord(WalRecordType::kHardState, hard_state_.SerializeAsString(), &buf);

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
  segments_.push_back({seq, first_index, path});
  return absl::OkStatus();
}

void Wal::WriteAndSync(const std::string& records) {
  const std::string& path = segments_.back().path;
  if (faults::ShouldFail(faults::kWalWrite)) {
    log::FailStop(log::StopCause::kIoError, "wal", "write", path + ": injected EIO (raftlab/wal/write)");
  }
  if (int err = WriteAll(fd_, records); err != 0) {
    log::FailStop(log::StopCause::kIoError, "wal", "write", path + ": " + std::strerror(err));
  }
  segment_size_ += records.size();
  if (faults::ShouldFail(faults::kWalFsync)) {
    log::FailStop(log::StopCause::kIoError, "wal", "fsync", path + ": injected EIO (raftlab/wal/fsync)");
  }
  if (!faults::BugOn(faults::Bug::kWalWithoutFsync) && ::fsync(fd_) != 0) {
    log::FailStop(log::StopCause::kIoError, "wal", "fsync", path + ": " + std::strerror(errno));
  }
  if (segment_size_ >= segment_bytes_) Roll();
}

void Wal::Roll() {
  const uint64_t seq = segments_.back().seq + 1;
  if (auto s = CreateSegment(seq, last_index_ + 1); !s.ok()) {
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

absl::Status Wal::Append(const raftpb::HardState& hard_state,
                         std::span<const raftpb::Entry> entries) {
  if (!entries.empty()) {
    const uint64_t first = entries.front().index();
    if (first <= snapshot_.index() || first > last_index_ + 1) {
      return absl::InvalidArgumentError(
          dir_ + ": WAL append of entry " + std::to_string(first) + " does not fit a log of (" +
          std::to_string(snapshot_.index()) + ", " + std::to_string(last_index_) + "]");
    }
    for (size_t i = 1; i < entries.size(); ++i) {
      if (entries[i].index() != first + i) {
        return absl::InvalidArgumentError(dir_ + ": WAL append: entries are not contiguous at " +
                                          std::to_string(entries[i].index()));
      }
    }
  }
  const bool has_state = !IsEmptyHardState(hard_state);
  if (entries.empty() && !has_state) return absl::OkStatus();
  std::string records;
  for (const raftpb::Entry& e : entries) {
    AppendWalRecord(WalRecordType::kEntry, e.SerializeAsString(), &records);
  }
  if (has_state) AppendWalRecord(WalRecordType::kHardState, hard_state.SerializeAsString(), &records);
  if (!entries.empty()) last_index_ = entries.back().index();
  if (has_state) hard_state_ = hard_state;
  WriteAndSync(records);
  return absl::OkStatus();
}

absl::Status Wal::SaveSnapshot(const raftpb::SnapshotMetadata& metadata,
                               const raftpb::HardState& hard_state) {
  if (metadata.index() < snapshot_.index()) {
    return absl::InvalidArgumentError(dir_ + ": WAL snapshot marker " +
                                      std::to_string(metadata.index()) + " is older than " +
                                      std::to_string(snapshot_.index()));
  }
  if (hard_state.term() < hard_state_.term()) {
    return absl::InvalidArgumentError(dir_ + ": WAL snapshot marker with a hard state of term " +
                                      std::to_string(hard_state.term()) + " below the written term " +
                                      std::to_string(hard_state_.term()));
  }
  raftpb::HardState hs = hard_state;
  hs.set_commit(faults::BugOn(faults::Bug::kRestartAfterSnapshot)
                    ? hard_state_.commit()
                    : std::max({hs.commit(), hard_state_.commit(), metadata.index()}));
  std::string records;
  AppendWalRecord(WalRecordType::kSnapshot, metadata.SerializeAsString(), &records);
  AppendWalRecord(WalRecordType::kHardState, hs.SerializeAsString(), &records);
  snapshot_ = metadata;
  hard_state_ = hs;
  last_index_ = std::max(last_index_, metadata.index());
  WriteAndSync(records);
  return absl::OkStatus();
}

absl::StatusOr<int> Wal::PurgeBehindSnapshot(int keep) {
  if (keep < 1) {
    return absl::InvalidArgumentError("WAL purge: keep must be at least 1, not " +
                                      std::to_string(keep));
  }
  int removed = 0;
  while (segments_.size() > static_cast<size_t>(keep) &&
         segments_[1].first_index - 1 <= snapshot_.index()) {
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

}  // namespace raftlab::storage
