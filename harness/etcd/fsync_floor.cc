#include "harness/etcd/fsync_floor.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <vector>

namespace raftlab::harness {

absl::StatusOr<double> FsyncFloorP50Ms(const std::string& dir, int samples) {
  if (samples < 1) return absl::InvalidArgumentError("fsync floor: samples must be at least 1");
  const std::string path = dir + "/fsync-floor.probe";
  const int fd = ::open(path.c_str(), O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0644);
  if (fd < 0) return absl::InternalError("fsync floor: open " + path + ": " + std::strerror(errno));
  const std::vector<char> block(4096, 'f');
  std::vector<double> ms;
  absl::Status status;
  for (int i = 0; i < samples && status.ok(); ++i) {
    const auto start = std::chrono::steady_clock::now();
    if (::write(fd, block.data(), block.size()) != static_cast<ssize_t>(block.size())) {
      status = absl::InternalError("fsync floor: write " + path + ": " + std::strerror(errno));
    } else if (::fdatasync(fd) != 0) {
      status = absl::InternalError("fsync floor: fdatasync " + path + ": " + std::strerror(errno));
    }
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
  }
  ::close(fd);
  ::unlink(path.c_str());
  if (!status.ok()) return status;
  std::nth_element(ms.begin(), ms.begin() + static_cast<long>(ms.size() / 2), ms.end());
  return ms[ms.size() / 2];
}

}  // namespace raftlab::harness
