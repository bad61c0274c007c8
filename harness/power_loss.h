#pragma once
// Power loss for the harness: every node's data directory on its own raftlab-powerfs
// (faults/powerfs), and the `power-loss` and `torn-write` nemeses that use them.
//
// PowerDisks mounts, for node i, <run>/node<i>.disk (the backing folder, "the platter") on
// <run>/node<i> (the server's --data-dir), before the cluster starts. Each filesystem is a
// ChildProcess (own process group, dies with the harness) mounted with auto_unmount, so
// neither a SIGKILL of the harness nor of the filesystem leaves a mount behind; mounts
// left by an earlier run on the same folder are lazily unmounted first, and teardown
// unmounts lazily if the filesystem did not manage to.
//
// Nemeses (a power loss = SIGKILL of the node, then drop its unsynced data):
//   power-loss  the whole cluster on the 1st, 3rd, ... power loss, one random node on the
//               others; the nodes restart when the fault ends
//   torn-write  the same, but each file keeps a seeded random prefix of its unsynced
//               writes (the disk wrote part of its cache before the power went)
// RAFTLAB_POWERFS_LIE_ON_FSYNC=SUFFIX (test-only) mounts every disk with --lie-on-fsync
// SUFFIX, e.g. ".wal": the WAL's appends are acknowledged without being durable.
//
// The start event's detail names the nodes and the bytes each lost, e.g.
// "whole cluster: n1 dropped 61440 B in 3 files, 2 name ops; n2 ...".
//
// Threads: one owner thread (the runner's main thread) calls everything.

#include <cstdint>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "harness/process.h"

namespace raftlab::harness {

class SystemUnderTest;
class HistoryRecorder;

// Whether the nemesis list needs the data directories on raftlab-powerfs.
bool NeedsPowerDisks(const std::vector<std::string>& nemesis);

struct PowerDiskOptions {
  std::string powerfs_binary;  // empty: beside the harness binary's build, else on PATH
  std::string run_dir;
  int nodes = 3;
};

class PowerDisks {
 public:
  // Mounts one filesystem per node and waits until each answers; the error names the
  // node and quotes the filesystem's log (e.g. FUSE not available here).
  static absl::StatusOr<std::unique_ptr<PowerDisks>> Mount(const PowerDiskOptions& options);
  ~PowerDisks();  // stops every filesystem and makes sure nothing stays mounted

  // Sends a command to node `id`'s filesystem; returns its JSON answer.
  absl::StatusOr<std::string> Command(uint64_t id, const std::string& command);
  // Makes everything written so far durable on every disk (the `checkpoint` command); the
  // error names the node.
  absl::Status CheckpointAll();
  // Removes the backing folders (after a valid run, like the data directories).
  void RemoveBacking();

  int power_losses = 0;  // how many power-loss faults have started (whole cluster on even counts)

 private:
  struct Disk {
    uint64_t id;
    std::string backing, mountpoint, control;
    std::unique_ptr<ChildProcess> process;
  };
  PowerDisks() = default;
  void Unmount(Disk& d);

  std::vector<Disk> disks_;
};

// Starts one power-loss or torn-write fault: records its start event and returns its
// detail and the undo that restarts the nodes.
struct PowerLossFault {
  std::string detail;
  std::function<void()> undo;
};
PowerLossFault StartPowerLoss(const std::string& name, SystemUnderTest& cluster, PowerDisks& disks,
                              HistoryRecorder& recorder, std::mt19937_64& rng);

}  // namespace raftlab::harness
