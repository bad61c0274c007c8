#include "faults/powerfs/durability.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <random>
#include <set>

#include "spdlog/spdlog.h"

namespace raftlab::faults::powerfs {
namespace {

constexpr off_t kBlock = 4096;

bool PreadAll(int fd, std::string* out, size_t size, off_t offset) {
  out->resize(size);
  size_t done = 0;
  while (done < size) {
    ssize_t n = ::pread(fd, out->data() + done, size - done, offset + static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      out->resize(done);
      return n == 0;
    }
    done += static_cast<size_t>(n);
  }
  return true;
}

bool PwriteAll(int fd, const std::string& data, off_t offset) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::pwrite(fd, data.data() + done, data.size() - done, offset + static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

off_t SizeOf(int fd) {
  struct stat st;
  return ::fstat(fd, &st) == 0 ? st.st_size : -1;
}

std::string Parent(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? "" : path.substr(0, slash);
}

// Stable across runs, unlike std::hash, so a torn write replays from its seed.
uint64_t Fnv1a(const std::string& s) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ULL;
  return h;
}

// Removes a file or a whole tree under dir_fd.
int RemoveTree(int dir_fd, const char* name) {
  if (::unlinkat(dir_fd, name, 0) == 0) return 0;
  if (errno != EISDIR && errno != EPERM) return -errno;
  const int fd = ::openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return -errno;
  DIR* d = ::fdopendir(fd);
  if (d == nullptr) {
    ::close(fd);
    return -errno;
  }
  std::vector<std::string> children;
  while (dirent* e = ::readdir(d)) {
    if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0) children.emplace_back(e->d_name);
  }
  for (const auto& c : children) RemoveTree(::dirfd(d), c.c_str());
  ::closedir(d);
  return ::unlinkat(dir_fd, name, AT_REMOVEDIR) == 0 ? 0 : -errno;
}

bool DirIsEmpty(int root_fd, const std::string& path, int* err) {
  const int fd = ::openat(root_fd, path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    *err = errno;
    return false;
  }
  DIR* d = ::fdopendir(fd);
  bool empty = true;
  while (dirent* e = ::readdir(d)) {
    if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0) empty = false;
  }
  ::closedir(d);
  *err = ENOTEMPTY;
  return empty;
}

}  // namespace

DurabilityTracker::DurabilityTracker(int root_fd, std::string graveyard)
    : root_fd_(root_fd), graveyard_(std::move(graveyard)) {}

DurabilityTracker::~DurabilityTracker() { ForgetFiles(); }

absl::Status DurabilityTracker::Init() {
  if (int rc = RemoveTree(root_fd_, graveyard_.c_str()); rc != 0 && rc != -ENOENT) {
    return absl::UnavailableError("cannot empty the graveyard " + graveyard_ + ": " + std::strerror(-rc));
  }
  if (::mkdirat(root_fd_, graveyard_.c_str(), 0700) != 0) {
    return absl::UnavailableError("cannot create the graveyard " + graveyard_ + ": " + std::strerror(errno));
  }
  return absl::OkStatus();
}

DurabilityTracker::FileLog* DurabilityTracker::LogFor(int fd, const std::string& path, ino_t* ino) {
  struct stat st;
  if (::fstat(fd, &st) != 0) return nullptr;
  *ino = st.st_ino;
  FileLog& f = files_[st.st_ino];
  if (f.fd < 0) f.fd = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (!path.empty()) f.path = path;
  return &f;
}

ssize_t DurabilityTracker::Write(int fd, const std::string& path, const char* buf, size_t size, off_t offset,
                                 bool append) {
  std::lock_guard<std::mutex> l(mu_);
  ino_t ino;
  FileLog* f = LogFor(fd, path, &ino);
  if (f == nullptr) return -errno;
  const off_t old_size = SizeOf(fd);
  if (append) offset = old_size;
  DataUndo u{++seq_, offset, size, old_size, {}};
  if (offset < old_size) {
    const size_t overlap = static_cast<size_t>(std::min<off_t>(old_size - offset, static_cast<off_t>(size)));
    if (!PreadAll(fd, &u.before, overlap, offset)) return -errno;
  }
  const ssize_t n = ::pwrite(fd, buf, size, offset);
  if (n < 0) return -errno;
  u.length = static_cast<uint64_t>(n);
  f->bytes += u.length;
  f->log.push_back(std::move(u));
  return n;
}

int DurabilityTracker::Truncate(int fd, const std::string& path, off_t size) {
  std::lock_guard<std::mutex> l(mu_);
  ino_t ino;
  FileLog* f = LogFor(fd, path, &ino);
  if (f == nullptr) return -errno;
  const off_t old_size = SizeOf(fd);
  DataUndo u{++seq_, size, 0, old_size, {}};
  if (size < old_size && !PreadAll(fd, &u.before, static_cast<size_t>(old_size - size), size)) return -errno;
  if (::ftruncate(fd, size) != 0) return -errno;
  f->log.push_back(std::move(u));
  return 0;
}

int DurabilityTracker::Fallocate(int fd, const std::string& path, int mode, off_t offset, off_t length) {
  std::lock_guard<std::mutex> l(mu_);
  if (mode != 0) return ::fallocate(fd, mode, offset, length) == 0 ? 0 : -errno;
  ino_t ino;
  FileLog* f = LogFor(fd, path, &ino);
  if (f == nullptr) return -errno;
  const off_t old_size = SizeOf(fd);
  if (::fallocate(fd, 0, offset, length) != 0) return -errno;
  if (offset + length > old_size) f->log.push_back({++seq_, old_size, 0, old_size, {}});
  return 0;
}

int DurabilityTracker::Sync(int fd, bool datasync) {
  uint64_t upto;
  {
    std::lock_guard<std::mutex> l(mu_);
    upto = seq_;
  }
  if ((datasync ? ::fdatasync(fd) : ::fsync(fd)) != 0) return -errno;
  struct stat st;
  if (::fstat(fd, &st) != 0) return -errno;
  std::lock_guard<std::mutex> l(mu_);
  auto it = files_.find(st.st_ino);
  if (it == files_.end()) return 0;
  auto& log = it->second.log;
  log.erase(std::remove_if(log.begin(), log.end(), [upto](const DataUndo& u) { return u.seq <= upto; }), log.end());
  if (log.empty()) {
    ::close(it->second.fd);
    files_.erase(it);
  } else {
    it->second.bytes = 0;
    for (const auto& u : log) it->second.bytes += u.length;
  }
  return 0;
}

void DurabilityTracker::Created(const std::string& path, bool is_dir) {
  std::lock_guard<std::mutex> l(mu_);
  names_.push_back({NameUndo::Kind::kCreated, ++seq_, path, "", "", is_dir});
}

std::string DurabilityTracker::NewGrave() { return graveyard_ + "/" + std::to_string(++graves_); }

int DurabilityTracker::Remove(const std::string& path, bool is_dir) {
  std::lock_guard<std::mutex> l(mu_);
  struct stat st;
  if (::fstatat(root_fd_, path.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return -errno;
  if (is_dir != S_ISDIR(st.st_mode)) return is_dir ? -ENOTDIR : -EISDIR;
  int err = 0;
  if (is_dir && !DirIsEmpty(root_fd_, path, &err)) return -err;
  const std::string grave = NewGrave();
  if (::renameat(root_fd_, path.c_str(), root_fd_, grave.c_str()) != 0) return -errno;
  names_.push_back({NameUndo::Kind::kRemoved, ++seq_, path, "", grave, is_dir});
  return 0;
}

int DurabilityTracker::Rename(const std::string& from, const std::string& to, unsigned int flags) {
  if (flags & ~static_cast<unsigned int>(RENAME_NOREPLACE)) return -EINVAL;
  std::lock_guard<std::mutex> l(mu_);
  struct stat src, dst;
  if (::fstatat(root_fd_, from.c_str(), &src, AT_SYMLINK_NOFOLLOW) != 0) return -errno;
  std::string grave;
  if (::fstatat(root_fd_, to.c_str(), &dst, AT_SYMLINK_NOFOLLOW) == 0) {
    if (flags & RENAME_NOREPLACE) return -EEXIST;
    if (src.st_ino == dst.st_ino && src.st_dev == dst.st_dev) return 0;
    if (S_ISDIR(src.st_mode) && !S_ISDIR(dst.st_mode)) return -ENOTDIR;
    if (!S_ISDIR(src.st_mode) && S_ISDIR(dst.st_mode)) return -EISDIR;
    int err = 0;
    if (S_ISDIR(dst.st_mode) && !DirIsEmpty(root_fd_, to, &err)) return -err;
    grave = NewGrave();
    if (::renameat(root_fd_, to.c_str(), root_fd_, grave.c_str()) != 0) return -errno;
  }
  if (::renameat(root_fd_, from.c_str(), root_fd_, to.c_str()) != 0) {
    const int err = errno;
    if (!grave.empty()) ::renameat(root_fd_, grave.c_str(), root_fd_, to.c_str());
    return -err;
  }
  names_.push_back({NameUndo::Kind::kRenamed, ++seq_, from, to, grave, S_ISDIR(src.st_mode)});
  return 0;
}

void DurabilityTracker::Bury(const NameUndo& n) {
  if (n.grave.empty()) return;
  struct stat st;
  if (::fstatat(root_fd_, n.grave.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
    if (auto it = files_.find(st.st_ino); it != files_.end() && st.st_nlink <= 1) {
      ::close(it->second.fd);
      files_.erase(it);
    }
  }
  if (int rc = RemoveTree(root_fd_, n.grave.c_str()); rc != 0) {
    spdlog::warn("powerfs: cannot delete grave={} error=\"{}\"", n.grave, std::strerror(-rc));
  }
}

int DurabilityTracker::SyncDir(const std::string& dir_path) {
  uint64_t upto;
  {
    std::lock_guard<std::mutex> l(mu_);
    upto = seq_;
  }
  const int fd = ::openat(root_fd_, dir_path.empty() ? "." : dir_path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return -errno;
  const int rc = ::fsync(fd) == 0 ? 0 : -errno;
  ::close(fd);
  if (rc != 0) return rc;
  std::lock_guard<std::mutex> l(mu_);
  std::vector<NameUndo> keep;
  for (auto& n : names_) {
    const bool here = Parent(n.path) == dir_path || (n.kind == NameUndo::Kind::kRenamed && Parent(n.to) == dir_path);
    if (n.seq <= upto && here) {
      Bury(n);
    } else {
      keep.push_back(std::move(n));
    }
  }
  names_ = std::move(keep);
  return 0;
}

void DurabilityTracker::UndoData(FileLog& f, size_t keep_entries, LossReport* r) {
  for (size_t i = f.log.size(); i-- > keep_entries;) {
    const DataUndo& u = f.log[i];
    if (::ftruncate(f.fd, u.old_size) != 0 || !PwriteAll(f.fd, u.before, u.offset)) {
      r->errors.push_back(f.path + ": undo of a write at offset " + std::to_string(u.offset) + ": " +
                          std::strerror(errno));
    }
    r->dropped_bytes += u.length;
  }
  f.log.resize(std::min(keep_entries, f.log.size()));
}

void DurabilityTracker::UndoNames(LossReport* r) {
  for (size_t i = names_.size(); i-- > 0;) {
    const NameUndo& n = names_[i];
    int rc = 0;
    switch (n.kind) {
      case NameUndo::Kind::kCreated:
        rc = RemoveTree(root_fd_, n.path.c_str());
        break;
      case NameUndo::Kind::kRemoved:
        rc = ::renameat(root_fd_, n.grave.c_str(), root_fd_, n.path.c_str()) == 0 ? 0 : -errno;
        break;
      case NameUndo::Kind::kRenamed:
        rc = ::renameat(root_fd_, n.to.c_str(), root_fd_, n.path.c_str()) == 0 ? 0 : -errno;
        if (rc == 0 && !n.grave.empty()) {
          rc = ::renameat(root_fd_, n.grave.c_str(), root_fd_, n.to.c_str()) == 0 ? 0 : -errno;
        }
        break;
    }
    // A later durable change may have moved the name already (e.g. a create in an
    // unsynced directory renamed into a synced one): that change stands.
    if (rc != 0 && rc != -ENOENT) r->errors.push_back("undo of a change to " + n.path + ": " + std::strerror(-rc));
    ++r->namespace_ops;
  }
  names_.clear();
}

void DurabilityTracker::ForgetFiles() {
  for (auto& [ino, f] : files_) ::close(f.fd);
  files_.clear();
}

LossReport DurabilityTracker::PowerLoss(const TornSpec* torn) {
  std::lock_guard<std::mutex> l(mu_);
  LossReport r;
  for (auto& [ino, f] : files_) {
    ++r.files;
    const bool selected = torn != nullptr && (torn->path == "*" || torn->path == f.path);
    if (!selected) {
      UndoData(f, 0, &r);
      continue;
    }
    const uint64_t seed = torn->seed ^ Fnv1a(f.path);
    if (torn->kind == TornSpec::Kind::kBlocks) {
      // Keep a random half of the blocks the lost writes touched, at their newest content.
      std::mt19937_64 rng(seed);
      std::set<off_t> touched;
      for (const auto& u : f.log) {
        for (off_t b = u.offset / kBlock; u.length > 0 && b <= (u.offset + static_cast<off_t>(u.length) - 1) / kBlock; ++b) {
          touched.insert(b);
        }
      }
      const off_t size = SizeOf(f.fd);
      std::vector<std::pair<off_t, std::string>> kept;
      for (off_t b : touched) {
        if (rng() % 2 == 0 || b * kBlock >= size) continue;
        std::string data;
        PreadAll(f.fd, &data, static_cast<size_t>(std::min(kBlock, size - b * kBlock)), b * kBlock);
        kept.emplace_back(b * kBlock, std::move(data));
      }
      UndoData(f, 0, &r);
      for (const auto& [offset, data] : kept) {
        PwriteAll(f.fd, data, offset);
        r.kept_bytes += data.size();
      }
      r.dropped_bytes -= std::min(r.dropped_bytes, static_cast<uint64_t>(r.kept_bytes));
      continue;
    }
    uint64_t keep = torn->prefix_bytes;
    if (torn->kind == TornSpec::Kind::kRandomPrefix) {
      std::mt19937_64 rng(seed);
      keep = std::uniform_int_distribution<uint64_t>(0, f.bytes)(rng);
    }
    // Whole writes within the prefix stay; the write it ends in keeps its first bytes.
    size_t whole = 0;
    uint64_t covered = 0;
    while (whole < f.log.size() && covered + f.log[whole].length <= keep) covered += f.log[whole++].length;
    UndoData(f, whole + 1, &r);
    if (whole < f.log.size()) {
      const DataUndo& u = f.log[whole];
      std::string partial;
      PreadAll(f.fd, &partial, static_cast<size_t>(keep - covered), u.offset);
      UndoData(f, whole, &r);
      PwriteAll(f.fd, partial, u.offset);
      r.dropped_bytes -= partial.size();
      covered += partial.size();
    }
    r.kept_bytes += covered;
  }
  ForgetFiles();
  UndoNames(&r);
  return r;
}

LossReport DurabilityTracker::LoseUnsynced() { return PowerLoss(nullptr); }

LossReport DurabilityTracker::Torn(const TornSpec& spec) { return PowerLoss(&spec); }

LossReport DurabilityTracker::Checkpoint() {
  std::lock_guard<std::mutex> l(mu_);
  LossReport r;
  for (const auto& [ino, f] : files_) {
    ++r.files;
    r.kept_bytes += f.bytes;
  }
  ForgetFiles();
  for (const auto& n : names_) Bury(n);
  r.namespace_ops = names_.size();
  names_.clear();
  return r;
}

std::vector<UnsyncedFile> DurabilityTracker::Report(uint64_t* namespace_ops) {
  std::lock_guard<std::mutex> l(mu_);
  std::vector<UnsyncedFile> out;
  for (const auto& [ino, f] : files_) out.push_back({f.path, f.bytes});
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.path < b.path; });
  *namespace_ops = names_.size();
  return out;
}

}  // namespace raftlab::faults::powerfs
