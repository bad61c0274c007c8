#pragma once
// SnapshotWorker: builds a group's local snapshot off the Ready loop, as etcd does, so
// writes keep committing while the state machine image is streamed and fsynced.
//
// The Ready loop pins the state machine at its applied index (StateMachine::PinImage, a
// RocksDB snapshot: no copy) and calls Start with the snapshot's metadata. The worker's
// thread streams the image into a snapshot file (temp file, fsync, rename, directory fsync)
// and into memory (the copy followers are sent), then hands the result to `done`, which
// posts it back to the Ready loop. The Ready loop then writes the WAL marker
// (DurableLog::RecordLocalSnapshot), compacts and purges. So the file is durable before
// the marker that names it, the order recovery relies on; a crash before the marker leaves
// a temp file or a file no marker names, and recovery starts from the previous snapshot.
//
// Threads: Start and Stop belong to the owner (the Ready loop thread); `done` and the step
// hook run on the worker's thread. The owner starts a build only after the previous one's
// `done` ran, so at most one is in flight.

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "raft.pb.h"
#include "server/storage/state_machine.h"

namespace raftlab::engine {

// The steps of a local snapshot, for tests that slow one down or crash at it.
enum class SnapshotStep {
  kFileWriting,  // worker: the image is in the temp file, neither fsynced nor renamed
  kFileDurable,  // worker: the file is durable under its final name; no WAL marker yet
  kMarkerSaved,  // Ready loop: the WAL marker is written and the WAL purged behind it
};
using SnapshotStepHook = std::function<void(SnapshotStep)>;

// A finished build: ok status means the file named by metadata is durable and image holds
// the same bytes.
struct BuiltSnapshot {
  raftpb::SnapshotMetadata metadata;
  absl::Status status;
  std::string image;
};

class SnapshotWorker {
 public:
  using Done = std::function<void(BuiltSnapshot)>;
  SnapshotWorker(Done done, SnapshotStepHook hook) : done_(std::move(done)), hook_(std::move(hook)) {}
  ~SnapshotWorker() { Stop(); }
  SnapshotWorker(const SnapshotWorker&) = delete;
  SnapshotWorker& operator=(const SnapshotWorker&) = delete;

  // Builds the snapshot of `image` described by `metadata` into snap_dir on a new thread.
  void Start(std::string snap_dir, raftpb::SnapshotMetadata metadata,
             std::unique_ptr<storage::GroupImage> image);
  // A running build stops at its next chunk (done gets kCancelled); waits for the thread.
  void Stop();

 private:
  void Run(const std::string& snap_dir, BuiltSnapshot* out, const storage::GroupImage& image);
  void Step(SnapshotStep step) const {
    if (hook_) hook_(step);
  }

  const Done done_;
  const SnapshotStepHook hook_;
  std::atomic<bool> cancel_{false};
  std::thread thread_;
};

}  // namespace raftlab::engine
