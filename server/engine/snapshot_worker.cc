#include "server/engine/snapshot_worker.h"

#include "server/log/thread_name.h"
#include "server/storage/snapshot_file.h"

namespace raftlab::engine {

void SnapshotWorker::Start(std::string snap_dir, raftpb::SnapshotMetadata metadata,
                           std::unique_ptr<storage::GroupImage> image) {
  // The previous build already called done; its thread is at most returning.
  if (thread_.joinable()) thread_.join();
  thread_ = std::thread([this, dir = std::move(snap_dir), metadata = std::move(metadata),
                         image = std::move(image)]() mutable {
    log::NameThisThread("snapshot");
    BuiltSnapshot out;
    out.metadata = std::move(metadata);
    Run(dir, &out, *image);
    image.reset();  // releases the pinned RocksDB snapshot before the Ready loop hears of it
    done_(std::move(out));
  });
}

void SnapshotWorker::Stop() {
  cancel_.store(true);
  if (thread_.joinable()) thread_.join();
}

void SnapshotWorker::Run(const std::string& snap_dir, BuiltSnapshot* out, const storage::GroupImage& image) {
  auto writer = storage::SnapshotWriter::Create(snap_dir, out->metadata);
  if (!writer.ok()) {
    out->status = writer.status();
    return;
  }
  out->status = image.Stream([&](std::string_view chunk) -> absl::Status {
    if (cancel_.load()) return absl::CancelledError("snapshot cancelled: the engine is stopping");
    out->image.append(chunk);
    return (*writer)->Append(chunk);
  });
  if (!out->status.ok()) return;  // the writer removes its temp file
  Step(SnapshotStep::kFileWriting);
  auto path = (*writer)->Finish();
  if (!path.ok()) {
    out->status = path.status();
    return;
  }
  Step(SnapshotStep::kFileDurable);
}

}  // namespace raftlab::engine
