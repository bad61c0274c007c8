#include "server/api/client/kv_client.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "server/api/client/call_status.h"
#include "server/api/client/fake_node.h"

namespace raftlab::client {
namespace {

using testing::FakeNode;

std::unique_ptr<KvClient> ClientFor(std::vector<std::string> endpoints, int timeout_ms = 5000) {
  KvClientOptions options;
  options.endpoints = std::move(endpoints);
  options.timeout = std::chrono::milliseconds(timeout_ms);
  options.max_redirects = 3;
  auto client = KvClient::Create(std::move(options));
  EXPECT_TRUE(client.ok()) << client.status();
  return std::move(*client);
}

// An address nothing listens on any more.
std::string ClosedAddress() {
  FakeNode gone(9);
  return gone.address();
}

TEST(KvClient, FollowsNotLeaderToTheHintedLeader) {
  FakeNode follower(1), leader(2);
  follower.RedirectTo(2, leader.address());
  auto client = ClientFor({follower.address()});
  auto put = client->Put("k", "v");
  ASSERT_TRUE(put.ok()) << put.status();
  EXPECT_EQ(put->header().node_id(), 2u);
  EXPECT_EQ(leader.Value("k"), "v");
  EXPECT_EQ(follower.kv_calls(), 1);
}

TEST(KvClient, FollowsAHintGivenOnlyInTrailingMetadata) {
  FakeNode follower(1), leader(2);
  follower.RedirectTo(2, leader.address(), /*details=*/false);
  auto client = ClientFor({follower.address()});
  ASSERT_TRUE(client->Put("k", "v").ok());
  EXPECT_EQ(leader.Value("k"), "v");
}

TEST(KvClient, RemembersTheLeaderAfterARedirect) {
  FakeNode follower(1), leader(2);
  follower.RedirectTo(2, leader.address());
  auto client = ClientFor({follower.address(), leader.address()});
  ASSERT_TRUE(client->Put("a", "1").ok());
  ASSERT_TRUE(client->Put("b", "2").ok());
  EXPECT_EQ(follower.kv_calls(), 1);
  EXPECT_EQ(leader.kv_calls(), 2);
  EXPECT_EQ(client->KnownLeader(), leader.address());
}

TEST(KvClient, ReadsDoNotMarkALeaderBecauseFollowersServeThem) {
  FakeNode follower(1), leader(2);
  auto client = ClientFor({follower.address(), leader.address()});
  ASSERT_TRUE(client->Get("k", kv::READ_MODE_LINEARIZABLE).ok());
  EXPECT_EQ(client->KnownLeader(), "");
  ASSERT_TRUE(client->Put("k", "v").ok());
  EXPECT_EQ(client->KnownLeader(), follower.address());
}

TEST(KvClient, RedirectsAreBoundedAndDefinite) {
  FakeNode a(1), b(2);
  a.RedirectTo(2, b.address());
  b.RedirectTo(1, a.address());
  auto client = ClientFor({a.address()});
  auto put = client->Put("k", "v");
  ASSERT_FALSE(put.ok());
  EXPECT_EQ(put.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(IsDefiniteFailure(put.status())) << put.status();
  EXPECT_EQ(a.kv_calls() + b.kv_calls(), 4);  // the first try and 3 redirects
}

TEST(KvClient, UnknownLeaderMovesToTheNextEndpoint) {
  FakeNode a(1), b(2);
  a.RedirectTo(0, "");
  auto client = ClientFor({a.address(), b.address()});
  auto put = client->Put("k", "v");
  ASSERT_TRUE(put.ok()) << put.status();
  EXPECT_EQ(b.Value("k"), "v");
}

TEST(KvClient, DeadlineExceededIsIndeterminate) {
  FakeNode node(1);
  node.Hang();
  auto client = ClientFor({node.address()}, /*timeout_ms=*/100);
  auto put = client->Put("k", "v");
  ASSERT_FALSE(put.ok());
  EXPECT_EQ(put.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_TRUE(IsIndeterminate(put.status())) << put.status();
}

TEST(KvClient, InvalidArgumentIsDefinite) {
  FakeNode node(1);
  node.FailWith(grpc::StatusCode::INVALID_ARGUMENT, "value too large");
  auto client = ClientFor({node.address()});
  auto put = client->Put("k", "v");
  ASSERT_FALSE(put.ok());
  EXPECT_EQ(put.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(IsDefiniteFailure(put.status()));
  EXPECT_NE(put.status().message().find("value too large"), std::string::npos);
}

TEST(KvClient, InternalErrorIsIndeterminate) {
  FakeNode node(1);
  node.FailWith(grpc::StatusCode::INTERNAL);
  auto client = ClientFor({node.address()});
  EXPECT_TRUE(IsIndeterminate(client->Delete("k").status()));
}

TEST(KvClient, ReadsMoveOnWhenAnEndpointIsUnavailable) {
  FakeNode down(1), up(2);
  down.FailWith(grpc::StatusCode::UNAVAILABLE);
  up.SetValue("k", "v");
  auto client = ClientFor({down.address(), up.address()});
  auto get = client->Get("k", kv::READ_MODE_LINEARIZABLE);
  ASSERT_TRUE(get.ok()) << get.status();
  EXPECT_EQ(get->value(), "v");
}

TEST(KvClient, ReadsMoveOnWhenNothingListens) {
  FakeNode up(2);
  up.SetValue("k", "v");
  auto client = ClientFor({ClosedAddress(), up.address()});
  auto get = client->Get("k", kv::READ_MODE_STALE);
  ASSERT_TRUE(get.ok()) << get.status();
  EXPECT_TRUE(get->found());
}

TEST(KvClient, WritesDoNotMoveOnWhenTheServerSaysUnavailable) {
  FakeNode down(1), up(2);
  down.FailWith(grpc::StatusCode::UNAVAILABLE);
  auto client = ClientFor({down.address(), up.address()});
  auto put = client->Put("k", "v");
  ASSERT_FALSE(put.ok());
  EXPECT_EQ(put.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(IsIndeterminate(put.status()));
  EXPECT_EQ(up.kv_calls(), 0);
}

TEST(KvClient, WritesMoveOnWhenNoConnectionCouldBeMade) {
  FakeNode up(2);
  auto client = ClientFor({ClosedAddress(), up.address()});
  auto put = client->Put("k", "v");
  ASSERT_TRUE(put.ok()) << put.status();
  EXPECT_EQ(up.Value("k"), "v");
}

TEST(KvClient, AWriteThatNeverLeftIsDefinite) {
  auto client = ClientFor({ClosedAddress()});
  auto put = client->Put("k", "v");
  ASSERT_FALSE(put.ok());
  EXPECT_EQ(put.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(IsDefiniteFailure(put.status())) << put.status();
}

TEST(KvClient, TargetedCallsGoToOneNodeWithoutRedirects) {
  FakeNode follower(1), leader(2);
  follower.RedirectTo(2, leader.address());
  follower.SetValue("k", "old");
  auto client = ClientFor({leader.address(), follower.address()});
  CallOptions at_follower{follower.address(), std::nullopt};
  auto get = client->Get("k", kv::READ_MODE_LINEARIZABLE, at_follower);
  ASSERT_FALSE(get.ok());
  EXPECT_EQ(get.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(IsDefiniteFailure(get.status()));
  EXPECT_EQ(leader.kv_calls(), 0);
  follower.Serve();
  auto stale = client->Get("k", kv::READ_MODE_STALE, at_follower);
  ASSERT_TRUE(stale.ok());
  EXPECT_EQ(stale->value(), "old");
}

TEST(KvClient, CasMismatchIsANormalResponse) {
  FakeNode node(1);
  node.SetValue("k", "a");
  auto client = ClientFor({node.address()});
  auto miss = client->CompareAndSwap("k", std::string("b"), "c");
  ASSERT_TRUE(miss.ok()) << miss.status();
  EXPECT_FALSE(miss->succeeded());
  EXPECT_EQ(miss->current_value(), "a");
  auto hit = client->CompareAndSwap("k", std::string("a"), "c");
  ASSERT_TRUE(hit.ok());
  EXPECT_TRUE(hit->succeeded());
  auto absent = client->CompareAndSwap("new", std::nullopt, "x");
  ASSERT_TRUE(absent.ok());
  EXPECT_TRUE(absent->succeeded());
  EXPECT_EQ(node.Value("new"), "x");
}

TEST(KvClient, ScanDeleteAndTxnReachTheServer) {
  FakeNode node(1);
  auto client = ClientFor({node.address()});
  for (const char* k : {"a", "b", "c"}) ASSERT_TRUE(client->Put(k, k).ok());
  auto scan = client->Scan("a", "c", 0, kv::READ_MODE_LINEARIZABLE);
  ASSERT_TRUE(scan.ok());
  ASSERT_EQ(scan->kvs_size(), 2);
  EXPECT_EQ(scan->kvs(1).key(), "b");
  auto del = client->Delete("a");
  ASSERT_TRUE(del.ok());
  EXPECT_TRUE(del->deleted());
  kv::TxnRequest txn;
  auto* cmp = txn.add_compares();
  cmp->set_key("b");
  cmp->set_value("b");
  auto* put = txn.add_success()->mutable_put();
  put->set_key("d");
  put->set_value("from txn");
  auto done = client->Txn(txn);
  ASSERT_TRUE(done.ok());
  EXPECT_TRUE(done->succeeded());
  EXPECT_EQ(node.Value("d"), "from txn");
}

TEST(KvClient, ConcurrentCallersShareOneClient) {
  FakeNode follower(1), leader(2);
  follower.RedirectTo(2, leader.address());
  auto client = ClientFor({follower.address(), leader.address()});
  constexpr int kThreads = 8, kPuts = 50;
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPuts; ++i) {
        if (client->Put("k" + std::to_string(t) + "-" + std::to_string(i), "v").ok()) ++ok;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok.load(), kThreads * kPuts);
  EXPECT_EQ(leader.kv_calls(), kThreads * kPuts);
  EXPECT_LE(follower.kv_calls(), kThreads);  // at most each thread's first call before the leader is known
}

TEST(KvClient, CreateRejectsBadEndpoints) {
  auto client = KvClient::Create(KvClientOptions{{"127.0.0.1"}, std::chrono::milliseconds(10), 1});
  ASSERT_FALSE(client.ok());
  EXPECT_NE(client.status().message().find("endpoints"), std::string::npos) << client.status();
  EXPECT_FALSE(KvClient::Create(KvClientOptions{}).ok());
}

}  // namespace
}  // namespace raftlab::client
