// The one catalogue of raftlab's named fault points.
//
// Every point is a libfiu failure point named raftlab/<component>/<what>. Production code
// guards the failing operation with faults::ShouldFail(point.name); the check costs one
// branch on a libfiu lookup when RAFTLAB_FAULTS=ON and compiles to `false` when OFF.
// Points are switched on by faults::Enable (tests), by fiu-ctrl through the remote-control
// FIFO that faults::OpenRemoteControl creates, or by the Admin API, which enumerates
// AllFaultPoints() for names and descriptions.
//
// To add a point: declare it below with a comment saying what fails and how the code
// reacts, then append it to kAllFaultPoints; faults_test checks names and completeness.
#ifndef RAFTLAB_FAULTS_POINTS_H_
#define RAFTLAB_FAULTS_POINTS_H_

#include <array>
#include <span>
#include <string_view>

namespace raftlab::faults {

// A named place in the code that can be made to fail on command.
struct FaultPoint {
  // libfiu name, raftlab/<component>/<what>; a NUL-terminated literal.
  const char* name;
  // One sentence for operators: what fails when the point is enabled.
  std::string_view description;
};

// A WAL record write fails as if write(2) returned EIO; the WAL fails stop (exit 75).
inline constexpr FaultPoint kWalWrite{
    "raftlab/wal/write", "WAL record write fails with EIO; the process fail-stops (exit 75)"};

// The fsync after a WAL append fails as if fsync(2) returned EIO; the WAL fails stop.
inline constexpr FaultPoint kWalFsync{
    "raftlab/wal/fsync", "WAL fsync fails with EIO; the process fail-stops (exit 75)"};

// Opening a WAL segment fails; Wal::Open returns an error naming the segment.
inline constexpr FaultPoint kWalOpen{
    "raftlab/wal/open", "opening a WAL segment fails; WAL open returns an error"};

// Writing a snapshot file fails before its rename; the temp file is removed, the previous
// snapshot stays current and the writer returns an error.
inline constexpr FaultPoint kSnapshotWrite{
    "raftlab/snapshot/write", "snapshot file write fails; the temp file is discarded"};

// Loading a snapshot file fails as if it were unreadable; the loader returns an error.
inline constexpr FaultPoint kSnapshotLoad{
    "raftlab/snapshot/load", "snapshot file load fails; the loader returns an error"};

// The state machine's RocksDB write batch fails before it is written; Apply returns an
// error and neither data nor the applied index moves.
inline constexpr FaultPoint kFsmCommit{
    "raftlab/fsm/commit", "state-machine write batch fails; Apply returns an error"};

// An outbound raft message batch is dropped instead of sent, as if the network lost it;
// the dispatcher reports the peer unreachable. Use a probability to make links lossy.
inline constexpr FaultPoint kTransportSend{
    "raftlab/transport/send", "outbound raft message batch is dropped (lossy link)"};

// An outbound raft message batch is held back before sending for failinfo milliseconds
// (default 100), as a slow link would; libfiu's failinfo carries the delay.
inline constexpr FaultPoint kTransportDelay{
    "raftlab/transport/delay", "outbound raft batch is delayed by failinfo ms (default 100)"};

// Streaming a snapshot to a peer fails midway; the leader reports the snapshot failed and
// retries later.
inline constexpr FaultPoint kSnapshotSend{
    "raftlab/snapshot/send", "snapshot stream to a peer fails; reported as a failed snapshot"};

// A received snapshot is refused before it is installed; the follower keeps its old state
// and the leader retries.
inline constexpr FaultPoint kSnapshotApply{
    "raftlab/snapshot/apply", "received snapshot is refused before install; the leader retries"};

// Crash points (etcd-robustness style): when one fires, the process exits at once with
// kCrashPointExitCode (faults::CrashAt), at a moment a random kill rarely hits. The harness's
// crash-point nemesis enables one with a probability and restarts the node.

// A leader's replication messages (MsgApp, heartbeats) left before its own WAL write, and
// that write has not happened: followers may hold entries the leader forgets on restart.
inline constexpr FaultPoint kCrashBeforeWalSave{
    "raftlab/crash/before_wal_save", "exit after a leader sent its appends, before its own WAL write"};

// The Ready's entries and hard state are in the WAL (fsynced); the messages that vouch for
// them (acks, votes) are not sent (a leader's replication may have left before the write).
inline constexpr FaultPoint kCrashAfterWalSave{
    "raftlab/crash/after_wal_save", "exit right after the WAL fsync, before the Ready's remaining messages are sent"};

// The Ready's messages went to the dispatcher; its committed entries are not applied.
inline constexpr FaultPoint kCrashAfterSend{
    "raftlab/crash/after_send", "exit right after sending a Ready's messages, before applying"};

// Committed entries are about to reach the state machine.
inline constexpr FaultPoint kCrashBeforeApply{
    "raftlab/crash/before_apply", "exit right before committed entries are applied"};

// A local snapshot was saved and the WAL purged behind it.
inline constexpr FaultPoint kCrashAfterSnapshotSave{
    "raftlab/crash/after_snapshot_save", "exit right after a local snapshot is saved and the WAL purged"};

// A Ready granted a vote and its messages went to the dispatcher: the vote is on its way
// (the hard state holding it is in the WAL). A restart here tests that the vote survives.
inline constexpr FaultPoint kCrashAfterVote{
    "raftlab/crash/after_vote", "exit right after a Ready that grants a vote is sent"};

// Crash points at each stage of the node log's batched write (storage::NodeWal), whose
// batch holds the records of several groups. A batch is about to be written: nothing of it
// is in the file.
inline constexpr FaultPoint kCrashWalBatchBeforeWrite{
    "raftlab/crash/wal_batch_before_write", "exit right before a WAL batch is written"};

// Part of a batch reaches the file, cut inside a record of its second request (a torn
// batch spanning groups), then the process exits.
inline constexpr FaultPoint kCrashWalBatchTornWrite{
    "raftlab/crash/wal_batch_torn_write", "write part of a WAL batch, then exit (a torn batch)"};

// The batch was written but not fdatasynced (a process crash keeps it in the page cache).
inline constexpr FaultPoint kCrashWalBatchBeforeSync{
    "raftlab/crash/wal_batch_before_sync", "exit after a WAL batch is written, before its fdatasync"};

// The batch is durable and no group has been told.
inline constexpr FaultPoint kCrashWalBatchAfterSync{
    "raftlab/crash/wal_batch_after_sync", "exit after a WAL batch's fdatasync, before its groups are woken"};

inline constexpr std::array kAllFaultPoints{
    kWalWrite,      kWalFsync,       kWalOpen,      kSnapshotWrite, kSnapshotLoad,
    kFsmCommit,     kTransportSend,  kTransportDelay, kSnapshotSend, kSnapshotApply,
    kCrashBeforeWalSave, kCrashAfterWalSave, kCrashAfterSend, kCrashBeforeApply, kCrashAfterSnapshotSave, kCrashAfterVote,
    kCrashWalBatchBeforeWrite, kCrashWalBatchTornWrite, kCrashWalBatchBeforeSync, kCrashWalBatchAfterSync,
};

// Every catalogued point, for enumeration by the Admin API and fault tooling.
std::span<const FaultPoint> AllFaultPoints();

// Whether fault points are compiled in (RAFTLAB_FAULTS=ON).
constexpr bool FaultsCompiledIn() {
#ifdef FIU_ENABLE
  return true;
#else
  return false;
#endif
}

// True when the point is enabled and libfiu decides it fails this time. The guarded code
// then simulates its failure. Always false when fault points are compiled out.
bool ShouldFailSlow(const char* name);
// As ShouldFail; when the point fires, *failinfo receives libfiu's failinfo as an integer
// (e.g. a delay in milliseconds), 0 when none was given.
bool ShouldFailWithInfoSlow(const char* name, long* failinfo);
inline bool ShouldFailWithInfo(const FaultPoint& point, long* failinfo) {
  if constexpr (!FaultsCompiledIn()) {
    *failinfo = 0;
    return false;
  } else {
    return ShouldFailWithInfoSlow(point.name, failinfo);
  }
}
inline bool ShouldFail(const FaultPoint& point) {
  if constexpr (!FaultsCompiledIn()) {
    return false;
  } else {
    return ShouldFailSlow(point.name);
  }
}

}  // namespace raftlab::faults

#endif  // RAFTLAB_FAULTS_POINTS_H_
