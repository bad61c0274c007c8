// Small POSIX file helpers shared by the WAL and snapshot files: whole writes and reads
// that retry EINTR and short transfers, directory fsync, and errors that name the file.
// Stateless and thread-safe.
#ifndef RAFTLAB_SERVER_STORAGE_FILE_UTIL_H_
#define RAFTLAB_SERVER_STORAGE_FILE_UTIL_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace raftlab::storage {

// "<path>: <what>: <strerror(err)>" with the status code errno implies.
absl::Status FileError(const std::string& path, std::string_view what, int err);

// Writes all of data to fd; returns the errno of the first failure, 0 on success.
int WriteAll(int fd, std::string_view data);

// Reads up to n bytes into buf, stopping early only at end of file. Returns the bytes read
// or -errno.
long ReadFull(int fd, char* buf, size_t n);

// Reads a whole regular file.
absl::StatusOr<std::string> ReadWholeFile(const std::string& path);

// fsyncs a directory so that entries created, renamed or removed in it are durable.
absl::Status SyncDir(const std::string& dir);

// Checks that dir is an existing, readable and writable directory, creating it (one
// level, and fsyncing its parent) when create_if_missing. Errors name dir.
absl::Status PrepareDir(const std::string& dir, bool create_if_missing);

// Creates dir and every missing parent, fsyncing each new directory's parent, so that
// the whole path survives a power loss (a directory entry is durable only once its parent
// is fsynced). Errors name the directory.
absl::Status CreateDirsDurably(const std::string& dir);

// Names of the entries of dir (no "." or ".."), unsorted.
absl::StatusOr<std::vector<std::string>> ListDir(const std::string& dir);

// Appends fixed-width little-endian integers, and reads them back from p.
void PutFixed32(std::string* out, uint32_t v);
void PutFixed64(std::string* out, uint64_t v);
uint32_t GetFixed32(const char* p);
uint64_t GetFixed64(const char* p);

}  // namespace raftlab::storage

#endif  // RAFTLAB_SERVER_STORAGE_FILE_UTIL_H_
