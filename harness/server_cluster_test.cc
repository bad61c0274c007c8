// Multi-process tests of raftlab-server: three real server processes on loopback, driven
// through the KV and Admin APIs. Every process is killed when a test ends, pass or fail.

#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <thread>

#include "harness/cluster_test_fixture.h"
#include "harness/etcd/bench_turns.h"
#include "harness/test_util.h"
#include "server/api/client/admin_client.h"
#include "server/api/client/kv_client.h"

namespace raftlab::harness {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

class ServerCluster : public ClusterTest {
 protected:
  uint64_t LeaderOrFail() {
    auto l = cluster_->Leader();
    EXPECT_TRUE(l.has_value());
    return l.value_or(0);
  }

  // A node's log (its stderr, as the harness collects it) in the cluster named `name`.
  std::string NodeLog(const std::string& name, uint64_t id) {
    return testing::ReadAll(root_ + "/" + name + "/node" + std::to_string(id) + ".log");
  }

  // Whether the node's log soon holds a line matching `pattern` (lines are flushed as
  // written, but a follower may log a change a moment after the leader did).
  bool LogHas(const std::string& name, uint64_t id, const std::string& pattern) {
    const std::regex re(pattern);
    if (WaitFor([&] { return std::regex_search(NodeLog(name, id), re); }, milliseconds(5000))) return true;
    ADD_FAILURE() << "node " << id << " never logged /" << pattern << "/; its log:\n" << NodeLog(name, id);
    return false;
  }
};

TEST_F(ServerCluster, ElectsWritesAndReadsInAllThreeModesOnEveryNode) {
  ASSERT_NO_FATAL_FAILURE(StartCluster(Options("modes")));
  ASSERT_TRUE(kv_->Put("k", "v1").ok());
  for (uint64_t id : cluster_->ids()) {
    EXPECT_EQ(ReadAt(id, "k", kv::READ_MODE_LINEARIZABLE), "v1") << "node " << id;
    EXPECT_EQ(ReadAt(id, "k", kv::READ_MODE_LEASE), "v1") << "node " << id;
    EXPECT_TRUE(WaitFor([&] { return ReadAt(id, "k", kv::READ_MODE_STALE) == "v1"; })) << "node " << id;
  }
  client::CallOptions at_leader;
  at_leader.endpoint = cluster_->endpoint(LeaderOrFail());
  auto lease = kv_->Get("k", kv::READ_MODE_LEASE, at_leader);
  ASSERT_TRUE(lease.ok()) << lease.status();
  EXPECT_EQ(lease->header().read_path(), kv::READ_PATH_LEASE);
}

TEST_F(ServerCluster, KeepsServingAfterTheLeaderIsKilled) {
  ASSERT_NO_FATAL_FAILURE(StartCluster(Options("kill")));
  ASSERT_TRUE(kv_->Put("k", "before").ok());
  const uint64_t old_leader = LeaderOrFail();
  ASSERT_TRUE(cluster_->Kill(old_leader).ok());
  ASSERT_TRUE(cluster_->WaitHealthy(seconds(30)).ok());
  EXPECT_NE(cluster_->Leader().value_or(old_leader), old_leader);
  auto put = kv_->Put("k", "after");
  ASSERT_TRUE(put.ok()) << put.status();
  auto got = kv_->Get("k", kv::READ_MODE_LINEARIZABLE);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->value(), "after");
  ASSERT_TRUE(cluster_->Restart(old_leader).ok());
  EXPECT_TRUE(WaitFor([&] { return ReadAt(old_leader, "k", kv::READ_MODE_STALE) == "after"; }));
}

TEST_F(ServerCluster, RestartedNodeCatchesUpByLogAndBySnapshot) {
  ClusterOptions o = Options("catchup");
  o.snapshot_every = 50;
  ASSERT_NO_FATAL_FAILURE(StartCluster(o));
  const uint64_t leader = LeaderOrFail();
  const uint64_t by_log = leader % 3 + 1;
  ASSERT_TRUE(cluster_->Stop(by_log).ok());
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(kv_->Put("log" + std::to_string(i), "x").ok());
  ASSERT_TRUE(cluster_->Restart(by_log).ok());
  EXPECT_TRUE(WaitFor([&] { return ReadAt(by_log, "log9", kv::READ_MODE_STALE) == "x"; }));

  // Far enough behind that the leader has compacted past it (snapshot every 50, lag 1000):
  // force compaction with explicit snapshots after many writes.
  ASSERT_TRUE(cluster_->Stop(by_log).ok());
  for (int i = 0; i < 1200; ++i) ASSERT_TRUE(kv_->Put("snap" + std::to_string(i), std::to_string(i)).ok());
  auto snap = cluster_->admin().TriggerSnapshot(cluster_->endpoint(cluster_->Leader().value_or(leader)), 1);
  ASSERT_TRUE(snap.ok()) << snap.status();
  ASSERT_TRUE(cluster_->Restart(by_log).ok());
  EXPECT_TRUE(WaitFor([&] { return ReadAt(by_log, "snap1199", kv::READ_MODE_STALE) == "1199"; }));
  EXPECT_EQ(ReadAt(by_log, "log0", kv::READ_MODE_STALE), "x");
  auto st = cluster_->admin().Status(cluster_->endpoint(by_log));
  ASSERT_TRUE(st.ok()) << st.status();
  EXPECT_GT(st->groups(0).snapshot_index(), 0u) << "the follower should have installed a snapshot";
}

TEST_F(ServerCluster, NodeLogsShowTheElectionAndATransferOfLeadership) {
  ASSERT_NO_FATAL_FAILURE(StartCluster(Options("logs")));
  const uint64_t old_leader = LeaderOrFail();
  const uint64_t target = old_leader % 3 + 1;
  auto moved = cluster_->admin().TransferLeader(1, target);
  ASSERT_TRUE(moved.ok()) << moved.status();
  EXPECT_TRUE(LogHas("logs", old_leader, "level=info node=" + std::to_string(old_leader) + " event=process_started pid="));
  EXPECT_TRUE(LogHas("logs", old_leader, "event=group_recovered group=1 term=[0-9]+ vote=[0-9]+ commit="));
  EXPECT_TRUE(LogHas("logs", old_leader, "event=election_won group=1 term=[0-9]+ kind=vote"));
  EXPECT_TRUE(LogHas("logs", old_leader, "event=transfer_started group=1 target=" + std::to_string(target)));
  EXPECT_TRUE(LogHas("logs", old_leader, "event=transfer_timeout_now_sent group=1 to=" + std::to_string(target)));
  EXPECT_TRUE(LogHas("logs", old_leader, "event=transfer_finished group=1 target=" + std::to_string(target)));
  EXPECT_TRUE(LogHas("logs", target, "event=election_started group=1 term=[0-9]+ kind=vote transfer=true"));
  EXPECT_TRUE(LogHas("logs", target, "event=election_won group=1 term=[0-9]+ kind=vote granted=[23]"));
  for (uint64_t id : cluster_->ids()) {
    EXPECT_TRUE(LogHas("logs", id, "event=leader_changed group=1 term=[0-9]+ leader=" + std::to_string(target)))
        << "node " << id;
  }
}

TEST_F(ServerCluster, PartitionedLeaderStepsDownAndStopsServingLeaseReads) {
  ASSERT_NO_FATAL_FAILURE(StartCluster(Options("partition")));
  ASSERT_TRUE(kv_->Put("k", "v").ok());
  const uint64_t old_leader = LeaderOrFail();
  // A leader that holds a lease when it is cut off, so there is a lease to lose.
  ASSERT_TRUE(WaitFor([&] {
    auto st = cluster_->admin().Status(cluster_->endpoint(old_leader));
    return st.ok() && st->groups(0).lease_valid();
  }));
  std::vector<uint64_t> others;
  for (uint64_t id : cluster_->ids()) {
    if (id != old_leader) others.push_back(id);
  }
  ASSERT_TRUE(cluster_->admin().SetPartition(cluster_->endpoint(old_leader), others).ok());
  for (uint64_t id : others) {
    ASSERT_TRUE(cluster_->admin().SetPartition(cluster_->endpoint(id), {old_leader}).ok());
  }
  // The old leader loses CheckQuorum and steps down; its lease is gone by then.
  EXPECT_TRUE(WaitFor([&] {
    auto st = cluster_->admin().Status(cluster_->endpoint(old_leader));
    return st.ok() && st->groups(0).role() != "leader" && !st->groups(0).lease_valid();
  }));
  client::CallOptions at_old;
  at_old.endpoint = cluster_->endpoint(old_leader);
  at_old.timeout = milliseconds(500);
  // Refusing (an error: it cannot confirm a read without a quorum) or answering through
  // another path are both fine; serving under its lease is not.
  auto lease = kv_->Get("k", kv::READ_MODE_LEASE, at_old);
  EXPECT_FALSE(lease.ok() && lease->header().read_path() == kv::READ_PATH_LEASE)
      << "a deposed leader served a lease read";
  ASSERT_TRUE(kv_->Put("k", "new").ok()) << "the majority side keeps accepting writes";
  EXPECT_TRUE(LogHas("partition", old_leader, "event=partition_set isolated=[0-9],[0-9] direction=both"));
  EXPECT_TRUE(LogHas("partition", old_leader, "event=lease_lost group=1 term=[0-9]+ reason="));
  EXPECT_TRUE(LogHas("partition", old_leader, "event=role_changed group=1 term=[0-9]+ from=leader to=follower"));
  for (uint64_t id : cluster_->ids()) ASSERT_TRUE(cluster_->admin().Heal(cluster_->endpoint(id)).ok());
  EXPECT_TRUE(WaitFor([&] { return ReadAt(old_leader, "k", kv::READ_MODE_STALE) == "new"; }));
}

// The old leader hears nothing after the transfer (inbound-only partition), so it cannot
// learn of the new term; only ending its lease at the transfer keeps its lease reads from
// returning the value the new leader has since overwritten.
TEST_F(ServerCluster, TransferWhileTheOldLeaderHearsNothingEndsItsLease) {
  ClusterOptions o = Options("transfer-lease");
  // A 1 s election timeout (lease 900 ms): the old lease outlives the whole scenario, so a
  // stale read is certain on a server that keeps it, whatever the machine's load.
  o.election_ticks = 200;
  ASSERT_NO_FATAL_FAILURE(StartCluster(o));
  ASSERT_TRUE(kv_->Put("k", "old").ok());
  const uint64_t old_leader = LeaderOrFail();
  const uint64_t target = old_leader % 3 + 1;
  ASSERT_TRUE(WaitFor([&] { return ReadAt(target, "k", kv::READ_MODE_STALE) == "old"; }));
  client::CallOptions at_old;
  at_old.endpoint = cluster_->endpoint(old_leader);
  at_old.timeout = milliseconds(500);
  ASSERT_TRUE(WaitFor([&] {
    auto r = kv_->Get("k", kv::READ_MODE_LEASE, at_old);
    return r.ok() && r->header().read_path() == kv::READ_PATH_LEASE;
  })) << "the leader never held a lease";

  std::vector<uint64_t> others;
  for (uint64_t id : cluster_->ids()) {
    if (id != old_leader) others.push_back(id);
  }
  auto cut = cluster_->admin().SetPartition(cluster_->endpoint(old_leader), others,
                                            admin::PARTITION_DIRECTION_INBOUND);
  ASSERT_TRUE(cut.ok()) << cut.status();
  // The old leader's TransferLeader call waits to hear of the new leader, which it cannot:
  // issue it from a thread with a short deadline.
  client::AdminClientOptions ao;
  ao.endpoints = {cluster_->endpoint(old_leader)};
  ao.timeout = milliseconds(1000);
  auto transfer_client = client::AdminClient::Create(ao);
  ASSERT_TRUE(transfer_client.ok()) << transfer_client.status();
  std::thread transfer([&] { (void)(*transfer_client)->TransferLeader(1, target); });
  const bool moved = WaitFor(
      [&] {
        auto st = cluster_->admin().Status(cluster_->endpoint(target));
        return st.ok() && st->groups(0).role() == "leader";
      },
      milliseconds(1500));
  client::CallOptions at_new;
  at_new.endpoint = cluster_->endpoint(target);
  absl::StatusOr<kv::PutResponse> put = absl::UnavailableError("the transfer did not finish");
  if (moved) put = kv_->Put("k", "new", at_new);
  auto lease = kv_->Get("k", kv::READ_MODE_LEASE, at_old);
  transfer.join();
  ASSERT_TRUE(moved) << "the transfer target did not become leader";
  ASSERT_TRUE(put.ok()) << put.status();
  if (lease.ok()) {
    EXPECT_NE(lease->header().read_path(), kv::READ_PATH_LEASE) << "the old leader served a lease read";
    EXPECT_NE(lease->value(), "old") << "stale read after the new leader committed a write";
    EXPECT_EQ(lease->header().node_id(), old_leader);
  }
  for (uint64_t id : cluster_->ids()) ASSERT_TRUE(cluster_->admin().Heal(cluster_->endpoint(id)).ok());
  EXPECT_TRUE(WaitFor([&] { return ReadAt(old_leader, "k", kv::READ_MODE_STALE) == "new"; }));
}

// A link fault limited to the replication lane holds back the leader's entries while its
// heartbeats still pass: no write commits, yet no follower times out and the leader keeps
// its term. Healing the link lets the write through.
TEST_F(ServerCluster, LinkFaultOnTheReplicationLaneStopsEntriesButNotHeartbeats) {
  ASSERT_NO_FATAL_FAILURE(StartCluster(Options("lane-link")));
  ASSERT_TRUE(kv_->Put("k", "old").ok());
  const uint64_t leader = LeaderOrFail();
  auto before = cluster_->admin().Status(cluster_->endpoint(leader));
  ASSERT_TRUE(before.ok()) << before.status();
  std::vector<admin::LinkFault> links;
  for (uint64_t id : cluster_->ids()) {
    if (id == leader) continue;
    admin::LinkFault l;
    l.set_peer(id);
    l.set_drop_probability(1.0);
    l.add_lanes("normal");
    links.push_back(l);
  }
  auto set = cluster_->admin().SetLinkFaults(cluster_->endpoint(leader), links);
  ASSERT_TRUE(set.ok()) << set.status();
  ASSERT_EQ(set->links_size(), 2);
  EXPECT_EQ(set->links(0).lanes_size(), 1);
  client::CallOptions at_leader;
  at_leader.endpoint = cluster_->endpoint(leader);
  at_leader.timeout = milliseconds(700);
  EXPECT_FALSE(kv_->Put("k", "new", at_leader).ok()) << "a write committed without its entries reaching anyone";
  // Well past the 300 ms election timeout: heartbeats alone keep the followers in line.
  std::this_thread::sleep_for(milliseconds(900));
  auto after = cluster_->admin().Status(cluster_->endpoint(leader));
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_EQ(after->groups(0).role(), "leader");
  EXPECT_EQ(after->groups(0).term(), before->groups(0).term()) << "a follower timed out: heartbeats were held back";
  ASSERT_TRUE(cluster_->admin().SetLinkFaults(cluster_->endpoint(leader), {}).ok());
  EXPECT_TRUE(WaitFor([&] { return ReadAt(leader, "k", kv::READ_MODE_LINEARIZABLE) == "new"; }));
}

TEST_F(ServerCluster, LinkFaultsNameAnUnknownLane) {
  ASSERT_NO_FATAL_FAILURE(StartCluster(Options("lane-name")));
  const uint64_t leader = LeaderOrFail();
  admin::LinkFault l;
  l.set_peer(leader % 3 + 1);
  l.add_lanes("votes");
  auto r = cluster_->admin().SetLinkFaults(cluster_->endpoint(leader), {l});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("lanes: unknown lane \"votes\""), std::string::npos) << r.status();
}

TEST_F(ServerCluster, WalFsyncFaultFailStopsOneNodeWhileTheOthersContinue) {
  ASSERT_NO_FATAL_FAILURE(StartCluster(Options("failstop")));
  const uint64_t leader = LeaderOrFail();
  const uint64_t victim = leader % 3 + 1;
  admin::EnableFaultRequest req;
  req.set_name("raftlab/wal/fsync");
  auto enabled = cluster_->admin().EnableFault(cluster_->endpoint(victim), req);
  ASSERT_TRUE(enabled.ok()) << enabled.status();
  ASSERT_TRUE(kv_->Put("k", "v").ok());
  EXPECT_TRUE(WaitFor([&] { return !cluster_->Running(victim); })) << "node did not fail-stop";
  auto exit = cluster_->ExitOf(victim);
  ASSERT_TRUE(exit.has_value());
  EXPECT_TRUE(exit->exited);
  EXPECT_EQ(exit->exit_code, 75) << exit->ToString();
  EXPECT_TRUE(LogHas("failstop", victim, "level=critical node=" + std::to_string(victim) +
                                             " event=fail_stop cause=io_error component=wal what=fsync "
                                             "detail=\".*injected EIO.*\" exit=75"));
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(kv_->Put("after" + std::to_string(i), "v").ok());
  // Restarted without the fault, it recovers and catches up.
  ASSERT_TRUE(cluster_->Restart(victim).ok());
  EXPECT_TRUE(WaitFor([&] { return ReadAt(victim, "after4", kv::READ_MODE_STALE) == "v"; }));
}

TEST_F(ServerCluster, CrashAfterVotePointExitsTheVoterOnceItsVoteCounted) {
  ASSERT_NO_FATAL_FAILURE(StartCluster(Options("aftervote")));
  const uint64_t leader = LeaderOrFail();
  std::vector<uint64_t> followers;
  for (uint64_t id : cluster_->ids()) {
    if (id != leader) followers.push_back(id);
  }
  for (uint64_t id : followers) {
    admin::EnableFaultRequest req;
    req.set_name("raftlab/crash/after_vote");
    req.set_probability(1);
    auto enabled = cluster_->admin().EnableFault(cluster_->endpoint(id), req);
    ASSERT_TRUE(enabled.ok()) << enabled.status();
  }
  const std::regex won("from=candidate to=leader");
  auto wins = [&](uint64_t id) {
    const std::string log = NodeLog("aftervote", id);
    return std::distance(std::sregex_iterator(log.begin(), log.end(), won), std::sregex_iterator());
  };
  std::map<uint64_t, long> wins_before;
  for (uint64_t id : followers) wins_before[id] = wins(id);
  // Without a leader the two followers elect one; the one that grants its vote dies.
  ASSERT_TRUE(cluster_->Kill(leader).ok());
  uint64_t voter = 0;
  ASSERT_TRUE(WaitFor([&] {
    for (uint64_t id : followers) {
      if (!cluster_->Running(id)) voter = id;
    }
    return voter != 0;
  })) << "no follower crashed after voting";
  auto exit = cluster_->ExitOf(voter);
  ASSERT_TRUE(exit.has_value());
  EXPECT_TRUE(exit->exited);
  EXPECT_EQ(exit->exit_code, 86) << exit->ToString();
  EXPECT_TRUE(LogHas("aftervote", voter, "crash point raftlab/crash/after_vote"));
  // The vote left before the exit: the candidate won with it.
  const uint64_t candidate = followers[0] == voter ? followers[1] : followers[0];
  EXPECT_TRUE(WaitFor([&] { return wins(candidate) > wins_before[candidate]; }, milliseconds(5000)))
      << "node " << candidate << " did not win an election after the kill; its log:\n"
      << NodeLog("aftervote", candidate);
}

TEST_F(ServerCluster, FaultRpcsAreRefusedWithoutAllowFaults) {
  ClusterOptions o = Options("nofaults");
  o.allow_faults = false;
  ASSERT_NO_FATAL_FAILURE(StartCluster(o));
  auto r = cluster_->admin().SetPartition(cluster_->endpoint(1), {2});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("--allow-faults"), std::string::npos) << r.status();
}

TEST_F(ServerCluster, SyncAndNosyncEndInTheSameState) {
  std::map<std::string, std::vector<std::pair<std::string, std::string>>> states;
  for (const std::string mode : {"sync", "nosync"}) {
    ClusterOptions o = Options(mode);
    o.settings.fsm_sync_mode = mode;
    ASSERT_NO_FATAL_FAILURE(StartCluster(o));
    for (int i = 0; i < 60; ++i) {
      const std::string key = "key" + std::to_string(i % 20);
      if (i % 7 == 3) {
        ASSERT_TRUE(kv_->Delete(key).ok());
      } else if (i % 5 == 1) {
        ASSERT_TRUE(kv_->CompareAndSwap(key, std::string("v") + std::to_string(i - 20), "cas" + std::to_string(i)).ok());
      } else {
        ASSERT_TRUE(kv_->Put(key, "v" + std::to_string(i)).ok());
      }
    }
    for (uint64_t id : cluster_->ids()) {
      // Wait for every replica to apply everything, then take its whole state.
      std::vector<std::pair<std::string, std::string>> state;
      EXPECT_TRUE(WaitFor([&] {
        client::CallOptions at;
        at.endpoint = cluster_->endpoint(id);
        auto scan = kv_->Scan("", "", 1000, kv::READ_MODE_LINEARIZABLE, at);
        if (!scan.ok()) return false;
        state.clear();
        for (const auto& kv : scan->kvs()) state.emplace_back(kv.key(), kv.value());
        return true;
      }));
      const std::string name = mode + "/node" + std::to_string(id);
      states[name] = state;
      EXPECT_EQ(state, states.begin()->second) << name << " differs from " << states.begin()->first;
    }
    cluster_.reset();
  }
  EXPECT_EQ(states.size(), 6u);
}

TEST_F(ServerCluster, ABenchmarkTurnNamesHowAMemberEndedAndWhereItsLogIs) {
  ASSERT_NO_FATAL_FAILURE(StartCluster(Options("turns")));
  const uint64_t victim = LeaderOrFail() % 3 + 1;
  admin::EnableFaultRequest req;
  req.set_name("raftlab/wal/fsync");
  ASSERT_TRUE(cluster_->admin().EnableFault(cluster_->endpoint(victim), req).ok());
  ASSERT_TRUE(kv_->Put("k", "v").ok());
  ASSERT_TRUE(WaitFor([&] { return !cluster_->Running(victim); })) << "node did not fail-stop";
  // Another system's turn pauses this cluster (here the same cluster, listed as the other).
  const absl::Status s = RunAlone({cluster_.get(), cluster_.get()}, 1, seconds(10));
  ASSERT_FALSE(s.ok());
  EXPECT_NE(
      s.message().find("raftlab node " + std::to_string(victim) +
                       " has ended (exit code 75; its log: " + cluster_->log_path(victim) + ")"),
      std::string::npos)
      << s;
}

}  // namespace
}  // namespace raftlab::harness
