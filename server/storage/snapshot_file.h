// Snapshot files: one state-machine image per file, written atomically and CRC-checked on
// load, read and written in chunks so large images can be streamed to peers. The format
// is described at the top of snapshot_file.cc.
//
// Threads: a SnapshotWriter or SnapshotReader belongs to one thread at a time. The free
// functions are thread-safe for different directories.
#ifndef RAFTLAB_SERVER_STORAGE_SNAPSHOT_FILE_H_
#define RAFTLAB_SERVER_STORAGE_SNAPSHOT_FILE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "raft.pb.h"

namespace raftlab::storage {

inline constexpr uint32_t kSnapshotFormatVersion = 1;

// "<term>-<index>.snap", 16 hex digits each.
std::string SnapshotFileName(const raftpb::SnapshotMetadata& metadata);

// Writes one snapshot file. The image is appended in chunks into "<name>.tmp"; Finish
// fsyncs it, renames it to its final name and fsyncs the directory, so a file with a final
// name is always whole. A writer destroyed before Finish removes its temp file.
class SnapshotWriter {
 public:
  static absl::StatusOr<std::unique_ptr<SnapshotWriter>> Create(
      const std::string& dir, const raftpb::SnapshotMetadata& metadata);
  ~SnapshotWriter();
  SnapshotWriter(const SnapshotWriter&) = delete;
  SnapshotWriter& operator=(const SnapshotWriter&) = delete;

  // Appends the next chunk of the image. After an error the writer only accepts Abort.
  absl::Status Append(std::string_view chunk);
  // Makes the file durable under its final name and returns that path.
  absl::StatusOr<std::string> Finish();
  // Discards the temp file.
  void Abort();

 private:
  SnapshotWriter(std::string dir, std::string path, int fd);
  absl::Status Write(std::string_view bytes);

  std::string dir_;
  std::string path_;  // final name; the temp file is path_ + ".tmp"
  int fd_;
  uint32_t crc_ = 0;
  uint64_t data_bytes_ = 0;
  absl::Status error_;
};

// Reads one snapshot file. Open checks the header and the CRC of the whole file before
// returning, so chunks handed out afterwards are from a file that was intact at open.
class SnapshotReader {
 public:
  static absl::StatusOr<std::unique_ptr<SnapshotReader>> Open(const std::string& path);
  ~SnapshotReader();
  SnapshotReader(const SnapshotReader&) = delete;
  SnapshotReader& operator=(const SnapshotReader&) = delete;

  const raftpb::SnapshotMetadata& metadata() const { return metadata_; }
  uint64_t data_size() const { return data_size_; }
  // The next up to max_bytes of the image; empty at the end.
  absl::StatusOr<std::string> ReadChunk(size_t max_bytes);

 private:
  SnapshotReader() = default;

  std::string path_;
  int fd_ = -1;
  raftpb::SnapshotMetadata metadata_;
  uint64_t data_size_ = 0;
  uint64_t data_read_ = 0;
};

// Whole-file conveniences over the writer and reader.
absl::StatusOr<std::string> WriteSnapshotFile(const std::string& dir,
                                              const raftpb::Snapshot& snapshot);
absl::StatusOr<raftpb::Snapshot> LoadSnapshotFile(const std::string& path);

// Paths of the snapshot files in dir, newest (highest index, then term) first.
absl::StatusOr<std::vector<std::string>> ListSnapshotFiles(const std::string& dir);

// Deletes all but the newest `keep` snapshot files; returns how many were deleted.
absl::StatusOr<int> PurgeSnapshotFiles(const std::string& dir, int keep);

}  // namespace raftlab::storage

#endif  // RAFTLAB_SERVER_STORAGE_SNAPSHOT_FILE_H_
