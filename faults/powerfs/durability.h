#pragma once
// DurabilityTracker: what a power loss would take away from the backing directory.
//
// The filesystem writes through to the backing directory at once and keeps, in memory, how
// to undo everything that is not durable yet, as a real disk with a volatile cache would
// lose it:
//   - data: per file (backing inode), an ordered log of the writes and truncates since the
//     file's last fsync/fdatasync, each with the bytes it overwrote and the size before it;
//   - names: one ordered log of creates, unlinks, rmdirs and renames since their parent
//     directory's last fsync. An unlinked name is moved into the graveyard (a hidden
//     folder of the backing directory) until that fsync, so a power loss can bring it back.
// A power loss undoes both logs newest first, which leaves exactly the durable state; a
// torn write first re-applies a prefix (or some blocks) of one file's lost writes.
//
// Rules: a file's fsync makes its data and size durable; a create/unlink/rmdir is durable
// after an fsync of its parent directory; a rename after an fsync of either parent (a
// journaling filesystem commits it as one transaction). chmod/chown/utimens are durable at
// once. `checkpoint` makes everything durable without syncing the backing disk.
//
// Thread-safe: one mutex guards both logs; Write holds it across the pwrite so the bytes
// it saves are the ones it overwrites.

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace raftlab::faults::powerfs {

// How much of the unsynced data a torn write keeps before the power loss.
struct TornSpec {
  enum class Kind { kPrefix, kRandomPrefix, kBlocks };
  Kind kind = Kind::kPrefix;
  std::string path;          // relative to the mount root; "*" = every file
  uint64_t prefix_bytes = 0;  // kPrefix: bytes of the write sequence kept
  uint64_t seed = 1;          // kRandomPrefix, kBlocks
};

// The outcome of a power loss, torn write or checkpoint.
struct LossReport {
  uint64_t dropped_bytes = 0;  // unsynced bytes written that are gone
  uint64_t kept_bytes = 0;     // unsynced bytes kept (torn writes, checkpoint)
  uint64_t files = 0;          // files that had unsynced data
  uint64_t namespace_ops = 0;  // creates/unlinks/renames undone (or made durable)
  std::vector<std::string> errors;  // undo steps that failed (logged, best effort)
};

struct UnsyncedFile {
  std::string path;  // last path it was written under, relative to the mount
  uint64_t bytes = 0;  // bytes written since its last fsync
};

class DurabilityTracker {
 public:
  // root_fd: the backing directory (owned by the caller); graveyard: a folder name in it.
  DurabilityTracker(int root_fd, std::string graveyard);
  ~DurabilityTracker();

  // Empties the graveyard left by an earlier run (its unlinks were never undone, so they
  // happened) and creates it.
  absl::Status Init();
  const std::string& graveyard() const { return graveyard_; }

  // Data. `fd` is open read-write on the backing file, `path` relative to the root.
  // Returns bytes written or -errno. append: write at the current end.
  ssize_t Write(int fd, const std::string& path, const char* buf, size_t size, off_t offset, bool append);
  int Truncate(int fd, const std::string& path, off_t size);
  // Extending fallocate (mode 0); other modes do not change the contents.
  int Fallocate(int fd, const std::string& path, int mode, off_t offset, off_t length);
  // fsync/fdatasync the backing file, then drop the undo log written before it.
  int Sync(int fd, bool datasync);

  // Names (paths relative to the root, no leading '/').
  void Created(const std::string& path, bool is_dir);
  // Moves `path` into the graveyard instead of deleting it; -errno on failure.
  int Remove(const std::string& path, bool is_dir);
  // rename(2) with flags 0 or RENAME_NOREPLACE; a replaced target goes to the graveyard.
  int Rename(const std::string& from, const std::string& to, unsigned int flags);
  // fsync the backing directory, then make its name changes durable.
  int SyncDir(const std::string& dir_path);

  // Control commands.
  LossReport LoseUnsynced();
  LossReport Torn(const TornSpec& spec);
  LossReport Checkpoint();
  std::vector<UnsyncedFile> Report(uint64_t* namespace_ops);

 private:
  struct DataUndo {
    uint64_t seq;
    off_t offset;
    uint64_t length;     // bytes written (0 for a truncate)
    off_t old_size;
    std::string before;  // bytes overwritten in [offset, min(end, old_size))
  };
  struct FileLog {
    int fd = -1;  // owned: keeps the inode reachable for undo after close or unlink
    std::string path;
    uint64_t bytes = 0;
    std::vector<DataUndo> log;
  };
  struct NameUndo {
    enum class Kind { kCreated, kRemoved, kRenamed } kind;
    uint64_t seq;
    std::string path, to, grave;  // grave: where the removed or replaced entry waits
    bool is_dir = false;
  };

  FileLog* LogFor(int fd, const std::string& path, ino_t* ino);  // mu_ held
  void UndoData(FileLog& f, size_t keep_entries, LossReport* r);  // mu_ held
  void UndoNames(LossReport* r);                                  // mu_ held
  void Bury(const NameUndo& n);                                   // mu_ held
  std::string NewGrave();                                         // mu_ held
  void ForgetFiles();                                             // mu_ held
  LossReport PowerLoss(const TornSpec* torn);

  const int root_fd_;
  const std::string graveyard_;
  std::mutex mu_;
  uint64_t seq_ = 0;                  // guarded by mu_
  uint64_t graves_ = 0;               // guarded by mu_
  std::map<ino_t, FileLog> files_;    // guarded by mu_
  std::vector<NameUndo> names_;       // guarded by mu_
};

}  // namespace raftlab::faults::powerfs
