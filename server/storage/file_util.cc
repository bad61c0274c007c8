#include "server/storage/file_util.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace raftlab::storage {

absl::Status FileError(const std::string& path, std::string_view what, int err) {
  std::string msg = path;
  msg.append(": ").append(what).append(": ").append(std::strerror(err));
  return absl::Status(absl::ErrnoToStatusCode(err), msg);
}

int WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return 0;
}

long ReadFull(int fd, char* buf, size_t n) {
  size_t done = 0;
  while (done < n) {
    ssize_t r = ::read(fd, buf + done, n - done);
    if (r < 0) {
      if (errno == EINTR) continue;
      return -errno;
    }
    if (r == 0) break;
    done += static_cast<size_t>(r);
  }
  return static_cast<long>(done);
}

absl::StatusOr<std::string> ReadWholeFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return FileError(path, "open", errno);
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    return FileError(path, "stat", err);
  }
  std::string data(static_cast<size_t>(st.st_size), '\0');
  long n = ReadFull(fd, data.data(), data.size());
  ::close(fd);
  if (n < 0) return FileError(path, "read", static_cast<int>(-n));
  data.resize(static_cast<size_t>(n));
  return data;
}

absl::Status SyncDir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return FileError(dir, "open directory", errno);
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) return FileError(dir, "fsync directory", err);
  return absl::OkStatus();
}

absl::Status PrepareDir(const std::string& dir, bool create_if_missing) {
  if (dir.empty()) return absl::InvalidArgumentError("data directory path is empty");
  struct stat st;
  if (::stat(dir.c_str(), &st) != 0) {
    if (errno != ENOENT || !create_if_missing) return FileError(dir, "data directory", errno);
    if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
      return FileError(dir, "create data directory", errno);
    }
    if (::stat(dir.c_str(), &st) != 0) return FileError(dir, "data directory", errno);
    // The new directory's own entry must survive a crash too.
    const size_t slash = dir.find_last_of('/');
    const std::string parent =
        slash == std::string::npos ? "." : (slash == 0 ? "/" : dir.substr(0, slash));
    if (auto s = SyncDir(parent); !s.ok()) return s;
  }
  if (!S_ISDIR(st.st_mode)) {
    return absl::FailedPreconditionError(dir + ": data directory: not a directory");
  }
  if (::access(dir.c_str(), R_OK | W_OK | X_OK) != 0) {
    return FileError(dir, "data directory is not readable and writable", errno);
  }
  return absl::OkStatus();
}

absl::Status CreateDirsDurably(const std::string& dir) {
  if (dir.empty()) return absl::InvalidArgumentError("data directory path is empty");
  for (size_t slash = dir.find('/', 1);; slash = dir.find('/', slash + 1)) {
    const std::string prefix = dir.substr(0, slash);
    struct stat st;
    const bool missing = !prefix.empty() && prefix.back() != '/' && ::stat(prefix.c_str(), &st) != 0;
    if (missing || (slash == std::string::npos && !prefix.empty())) {
      if (auto s = PrepareDir(prefix, /*create_if_missing=*/true); !s.ok()) return s;
    }
    if (slash == std::string::npos) return absl::OkStatus();
  }
}

absl::StatusOr<std::vector<std::string>> ListDir(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return FileError(dir, "list directory", errno);
  std::vector<std::string> names;
  errno = 0;
  while (struct dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name != "." && name != "..") names.push_back(std::move(name));
  }
  int err = errno;
  ::closedir(d);
  if (err != 0) return FileError(dir, "list directory", err);
  return names;
}

void PutFixed32(std::string* out, uint32_t v) {
  char b[4];
  for (int i = 0; i < 4; ++i) b[i] = static_cast<char>(v >> (8 * i));
  out->append(b, 4);
}

void PutFixed64(std::string* out, uint64_t v) {
  char b[8];
  for (int i = 0; i < 8; ++i) b[i] = static_cast<char>(v >> (8 * i));
  out->append(b, 8);
}

uint32_t GetFixed32(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(static_cast<unsigned char>(p[i])) << (8 * i);
  return v;
}

uint64_t GetFixed64(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= static_cast<uint64_t>(static_cast<unsigned char>(p[i])) << (8 * i);
  return v;
}

}  // namespace raftlab::storage
