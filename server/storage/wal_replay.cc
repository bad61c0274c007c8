#include "server/storage/wal_replay.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "server/storage/file_util.h"

namespace raftlab::storage {

std::string ApplyRecord(const WalRecord& r, LogState* log) {
  switch (r.type) {
    case WalRecordType::kEntry:
      return log->ApplyEntry(r.entry);
    case WalRecordType::kHardState:
      log->hard_state = r.hard_state;
      return "";
    case WalRecordType::kSnapshot:
      return log->ApplySnapshot(r.snapshot);
    case WalRecordType::kBatchEnd:
    case WalRecordType::kGroupBase:
      return "";  // framing of the node log, handled by its reader
  }
  return "";
}

absl::StatusOr<std::string> KeepBrokenTail(const std::string& path, std::string_view bytes, uint64_t offset) {
  const std::string copy = path + ".broken-" + std::to_string(offset);
  int fd = ::open(copy.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return FileError(copy, "create", errno);
  int err = WriteAll(fd, bytes);
  if (err == 0 && ::fsync(fd) != 0) err = errno;
  ::close(fd);
  if (err != 0) return FileError(copy, "write", err);
  return copy;
}

absl::Status TruncateFile(const std::string& path, uint64_t size) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return FileError(path, "open to truncate", errno);
  int err = 0;
  if (::ftruncate(fd, static_cast<off_t>(size)) != 0 || ::fsync(fd) != 0) err = errno;
  ::close(fd);
  if (err != 0) return FileError(path, "truncate", err);
  return absl::OkStatus();
}

bool IsEmptyHardState(const raftpb::HardState& hs) {
  return hs.term() == 0 && hs.vote() == 0 && hs.commit() == 0;
}

}  // namespace raftlab::storage
