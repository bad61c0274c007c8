// The one catalogue of raftlab's planted bugs: test-only switches that re-create a real
// class of consensus or storage bug at the code path it breaks, so the harness can prove
// it catches that class (`raftlab-harness validate`).
//
// A bug is switched on for a whole process by `raftlab-server --unsafe-bug NAME[,NAME]`,
// which is refused unless --allow-faults is given too. Production code guards the broken
// line with faults::BugOn(Bug::kX): one relaxed atomic load, false unless switched on.
//
// Each entry says which real bug it re-creates and the harness test that exposes it
// (`exposed_by`: the flags of `raftlab-harness test`, without --seed, --out and
// --time-limit, which validate supplies), the detection bar (seeds out of 10), and what the
// harness must have before the bug can be seen at all (`needs`: a workload or nemesis name;
// validate reports the bug as "needs <what>" while that is missing).
//
// To add a bug: add its enumerator before kCount, its entry to kAllPlantedBugs (same
// order), a comment above the entry, and the guarded lines at the code path.
#ifndef RAFTLAB_FAULTS_BUGS_H_
#define RAFTLAB_FAULTS_BUGS_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace raftlab::faults {

// Within a class, the bug validate --quick runs comes first.
enum class Bug : uint8_t {
  kLeaseOutlivesElection,
  kLeaseWithoutTermGate,
  kLeaseFromAckReceipt,
  kLeaseSurvivesTransfer,
  kFollowerLocalRead,
  kReadIndexWithoutQuorum,
  kVoteNotPersisted,
  kWalWithoutFsync,
  kFsmReplayIgnoresAppliedIndex,
  kHeartbeatCommitBeyondMatch,
  kDroppedLaneNotReported,
  kRestartAfterSnapshot,
  kCount,
};

struct PlantedBug {
  Bug bug;
  // The --unsafe-bug name: kebab-case, after the bug class.
  const char* name;
  // lease, read, election, durability or replication: validate --quick runs one per class.
  std::string_view bug_class;
  // One sentence: what the server does wrong and which real bug that is.
  std::string_view recreates;
  // raftlab-harness test flags of the configuration that exposes it.
  std::string_view exposed_by;
  // Seeds out of 10 in which validate must see a violation.
  int bar = 9;
  // A workload or nemesis the harness must know first; empty = none.
  std::string_view needs = {};
  // The bug shows as a loss of availability (a node that crashes on an invariant check or
  // does not come back, a follower that never catches up), so an availability finding of
  // the report detects it as well as an invalid history.
  bool liveness = false;
};

// A new leader serves lease reads before an entry of its own term has committed, i.e. at
// a commit index that can lag the one its predecessor acknowledged (Raft §8's no-op rule;
// etcd's "leader must commit an entry in its term before serving reads"). Exposed by a
// failover in which the old leader's commit notices are lost and the new leader's first
// entry is slowed while its heartbeats are not.
inline constexpr PlantedBug kLeaseWithoutTermGateBug{
    Bug::kLeaseWithoutTermGate, "lease-without-term-gate", "lease",
    "lease reads are served before the leader committed an entry of its term",
    "--workload lease-register --nemesis failover-lagging-commit --nemesis-interval-ms 1000 "
    "--nemesis-duration-ms 3500 --rate 400 --concurrency 20 --keys 2",
    9, "failover-lagging-commit"};

// The lease is timed from when the leader processed a heartbeat round's quorum ack instead
// of when the round was sent, so a delayed ack stretches the lease past the followers'
// election timers (the bug Diego Ongaro's thesis §6.4.1 warns about). Exposed by acks
// delayed on their way into the leader while nobody hears it any more.
inline constexpr PlantedBug kLeaseFromAckReceiptBug{
    Bug::kLeaseFromAckReceipt, "lease-from-ack-receipt", "lease",
    "a lease runs from the receipt of a round's quorum ack, not from the round's send",
    "--workload lease-register --nemesis link-leader-inbound+partition-leader-outbound --nemesis-interval-ms 1000 "
    "--nemesis-duration-ms 3000 --rate 400 --concurrency 20 --keys 2",
    9, "link-leader-inbound"};

// The lease is longer than the election timeout, so followers may elect a new leader that
// commits writes while the old one still serves lease reads (a lease margin with the wrong
// sign, or a lease configured independently of the election timeout).
inline constexpr PlantedBug kLeaseOutlivesElectionBug{
    Bug::kLeaseOutlivesElection, "lease-outlives-election", "lease",
    "the lease lasts three election timeouts instead of one minus the margin",
    "--workload lease-register --nemesis pause-leader,partition-leader --nemesis-interval-ms 1500 "
    "--nemesis-duration-ms 2500 --rate 400 --concurrency 20 --keys 2"};

// A leadership transfer does not end the old leader's lease: the transfer and the core's
// voided lease round are ignored, so a leader that has not yet heard the new term (a slow
// inbound link) serves lease reads until its old expiry while the transferee, whose
// votes bypass the lease, commits writes.
inline constexpr PlantedBug kLeaseSurvivesTransferBug{
    Bug::kLeaseSurvivesTransfer, "lease-survives-transfer", "lease",
    "the old leader's lease outlives the leadership transfer it started",
    "--workload lease-register --nemesis link-leader-inbound-short+transfer "
    "--nemesis-interval-ms 1500 --nemesis-duration-ms 2000 --rate 400 --concurrency 20 --keys 2",
    9, "link-leader-inbound-short"};

// The leader answers a ReadIndex request with its commit index without confirming by a
// quorum heartbeat round that it is still leader: an isolated leader serves stale reads
// (etcd's ReadOnlySafe skipped). partition-leader-slow slows the cut-off leader's clock, so
// its check-quorum step-down comes after its successor's election and first writes.
inline constexpr PlantedBug kReadIndexWithoutQuorumBug{
    Bug::kReadIndexWithoutQuorum, "read-index-without-quorum", "read",
    "ReadIndex is answered at once, without a quorum round confirming leadership",
    "--workload register --nemesis partition-leader-slow --nemesis-interval-ms 1500 --nemesis-duration-ms 3000 "
    "--rate 400 --concurrency 20 --keys 2"};

// A follower answers linearizable reads from its own state machine instead of forwarding a
// ReadIndex to the leader (the "reads from any replica" bug).
inline constexpr PlantedBug kFollowerLocalReadBug{
    Bug::kFollowerLocalRead, "follower-local-read", "read",
    "a follower answers linearizable reads from its local state",
    "--workload register --nemesis partition --nemesis-interval-ms 1500 --nemesis-duration-ms 3000 "
    "--rate 400 --concurrency 20 --keys 2"};

// The vote is not written to the WAL with the term, so a node that restarts in the same
// term can vote again for another candidate: two leaders in one term (Raft's persistent
// votedFor). The leader is killed while a crash point waits on the others: the voter of the
// election that follows dies right after its vote left, and when both restart the old
// leader, still in the previous term, may win the same term with the voter's forgotten vote.
inline constexpr PlantedBug kVoteNotPersistedBug{
    Bug::kVoteNotPersisted, "vote-not-persisted", "election",
    "the hard state reaches the WAL without its vote",
    "--workload register --nemesis kill-leader,crash-point --nemesis-all-at-once --crash-point raftlab/crash/after_vote "
    "--crash-probability 1 --nemesis-interval-ms 800 --nemesis-duration-ms 1500 --rate 300 --concurrency 20 --keys 2 "
    "--read-target any --election-ticks 30 --heartbeat-ticks 5 --lease-margin-ms 100 --leaderless-timeouts 30"};

// The WAL acknowledges appends without fsync; after a power loss the node has forgotten
// entries it acknowledged to the leader (a quorum's "durable" copy is gone). It shows as
// lost or stale data, or as a node that aborts on the core's invariant check when the
// commit index it learns lies beyond the log it kept ("commit 65 beyond last 3").
inline constexpr PlantedBug kWalWithoutFsyncBug{
    Bug::kWalWithoutFsync, "wal-without-fsync", "durability",
    "WAL appends are acknowledged without fsync",
    "--workload register --nemesis power-loss --nemesis-interval-ms 2000 --nemesis-duration-ms 1000 "
    "--rate 300 --concurrency 20 --keys 2",
    9, "power-loss", true};

// Replay after a restart re-applies entries at or below the state machine's applied index
// (the applied index stored with the data is ignored), so non-idempotent commands apply
// twice.
inline constexpr PlantedBug kFsmReplayIgnoresAppliedIndexBug{
    Bug::kFsmReplayIgnoresAppliedIndex, "fsm-replay-ignores-applied-index", "durability",
    "entries at or below the applied index are applied again",
    "--workload list-append --nemesis kill --nemesis-interval-ms 2000 --nemesis-duration-ms 1000 "
    "--rate 300 --concurrency 20 --fsm-sync-mode nosync",
    9, "list-append"};

// A heartbeat carries the leader's commit index instead of min(commit, the follower's
// match), and the follower commits up to what it holds: on the heartbeat lane a heartbeat
// overtakes the appends that would have repaired a divergent follower, which then commits
// and applies entries of a deposed leader. Its appends then answer "I hold up to my commit",
// the leader takes that as a match, and the follower never catches up until a snapshot
// replaces its log: with snapshots out of reach (--snapshot-every) the catch-up check
// after the final heal reports it.
inline constexpr PlantedBug kHeartbeatCommitBeyondMatchBug{
    Bug::kHeartbeatCommitBeyondMatch, "heartbeat-commit-beyond-match", "replication",
    "a heartbeat moves a follower's commit past its match with the leader",
    "--workload register --nemesis partition-leader --nemesis-interval-ms 1500 --nemesis-duration-ms 3000 "
    "--rate 400 --concurrency 20 --keys 2 --dispatcher-lanes 4 --snapshot-every 1000000",
    9, {}, true};

// A message dropped by a full dispatcher lane is not reported (no ReportUnreachable, no
// failed ReportSnapshot), so the leader keeps a peer in a replication or snapshot state
// that never progresses: a follower that never catches up. A dropped MsgApp is repaired by
// the next heartbeat's probe anyway, a dropped MsgSnap is not (the peer's progress waits
// for its report): so it needs more groups needing a snapshot to one peer at once than the
// 4-lane layout's snapshot lane holds, which a follower rejoining many groups over a slow
// link gives (snapshot-install with 16 groups and a short compaction lag).
inline constexpr PlantedBug kDroppedLaneNotReportedBug{
    Bug::kDroppedLaneNotReported, "dropped-lane-not-reported", "replication",
    "a message dropped by a full lane is not reported to Raft",
    "--workload list-append --groups 16 --compaction-lag 20 --dispatcher-lanes 4 --nemesis snapshot-install "
    "--nemesis-interval-ms 1500 --nemesis-duration-ms 3000",
    9, {}, true};

// A snapshot marker is written with the WAL's last hard state, whose commit can lie below
// the snapshot index (commit-only Readys are not written): the node refuses to restart
// after taking or installing a snapshot ("persisted commit is outside [...]").
inline constexpr PlantedBug kRestartAfterSnapshotBug{
    Bug::kRestartAfterSnapshot, "restart-after-snapshot", "durability",
    "a snapshot marker carries a hard state whose commit is below the snapshot",
    "--workload register --nemesis kill,kill-leader --snapshot-every 50 --nemesis-interval-ms 2000 "
    "--nemesis-duration-ms 1000 --rate 300 --concurrency 20 --keys 2",
    9, {}, true};

inline constexpr std::array kAllPlantedBugs{
    kLeaseOutlivesElectionBug,        kLeaseWithoutTermGateBug,       kLeaseFromAckReceiptBug,
    kLeaseSurvivesTransferBug,        kFollowerLocalReadBug,          kReadIndexWithoutQuorumBug,
    kVoteNotPersistedBug,             kWalWithoutFsyncBug,            kFsmReplayIgnoresAppliedIndexBug,
    kHeartbeatCommitBeyondMatchBug,   kDroppedLaneNotReportedBug,     kRestartAfterSnapshotBug,
};
static_assert(kAllPlantedBugs.size() == static_cast<size_t>(Bug::kCount));

std::span<const PlantedBug> AllPlantedBugs();
// The entry of a name, or nullptr.
const PlantedBug* FindPlantedBug(std::string_view name);

// Parses "a,b" into a set of bugs (empty string = none); an unknown name is an error that
// names it and lists the known ones.
absl::StatusOr<uint32_t> ParsePlantedBugs(std::string_view csv);

// The bits of the switched-on bugs; written once at startup, read everywhere.
extern std::atomic<uint32_t> g_planted_bugs;

// Switches on exactly the bugs in `mask` (a ParsePlantedBugs result) for this process.
void SetPlantedBugs(uint32_t mask);

inline bool BugOn(Bug bug) {
  return (g_planted_bugs.load(std::memory_order_relaxed) >> static_cast<unsigned>(bug)) & 1u;
}

// "a,b" of the switched-on bugs, for the startup log; empty when none.
std::string PlantedBugNames();

}  // namespace raftlab::faults

#endif  // RAFTLAB_FAULTS_BUGS_H_
