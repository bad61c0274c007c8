// Workload generators (seeded, unique values per key, rotating keys) and the client mapping
// of answers to ok / fail / info, against an in-process fake node.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "server/api/client/fake_node.h"
#include "server/api/client/kv_client.h"
#include "workloads/list_append/list_append_workload.h"
#include "workloads/register/register_workload.h"
#include "workloads/set/set_workload.h"

namespace raftlab::workloads {
namespace {

using checkers::Value;

std::unique_ptr<Workload> Make(const std::string& name, WorkloadOptions o = {}) {
  auto w = MakeWorkload(name, o);
  EXPECT_TRUE(w.ok()) << w.status();
  return std::move(*w);
}

std::vector<OpRequest> Generate(Workload& w, uint64_t seed, int n) {
  std::mt19937_64 rng(seed);
  std::vector<OpRequest> ops;
  for (int i = 0; i < n; ++i) ops.push_back(w.Next(rng));
  return ops;
}

TEST(RegisterGenerator, SameSeedSameOps) {
  auto a = Make("register"), b = Make("register");
  auto x = Generate(*a, 7, 500), y = Generate(*b, 7, 500);
  for (size_t i = 0; i < x.size(); ++i) {
    EXPECT_EQ(x[i].f, y[i].f);
    EXPECT_EQ(x[i].key, y[i].key);
    EXPECT_EQ(x[i].value, y[i].value);
  }
}

TEST(RegisterGenerator, WrittenValuesAreUniquePerKey) {
  auto w = Make("register");
  std::map<std::string, std::set<int64_t>> written;
  for (const auto& op : Generate(*w, 3, 5000)) {
    int64_t v;
    if (op.f == "write") {
      v = op.value.num;
    } else if (op.f == "cas") {
      ASSERT_EQ(op.value.list.size(), 2u);
      v = *op.value.list[1];
    } else {
      EXPECT_EQ(op.f, "read");
      EXPECT_TRUE(op.value.is_null());
      continue;
    }
    EXPECT_TRUE(written[op.key].insert(v).second) << op.key << " value " << v << " written twice";
  }
}

TEST(RegisterGenerator, KeysRotateAfterOpsPerKey) {
  WorkloadOptions o;
  o.active_keys = 4;
  o.ops_per_key = 50;
  auto w = Make("register", o);
  std::map<std::string, int> per_key;
  for (const auto& op : Generate(*w, 11, 4000)) ++per_key[op.key];
  EXPECT_GE(per_key.size(), 4000u / 50u);
  for (const auto& [k, n] : per_key) EXPECT_LE(n, 50) << k;
  // The final phase reads every key that was ever used.
  EXPECT_EQ(w->FinalOps().size(), per_key.size());
}

TEST(MakeWorkload, UnknownNameIsNamedWithTheKnownOnes) {
  auto w = MakeWorkload("bank", {});
  ASSERT_FALSE(w.ok());
  EXPECT_NE(w.status().message().find("--workload: unknown workload \"bank\""), std::string::npos);
  EXPECT_NE(w.status().message().find("stale-register"), std::string::npos);
}

TEST(MakeWorkload, ReadModesFollowTheName) {
  EXPECT_EQ(Make("register")->read_mode(), kv::READ_MODE_LINEARIZABLE);
  EXPECT_EQ(Make("lease-register")->read_mode(), kv::READ_MODE_LEASE);
  EXPECT_EQ(Make("stale-register")->read_mode(), kv::READ_MODE_STALE);
  EXPECT_EQ(Make("set")->model(), checkers::ModelKind::kSet);
  EXPECT_EQ(Make("list-append")->read_mode(), kv::READ_MODE_LINEARIZABLE);
  EXPECT_EQ(Make("stale-list-append")->read_mode(), kv::READ_MODE_STALE);
}

TEST(ListAppendGenerator, SameSeedSameTxns) {
  auto a = Make("list-append"), b = Make("list-append");
  auto x = Generate(*a, 5, 300), y = Generate(*b, 5, 300);
  for (size_t i = 0; i < x.size(); ++i) EXPECT_EQ(x[i].value, y[i].value) << i;
  EXPECT_EQ(a->model(), checkers::ModelKind::kListAppend);
}

TEST(ListAppendGenerator, TxnsStayInOneSlotWithUniqueElementsAndRotatingKeys) {
  auto w = Make("list-append");
  std::map<std::string, std::set<int64_t>> appended;
  std::set<size_t> sizes;
  std::set<char> slots;
  for (const auto& op : Generate(*w, 9, 4000)) {
    EXPECT_EQ(op.f, "txn");
    const auto& mops = op.value.micro_ops();
    sizes.insert(mops.size());
    const char first = ListAppendWorkload::StoredKey(mops[0].key)[0];
    slots.insert(first);
    for (const auto& m : mops) {
      EXPECT_EQ(ListAppendWorkload::StoredKey(m.key)[0], first) << "one txn, one slot: " << m.key;
      if (m.kind == checkers::MicroOp::Kind::kAppend) {
        EXPECT_TRUE(appended[m.key].insert(m.element).second) << m.key << " element " << m.element << " twice";
      } else {
        EXPECT_FALSE(m.read.has_value());
      }
    }
  }
  EXPECT_EQ(sizes, (std::set<size_t>{1, 2, 3, 4}));
  EXPECT_EQ(slots.size(), static_cast<size_t>(ListAppendWorkload::kSlots)) << "keys spread over the key space";
  for (const auto& [k, elements] : appended) {
    EXPECT_LE(elements.size(), static_cast<size_t>(ListAppendWorkload::kAppendsPerKey)) << k;
  }
  EXPECT_GT(appended.size(), 4000u / ListAppendWorkload::kAppendsPerKey);
  // The final reads cover every key used, one read micro-op each.
  auto finals = w->FinalOps();
  EXPECT_GE(finals.size(), appended.size());
  for (const auto& f : finals) EXPECT_EQ(f.value.micro_ops().size(), 1u);
}

class AgainstFakeNode : public ::testing::Test {
 protected:
  void SetUp() override {
    client::KvClientOptions o;
    o.endpoints = {node_.address()};
    o.timeout = std::chrono::milliseconds(500);
    auto kv = client::KvClient::Create(o);
    ASSERT_TRUE(kv.ok()) << kv.status();
    kv_ = std::move(*kv);
  }
  client::testing::FakeNode node_{1};
  std::unique_ptr<client::KvClient> kv_;
};

TEST_F(AgainstFakeNode, RegisterWriteReadAndCasOutcomes) {
  auto w = Make("register");
  auto r = w->Execute(*kv_, {"write", "r0", Value::Int(5)}, node_.address());
  EXPECT_EQ(r.outcome, Outcome::kOk) << r.error;
  r = w->Execute(*kv_, {"read", "r0", Value::Null()}, node_.address());
  ASSERT_EQ(r.outcome, Outcome::kOk) << r.error;
  EXPECT_EQ(r.value, Value::Int(5));
  EXPECT_EQ(r.node, "n1");
  r = w->Execute(*kv_, {"read", "r9", Value::Null()}, node_.address());
  EXPECT_TRUE(r.value.is_null());
  r = w->Execute(*kv_, {"cas", "r0", Value::List({4, 6})}, node_.address());
  EXPECT_EQ(r.outcome, Outcome::kFail) << "a cas whose comparison fails took no effect";
  r = w->Execute(*kv_, {"cas", "r0", Value::List({5, 6})}, node_.address());
  EXPECT_EQ(r.outcome, Outcome::kOk) << r.error;
  EXPECT_EQ(node_.Value("r0"), "6");
}

TEST_F(AgainstFakeNode, UnparseableValueIsReadAsMinusOne) {
  node_.SetValue("r1", "garbage");
  auto r = Make("register")->Execute(*kv_, {"read", "r1", Value::Null()}, node_.address());
  EXPECT_EQ(r.value, Value::Int(-1));
  EXPECT_NE(r.error.find("unparseable"), std::string::npos);
}

TEST_F(AgainstFakeNode, DefiniteErrorsFailAndIndeterminateOnesAreInfo) {
  WorkloadOptions o;
  o.op_timeout = std::chrono::milliseconds(200);
  auto w = Make("register", o);
  node_.FailWith(grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(w->Execute(*kv_, {"write", "r0", Value::Int(1)}, node_.address()).outcome, Outcome::kFail);
  node_.Hang();
  auto r = w->Execute(*kv_, {"write", "r0", Value::Int(2)}, node_.address());
  EXPECT_EQ(r.outcome, Outcome::kInfo);
  EXPECT_FALSE(r.error.empty());
  node_.FailWith(grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(w->Execute(*kv_, {"read", "r0", Value::Null()}, node_.address()).outcome, Outcome::kInfo);
}

TEST_F(AgainstFakeNode, SetAddsAreReadBackInOrder) {
  auto w = Make("set");
  for (int64_t v : {3, 1, 2}) {
    EXPECT_EQ(w->Execute(*kv_, {"add", "", Value::Int(v)}, node_.address()).outcome, Outcome::kOk);
  }
  auto r = w->Execute(*kv_, {"read", "", Value::Null()}, node_.address());
  ASSERT_EQ(r.outcome, Outcome::kOk) << r.error;
  EXPECT_EQ(r.value, Value::List({1, 2, 3}));
}

}  // namespace
}  // namespace raftlab::workloads
