#define FUSE_USE_VERSION 312
#include "faults/powerfs/filesystem.h"

#include <dirent.h>
#include <fcntl.h>
#include <fuse3/fuse.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "faults/powerfs/control.h"
#include "faults/powerfs/unmount_watcher.h"
#include "spdlog/spdlog.h"

namespace raftlab::faults::powerfs {
namespace {

constexpr char kGraveyard[] = ".powerfs-graveyard";

// The mounted filesystem's state, reached from every operation through fuse_get_context().
struct Fs {
  int root_fd = -1;
  std::string lie_on_fsync;
  std::unique_ptr<DurabilityTracker> tracker;
};

// One open file: the backing descriptor (read-write whenever the opener may write, so the
// tracker can read what a write overwrites) and whether writes go to the end.
struct Handle {
  int fd = -1;
  bool append = false;
  std::string path;
};

Fs& State() { return *static_cast<Fs*>(fuse_get_context()->private_data); }
Handle* HandleOf(const fuse_file_info* fi) { return reinterpret_cast<Handle*>(fi->fh); }

// "/a/b" -> "a/b"; the root is "".
std::string Rel(const char* path) {
  if (path == nullptr) return "";
  while (*path == '/') ++path;
  return path;
}
const char* At(const std::string& rel) { return rel.empty() ? "." : rel.c_str(); }
bool Hidden(const std::string& rel) {
  return rel.compare(0, sizeof(kGraveyard) - 1, kGraveyard) == 0 &&
         (rel.size() == sizeof(kGraveyard) - 1 || rel[sizeof(kGraveyard) - 1] == '/');
}
int Errno(int rc) { return rc == 0 ? 0 : -errno; }

void* Init(fuse_conn_info* conn, fuse_config* cfg) {
  cfg->use_ino = 1;
  cfg->entry_timeout = 0;
  cfg->attr_timeout = 0;
  cfg->negative_timeout = 0;
  cfg->hard_remove = 1;
  cfg->nullpath_ok = 1;
  cfg->kernel_cache = 0;
  cfg->auto_cache = 0;
  conn->want &= ~static_cast<unsigned>(FUSE_CAP_ATOMIC_O_TRUNC | FUSE_CAP_WRITEBACK_CACHE);
  return fuse_get_context()->private_data;
}

int GetAttr(const char* path, struct stat* st, fuse_file_info* fi) {
  if (fi != nullptr) return Errno(::fstat(HandleOf(fi)->fd, st));
  const std::string rel = Rel(path);
  if (Hidden(rel)) return -ENOENT;
  return Errno(::fstatat(State().root_fd, At(rel), st, AT_SYMLINK_NOFOLLOW));
}

int Access(const char* path, int mask) { return Errno(::faccessat(State().root_fd, At(Rel(path)), mask, 0)); }

int ReadLink(const char* path, char* buf, size_t size) {
  const ssize_t n = ::readlinkat(State().root_fd, At(Rel(path)), buf, size - 1);
  if (n < 0) return -errno;
  buf[n] = '\0';
  return 0;
}

int MkNod(const char* path, mode_t mode, dev_t dev) {
  const std::string rel = Rel(path);
  if (::mknodat(State().root_fd, rel.c_str(), mode, dev) != 0) return -errno;
  State().tracker->Created(rel, false);
  return 0;
}

int MkDir(const char* path, mode_t mode) {
  const std::string rel = Rel(path);
  if (::mkdirat(State().root_fd, rel.c_str(), mode) != 0) return -errno;
  State().tracker->Created(rel, true);
  return 0;
}

int Unlink(const char* path) { return State().tracker->Remove(Rel(path), false); }
int RmDir(const char* path) { return State().tracker->Remove(Rel(path), true); }

int SymLink(const char* target, const char* path) {
  const std::string rel = Rel(path);
  if (::symlinkat(target, State().root_fd, rel.c_str()) != 0) return -errno;
  State().tracker->Created(rel, false);
  return 0;
}

int Rename(const char* from, const char* to, unsigned int flags) {
  return State().tracker->Rename(Rel(from), Rel(to), flags);
}

int Link(const char* from, const char* to) {
  const std::string rel = Rel(to);
  if (::linkat(State().root_fd, Rel(from).c_str(), State().root_fd, rel.c_str(), 0) != 0) return -errno;
  State().tracker->Created(rel, false);
  return 0;
}

int ChMod(const char* path, mode_t mode, fuse_file_info* fi) {
  if (fi != nullptr) return Errno(::fchmod(HandleOf(fi)->fd, mode));
  return Errno(::fchmodat(State().root_fd, At(Rel(path)), mode, 0));
}

int ChOwn(const char* path, uid_t uid, gid_t gid, fuse_file_info* fi) {
  if (fi != nullptr) return Errno(::fchown(HandleOf(fi)->fd, uid, gid));
  return Errno(::fchownat(State().root_fd, At(Rel(path)), uid, gid, AT_SYMLINK_NOFOLLOW));
}

int Truncate(const char* path, off_t size, fuse_file_info* fi) {
  if (fi != nullptr) return State().tracker->Truncate(HandleOf(fi)->fd, HandleOf(fi)->path, size);
  const std::string rel = Rel(path);
  const int fd = ::openat(State().root_fd, rel.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) return -errno;
  const int rc = State().tracker->Truncate(fd, rel, size);
  ::close(fd);
  return rc;
}

int UTimeNs(const char* path, const timespec tv[2], fuse_file_info* fi) {
  if (fi != nullptr) return Errno(::futimens(HandleOf(fi)->fd, tv));
  return Errno(::utimensat(State().root_fd, At(Rel(path)), tv, AT_SYMLINK_NOFOLLOW));
}

// Opens the backing file; O_APPEND and O_TRUNC are applied by us so the tracker sees them.
int OpenBacking(const std::string& rel, int flags, mode_t mode, fuse_file_info* fi) {
  const bool append = flags & O_APPEND, trunc = flags & O_TRUNC;
  flags &= ~(O_APPEND | O_TRUNC);
  const int access = flags & O_ACCMODE;
  int fd = ::openat(State().root_fd, rel.c_str(), (flags & ~O_ACCMODE) | (access == O_RDONLY ? O_RDONLY : O_RDWR) | O_CLOEXEC,
                    mode);
  if (fd < 0 && errno == EACCES && access == O_WRONLY) fd = ::openat(State().root_fd, rel.c_str(), flags | O_CLOEXEC, mode);
  if (fd < 0) return -errno;
  auto* h = new Handle{fd, append, rel};
  if (trunc && access != O_RDONLY) {
    if (int rc = State().tracker->Truncate(fd, rel, 0); rc != 0) {
      ::close(fd);
      delete h;
      return rc;
    }
  }
  fi->fh = reinterpret_cast<uint64_t>(h);
  fi->keep_cache = 0;
  fi->direct_io = 0;
  return 0;
}

int Open(const char* path, fuse_file_info* fi) { return OpenBacking(Rel(path), fi->flags, 0, fi); }

int Create(const char* path, mode_t mode, fuse_file_info* fi) {
  const std::string rel = Rel(path);
  struct stat st;
  const bool existed = ::fstatat(State().root_fd, rel.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0;
  if (int rc = OpenBacking(rel, fi->flags | O_CREAT, mode, fi); rc != 0) return rc;
  if (!existed) State().tracker->Created(rel, false);
  return 0;
}

int Read(const char*, char* buf, size_t size, off_t offset, fuse_file_info* fi) {
  const ssize_t n = ::pread(HandleOf(fi)->fd, buf, size, offset);
  return n < 0 ? -errno : static_cast<int>(n);
}

int Write(const char*, const char* buf, size_t size, off_t offset, fuse_file_info* fi) {
  Handle* h = HandleOf(fi);
  const ssize_t n = State().tracker->Write(h->fd, h->path, buf, size, offset, h->append);
  return static_cast<int>(n);
}

int StatFs(const char*, struct statvfs* st) { return Errno(::fstatvfs(State().root_fd, st)); }

int Release(const char*, fuse_file_info* fi) {
  Handle* h = HandleOf(fi);
  ::close(h->fd);
  delete h;
  return 0;
}

int FSync(const char*, int datasync, fuse_file_info* fi) {
  const std::string& path = HandleOf(fi)->path;
  const std::string& lie = State().lie_on_fsync;
  if (!lie.empty() && path.size() >= lie.size() && path.compare(path.size() - lie.size(), lie.size(), lie) == 0) return 0;
  return State().tracker->Sync(HandleOf(fi)->fd, datasync != 0);
}

// With nullpath_ok, operations on an open directory get no path: the handle keeps it.
int OpenDir(const char* path, fuse_file_info* fi) {
  const std::string rel = Rel(path);
  if (Hidden(rel)) return -ENOENT;
  fi->fh = reinterpret_cast<uint64_t>(new std::string(rel));
  return 0;
}
const std::string& DirOf(const fuse_file_info* fi) { return *reinterpret_cast<const std::string*>(fi->fh); }

int ReleaseDir(const char*, fuse_file_info* fi) {
  delete reinterpret_cast<std::string*>(fi->fh);
  return 0;
}

int ReadDir(const char*, void* buf, fuse_fill_dir_t fill, off_t, fuse_file_info* fi, fuse_readdir_flags) {
  const std::string& rel = DirOf(fi);
  const int fd = ::openat(State().root_fd, At(rel), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return -errno;
  DIR* d = ::fdopendir(fd);
  if (d == nullptr) {
    ::close(fd);
    return -errno;
  }
  while (dirent* e = ::readdir(d)) {
    if (rel.empty() && std::strcmp(e->d_name, kGraveyard) == 0) continue;
    struct stat st {};
    st.st_ino = e->d_ino;
    st.st_mode = static_cast<mode_t>(e->d_type) << 12;
    if (fill(buf, e->d_name, &st, 0, static_cast<fuse_fill_dir_flags>(0)) != 0) break;
  }
  ::closedir(d);
  return 0;
}

int FSyncDir(const char*, int, fuse_file_info* fi) { return State().tracker->SyncDir(DirOf(fi)); }

int FAllocate(const char*, int mode, off_t offset, off_t length, fuse_file_info* fi) {
  Handle* h = HandleOf(fi);
  return State().tracker->Fallocate(h->fd, h->path, mode, offset, length);
}

fuse_operations Operations() {
  fuse_operations op{};
  op.init = Init;
  op.getattr = GetAttr;
  op.access = Access;
  op.readlink = ReadLink;
  op.mknod = MkNod;
  op.mkdir = MkDir;
  op.unlink = Unlink;
  op.rmdir = RmDir;
  op.symlink = SymLink;
  op.rename = Rename;
  op.link = Link;
  op.chmod = ChMod;
  op.chown = ChOwn;
  op.truncate = Truncate;
  op.utimens = UTimeNs;
  op.open = Open;
  op.create = Create;
  op.read = Read;
  op.write = Write;
  op.statfs = StatFs;
  op.release = Release;
  op.fsync = FSync;
  op.opendir = OpenDir;
  op.readdir = ReadDir;
  op.releasedir = ReleaseDir;
  op.fsyncdir = FSyncDir;
  op.fallocate = FAllocate;
  return op;
}

bool OnPath(const std::string& program) {
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/bin:/bin";
  for (size_t start = 0; start <= dirs.size();) {
    size_t colon = dirs.find(':', start);
    std::string dir = dirs.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
    if (!dir.empty() && ::access((dir + "/" + program).c_str(), X_OK) == 0) return true;
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  return false;
}

}  // namespace

absl::Status CheckFuseAvailable() {
  const int fd = ::open("/dev/fuse", O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    return absl::FailedPreconditionError(
        std::string("FUSE is not available: /dev/fuse: ") + std::strerror(errno) +
        " (load the fuse kernel module; in a container pass --device /dev/fuse and allow mounts)");
  }
  ::close(fd);
  if (!OnPath("fusermount3")) {
    return absl::FailedPreconditionError(
        "FUSE is not available: fusermount3 is not on PATH (install the fuse3 package; it unmounts the "
        "filesystem when raftlab-powerfs dies)");
  }
  return absl::OkStatus();
}

absl::Status MountAndServe(const MountOptions& o) {
  if (auto s = CheckFuseAvailable(); !s.ok()) return s;
  Fs fs;
  fs.lie_on_fsync = o.lie_on_fsync;
  fs.root_fd = ::open(o.backing.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fs.root_fd < 0) return absl::InvalidArgumentError("--backing " + o.backing + ": " + std::strerror(errno));
  fs.tracker = std::make_unique<DurabilityTracker>(fs.root_fd, kGraveyard);
  if (auto s = fs.tracker->Init(); !s.ok()) return absl::UnavailableError("--backing " + o.backing + ": " + std::string(s.message()));
  std::error_code ec;
  if (!std::filesystem::is_directory(o.mountpoint, ec)) {
    return absl::InvalidArgumentError("--mountpoint " + o.mountpoint + ": not a directory");
  }

  // Forked before the mount and before any thread starts.
  auto watcher = UnmountWatcher::Start(std::filesystem::absolute(o.mountpoint, ec).string());
  if (!watcher.ok()) return watcher.status();
  const char* argv[] = {"raftlab-powerfs", "-o", "auto_unmount,fsname=raftlab-powerfs,subtype=powerfs"};
  fuse_args args = FUSE_ARGS_INIT(3, const_cast<char**>(argv));
  const fuse_operations ops = Operations();
  fuse* f = fuse_new(&args, &ops, sizeof ops, &fs);
  fuse_opt_free_args(&args);
  if (f == nullptr) return absl::InternalError("fuse_new failed (see the message above)");
  if (fuse_mount(f, o.mountpoint.c_str()) != 0) {
    fuse_destroy(f);
    return absl::UnavailableError("cannot mount on " + o.mountpoint + " (see the message above)");
  }
  fuse_session* se = fuse_get_session(f);
  fuse_set_signal_handlers(se);
  absl::Status status;
  {
    auto control = ControlServer::Start(
        o.control, [&fs](const std::string& line) { return ExecuteCommand(*fs.tracker, line); });
    if (!control.ok()) {
      status = control.status();
    } else {
      spdlog::info("powerfs: mounted backing={} mountpoint={} control={} lie_on_fsync=\"{}\"", o.backing, o.mountpoint,
                   o.control, o.lie_on_fsync);
      fuse_loop_config* cfg = fuse_loop_cfg_create();
      fuse_loop_cfg_set_clone_fd(cfg, 0);
      fuse_loop_cfg_set_max_threads(cfg, 16);
      // A nonzero result is the signal that ended the loop: a normal way to stop.
      const int rc = fuse_loop_mt(f, cfg);
      spdlog::info("powerfs: loop ended result={}", rc);
      fuse_loop_cfg_destroy(cfg);
    }
  }
  fuse_remove_signal_handlers(se);
  fuse_unmount(f);
  watcher->Finish();
  fuse_destroy(f);
  ::close(fs.root_fd);
  spdlog::info("powerfs: unmounted mountpoint={}", o.mountpoint);
  return status;
}

}  // namespace raftlab::faults::powerfs
