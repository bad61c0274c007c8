// On-disk format of a snapshot file "<term>-<index>.snap" (16 hex digits each):
//
//   magic "RLABSNAP" (8 bytes) | format version (u32 LE) | metadata length (u32 LE)
//   | metadata (raftpb::SnapshotMetadata, protobuf wire format)
//   | image (the state machine's bytes, opaque here)
//   | image length (u64 LE) | CRC-32C of every byte before it (u32 LE)
//
// The image length sits in the trailer so the writer can stream an image of unknown size.
// Files are written as "<name>.tmp", fsynced, renamed and the directory fsynced; a crash
// leaves either the old set of files or the new one, plus at most a stray temp file that
// ListSnapshotFiles ignores and the next writer of that name overwrites. A reader checks
// magic, version, lengths and the CRC before handing out any of the image; any mismatch is
// an error naming the file.
#include "server/storage/snapshot_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <tuple>

#include "faults/points.h"
#include "server/storage/crc32c.h"
#include "server/storage/file_util.h"

namespace raftlab::storage {
namespace {

constexpr char kMagic[8] = {'R', 'L', 'A', 'B', 'S', 'N', 'A', 'P'};
constexpr size_t kFixedHeader = 16;
constexpr size_t kTrailer = 12;
constexpr uint32_t kMaxMetadata = 64u << 20;

bool ParseName(const std::string& name, uint64_t* term, uint64_t* index) {
  unsigned long long t = 0, i = 0;
  int consumed = 0;
  if (name.size() != 38 || !name.ends_with(".snap")) return false;
  if (std::sscanf(name.c_str(), "%16llx-%16llx.snap%n", &t, &i, &consumed) != 2 ||
      consumed != 38) {
    return false;
  }
  *term = t;
  *index = i;
  return true;
}

}  // namespace

std::string SnapshotFileName(const raftpb::SnapshotMetadata& metadata) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%016" PRIx64 "-%016" PRIx64 ".snap", metadata.term(),
                metadata.index());
  return buf;
}

SnapshotWriter::SnapshotWriter(std::string dir, std::string path, int fd)
    : dir_(std::move(dir)), path_(std::move(path)), fd_(fd) {}

SnapshotWriter::~SnapshotWriter() { Abort(); }

absl::StatusOr<std::unique_ptr<SnapshotWriter>> SnapshotWriter::Create(
    const std::string& dir, const raftpb::SnapshotMetadata& metadata) {
  if (auto s = PrepareDir(dir, /*create_if_missing=*/true); !s.ok()) return s;
  const std::string path = dir + "/" + SnapshotFileName(metadata);
  const std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return FileError(tmp, "create snapshot", errno);
  std::unique_ptr<SnapshotWriter> w(new SnapshotWriter(dir, path, fd));
  std::string header(kMagic, sizeof kMagic);
  const std::string meta = metadata.SerializeAsString();
  PutFixed32(&header, kSnapshotFormatVersion);
  PutFixed32(&header, static_cast<uint32_t>(meta.size()));
  header += meta;
  if (auto s = w->Write(header); !s.ok()) return s;
  return w;
}

absl::Status SnapshotWriter::Write(std::string_view bytes) {
  if (!error_.ok()) return error_;
  if (fd_ < 0) return absl::FailedPreconditionError(path_ + ": snapshot writer is closed");
  if (int err = WriteAll(fd_, bytes); err != 0) {
    error_ = FileError(path_ + ".tmp", "write snapshot", err);
    return error_;
  }
  crc_ = Crc32cExtend(crc_, bytes.data(), bytes.size());
  return absl::OkStatus();
}

absl::Status SnapshotWriter::Append(std::string_view chunk) {
  if (auto s = Write(chunk); !s.ok()) return s;
  data_bytes_ += chunk.size();
  return absl::OkStatus();
}

absl::StatusOr<std::string> SnapshotWriter::Finish() {
  const std::string tmp = path_ + ".tmp";
  if (faults::ShouldFail(faults::kSnapshotWrite)) {
    error_ = absl::UnavailableError(tmp + ": write snapshot: injected failure "
                                    "(raftlab/snapshot/write)");
  }
  std::string trailer;
  PutFixed64(&trailer, data_bytes_);
  if (auto s = Write(trailer); !s.ok()) {
    Abort();
    return s;
  }
  std::string crc;
  PutFixed32(&crc, crc_);
  if (auto s = Write(crc); !s.ok()) {
    Abort();
    return s;
  }
  if (::fsync(fd_) != 0) {
    error_ = FileError(tmp, "fsync snapshot", errno);
    Abort();
    return error_;
  }
  ::close(fd_);
  fd_ = -1;
  if (::rename(tmp.c_str(), path_.c_str()) != 0) {
    error_ = FileError(path_, "rename snapshot into place", errno);
    ::unlink(tmp.c_str());
    return error_;
  }
  if (auto s = SyncDir(dir_); !s.ok()) return s;
  return path_;
}

void SnapshotWriter::Abort() {
  if (fd_ < 0) return;
  ::close(fd_);
  fd_ = -1;
  ::unlink((path_ + ".tmp").c_str());
}

SnapshotReader::~SnapshotReader() {
  if (fd_ >= 0) ::close(fd_);
}

absl::StatusOr<std::unique_ptr<SnapshotReader>> SnapshotReader::Open(const std::string& path) {
  if (faults::ShouldFail(faults::kSnapshotLoad)) {
    return absl::UnavailableError(path + ": load snapshot: injected failure (raftlab/snapshot/load)");
  }
  std::unique_ptr<SnapshotReader> r(new SnapshotReader);
  r->path_ = path;
  r->fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (r->fd_ < 0) return FileError(path, "open snapshot", errno);
  struct stat st;
  if (::fstat(r->fd_, &st) != 0) return FileError(path, "stat snapshot", errno);
  const auto size = static_cast<uint64_t>(st.st_size);

  char fixed[kFixedHeader];
  long n = ReadFull(r->fd_, fixed, sizeof fixed);
  if (n < 0) return FileError(path, "read snapshot", static_cast<int>(-n));
  if (static_cast<size_t>(n) < kFixedHeader || std::memcmp(fixed, kMagic, sizeof kMagic) != 0) {
    return absl::DataLossError(path + ": not a raftlab snapshot file (bad or missing header)");
  }
  const uint32_t version = GetFixed32(fixed + 8);
  const uint32_t meta_len = GetFixed32(fixed + 12);
  if (version != kSnapshotFormatVersion) {
    return absl::FailedPreconditionError(path + ": snapshot format version " +
                                         std::to_string(version) + ", this build reads version " +
                                         std::to_string(kSnapshotFormatVersion));
  }
  if (meta_len > kMaxMetadata || kFixedHeader + meta_len + kTrailer > size) {
    return absl::DataLossError(path + ": snapshot metadata length " + std::to_string(meta_len) +
                               " does not fit a file of " + std::to_string(size) + " bytes");
  }
  // Check the CRC of everything before the stored CRC, streaming in 1 MiB reads.
  uint32_t crc = Crc32c(fixed, sizeof fixed);
  std::string buf(1u << 20, '\0');
  std::string meta;
  std::string trailer;
  uint64_t remaining = size - kFixedHeader;
  while (remaining > 0) {
    const size_t want = static_cast<size_t>(std::min<uint64_t>(remaining, buf.size()));
    n = ReadFull(r->fd_, buf.data(), want);
    if (n < 0) return FileError(path, "read snapshot", static_cast<int>(-n));
    if (static_cast<size_t>(n) != want) return absl::DataLossError(path + ": snapshot shrank while reading");
    const uint64_t offset = size - remaining;  // file offset of buf[0]
    const uint64_t crc_at = size - 4;
    const size_t covered = static_cast<size_t>(std::min<uint64_t>(want, crc_at > offset ? crc_at - offset : 0));
    crc = Crc32cExtend(crc, buf.data(), covered);
    auto take = [&](uint64_t lo, uint64_t hi, std::string* out) {  // file range [lo, hi)
      const uint64_t a = std::max(lo, offset), b = std::min(hi, offset + want);
      if (a < b) out->append(buf.data() + (a - offset), static_cast<size_t>(b - a));
    };
    take(kFixedHeader, kFixedHeader + meta_len, &meta);
    take(size - kTrailer, size, &trailer);
    remaining -= want;
  }
  if (GetFixed32(trailer.data() + 8) != crc) {
    return absl::DataLossError(path + ": snapshot CRC mismatch (file is corrupt)");
  }
  r->data_size_ = size - kFixedHeader - meta_len - kTrailer;
  if (GetFixed64(trailer.data()) != r->data_size_) {
    return absl::DataLossError(path + ": snapshot image length " +
                               std::to_string(GetFixed64(trailer.data())) +
                               " does not match the file size");
  }
  if (!r->metadata_.ParseFromString(meta)) {
    return absl::DataLossError(path + ": snapshot metadata does not parse");
  }
  if (::lseek(r->fd_, static_cast<off_t>(kFixedHeader + meta_len), SEEK_SET) < 0) {
    return FileError(path, "seek snapshot", errno);
  }
  return r;
}

absl::StatusOr<std::string> SnapshotReader::ReadChunk(size_t max_bytes) {
  const size_t want = static_cast<size_t>(std::min<uint64_t>(max_bytes, data_size_ - data_read_));
  std::string chunk(want, '\0');
  long n = ReadFull(fd_, chunk.data(), want);
  if (n < 0) return FileError(path_, "read snapshot", static_cast<int>(-n));
  if (static_cast<size_t>(n) != want) return absl::DataLossError(path_ + ": snapshot shrank while reading");
  data_read_ += want;
  return chunk;
}

absl::StatusOr<std::string> WriteSnapshotFile(const std::string& dir,
                                              const raftpb::Snapshot& snapshot) {
  auto w = SnapshotWriter::Create(dir, snapshot.metadata());
  if (!w.ok()) return w.status();
  if (auto s = (*w)->Append(snapshot.data()); !s.ok()) return s;
  return (*w)->Finish();
}

absl::StatusOr<raftpb::Snapshot> LoadSnapshotFile(const std::string& path) {
  auto r = SnapshotReader::Open(path);
  if (!r.ok()) return r.status();
  raftpb::Snapshot snap;
  *snap.mutable_metadata() = (*r)->metadata();
  auto data = (*r)->ReadChunk((*r)->data_size());
  if (!data.ok()) return data.status();
  snap.set_data(std::move(*data));
  return snap;
}

absl::StatusOr<std::vector<std::string>> ListSnapshotFiles(const std::string& dir) {
  auto names = ListDir(dir);
  if (!names.ok()) return names.status();
  std::vector<std::tuple<uint64_t, uint64_t, std::string>> found;
  for (const std::string& name : *names) {
    uint64_t term, index;
    if (ParseName(name, &term, &index)) found.emplace_back(index, term, dir + "/" + name);
  }
  std::sort(found.rbegin(), found.rend());
  std::vector<std::string> out;
  for (auto& f : found) out.push_back(std::move(std::get<2>(f)));
  return out;
}

absl::StatusOr<int> PurgeSnapshotFiles(const std::string& dir, int keep) {
  if (keep < 1) {
    return absl::InvalidArgumentError("snapshot purge: keep must be at least 1, not " +
                                      std::to_string(keep));
  }
  auto files = ListSnapshotFiles(dir);
  if (!files.ok()) return files.status();
  int removed = 0;
  for (size_t i = static_cast<size_t>(keep); i < files->size(); ++i) {
    if (::unlink((*files)[i].c_str()) != 0) return FileError((*files)[i], "remove snapshot", errno);
    ++removed;
  }
  if (removed > 0) {
    if (auto s = SyncDir(dir); !s.ok()) return s;
  }
  return removed;
}

}  // namespace raftlab::storage
