// The list-append checker on hand-built histories (one per anomaly, each with a clean
// variant that must stay valid), generated strictly serializable histories (valid) and
// mutations of them (invalid), the JSONL/EDN forms of txns, and bad input.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>

#include "checkers/edn.h"
#include "checkers/jsonl.h"
#include "checkers/list_append.h"
#include "checkers/list_append_gen.h"
#include "checkers/validate.h"

namespace raftlab::checkers {
namespace {

using ::testing::HasSubstr;

std::string A(const std::string& key, int e) { return "[\"append\",\"" + key + "\"," + std::to_string(e) + "]"; }
std::string R(const std::string& key, const std::string& elements) {
  return "[\"r\",\"" + key + "\",[" + elements + "]]";
}
std::string Rq(const std::string& key) { return "[\"r\",\"" + key + "\",null]"; }
std::string Tx(std::initializer_list<std::string> mops) {
  std::string s = "[";
  for (const auto& m : mops) s += (s.size() > 1 ? "," : "") + m;
  return s + "]";
}

// Txn events as JSONL; time advances by 10 per event.
class Txns {
 public:
  Txns& Invoke(int p, const std::string& v) { return Add("invoke", p, v); }
  Txns& Ok(int p, const std::string& v) { return Add("ok", p, v); }
  Txns& Fail(int p, const std::string& v) { return Add("fail", p, v); }
  Txns& Info(int p, const std::string& v) { return Add("info", p, v); }
  // An invoke followed at once by its ok completion.
  Txns& Run(int p, const std::string& invoked, const std::string& done) { return Invoke(p, invoked).Ok(p, done); }
  const std::string& text() const { return text_; }

 private:
  Txns& Add(const std::string& type, int p, const std::string& v) {
    text_ += "{\"index\":" + std::to_string(n_) + ",\"type\":\"" + type + "\",\"process\":" + std::to_string(p) +
             ",\"f\":\"txn\",\"value\":" + v + ",\"time\":" + std::to_string(n_ * 10) + "}\n";
    ++n_;
    return *this;
  }
  std::string text_;
  int n_ = 0;
};

struct Checked {
  History history;
  std::vector<Op> ops;
  ListAppendResult result;
};

Checked Check(const History& h, ConsistencyModel model = ConsistencyModel::kStrictSerializable) {
  Checked c;
  c.history = h;
  auto ops = BuildOps(c.history, ModelKind::kListAppend);
  EXPECT_TRUE(ops.ok()) << ops.status().message();
  if (!ops.ok()) return c;
  c.ops = std::move(*ops);
  ListAppendOptions o;
  o.model = model;
  auto r = CheckListAppend(c.history, c.ops, o);
  EXPECT_TRUE(r.ok()) << r.status().message();
  if (r.ok()) c.result = std::move(*r);
  return c;
}

Checked Check(const std::string& text, ConsistencyModel model = ConsistencyModel::kStrictSerializable) {
  auto h = ParseJsonl(text, "t.jsonl");
  EXPECT_TRUE(h.ok()) << h.status().message();
  return Check(*h, model);
}

std::vector<std::string> Types(const ListAppendResult& r) {
  std::vector<std::string> out;
  for (const auto& a : r.anomalies) out.push_back(a.type);
  return out;
}

const ListAppendAnomaly* Find(const ListAppendResult& r, const std::string& type) {
  for (const auto& a : r.anomalies) {
    if (a.type == type) return &a;
  }
  return nullptr;
}

void ExpectValid(const Checked& c) {
  EXPECT_EQ(c.result.verdict, Verdict::kValid) << ::testing::PrintToString(Types(c.result));
  EXPECT_TRUE(c.result.anomalies.empty());
  ASSERT_TRUE(c.result.strongest.has_value());
  EXPECT_EQ(*c.result.strongest, ConsistencyModel::kStrictSerializable);
}

// Write cycle: T1 precedes T2 on x, T2 precedes T1 on y; both concurrent.
std::string G0(bool cyclic) {
  return Txns()
      .Invoke(1, Tx({A("x", 1), A("y", 2)}))
      .Invoke(2, Tx({A("x", 2), A("y", 1)}))
      .Ok(1, Tx({A("x", 1), A("y", 2)}))
      .Ok(2, Tx({A("x", 2), A("y", 1)}))
      .Run(3, Tx({Rq("x"), Rq("y")}), Tx({R("x", "1,2"), R("y", cyclic ? "1,2" : "2,1")}))
      .text();
}

TEST(ListAppendTest, G0WriteCycleIsReportedWithItsWwEdges) {
  Checked c = Check(G0(true));
  EXPECT_EQ(c.result.verdict, Verdict::kInvalid);
  const ListAppendAnomaly* a = Find(c.result, "G0");
  ASSERT_NE(a, nullptr) << ::testing::PrintToString(Types(c.result));
  ASSERT_EQ(a->steps.size(), 2u);
  for (const auto& s : a->steps) EXPECT_EQ(s.kind, kWW);
  EXPECT_THAT(a->explanation, HasSubstr("next element in"));
  EXPECT_FALSE(c.result.strongest.has_value());
}

TEST(ListAppendTest, G0CleanVariantIsValid) { ExpectValid(Check(G0(false))); }

std::string G1a(bool dirty) {
  return Txns()
      .Invoke(1, Tx({A("x", 1)}))
      .Fail(1, Tx({A("x", 1)}))
      .Run(2, Tx({Rq("x")}), Tx({R("x", dirty ? "1" : "")}))
      .text();
}

TEST(ListAppendTest, G1aAbortedReadIsReported) {
  Checked c = Check(G1a(true));
  EXPECT_EQ(c.result.verdict, Verdict::kInvalid);
  const ListAppendAnomaly* a = Find(c.result, "G1a");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->forbidden_from, ConsistencyModel::kReadCommitted);
  EXPECT_THAT(a->explanation, HasSubstr("which failed"));
  EXPECT_EQ(*c.result.strongest, ConsistencyModel::kReadUncommitted);
}

TEST(ListAppendTest, G1aCleanVariantIsValid) { ExpectValid(Check(G1a(false))); }

std::string G1b(bool intermediate) {
  return Txns()
      .Run(1, Tx({A("x", 1), A("x", 2)}), Tx({A("x", 1), A("x", 2)}))
      .Run(2, Tx({Rq("x")}), Tx({R("x", intermediate ? "1" : "1,2")}))
      .text();
}

TEST(ListAppendTest, G1bIntermediateReadIsReported) {
  Checked c = Check(G1b(true));
  const ListAppendAnomaly* a = Find(c.result, "G1b");
  ASSERT_NE(a, nullptr) << ::testing::PrintToString(Types(c.result));
  EXPECT_EQ(c.result.verdict, Verdict::kInvalid);
  EXPECT_THAT(a->explanation, HasSubstr("intermediate read"));
}

TEST(ListAppendTest, G1bCleanVariantIsValid) { ExpectValid(Check(G1b(false))); }

// Each txn reads what the other appended.
std::string G1c(bool cyclic) {
  return Txns()
      .Invoke(1, Tx({A("x", 1), Rq("y")}))
      .Invoke(2, Tx({A("y", 1), Rq("x")}))
      .Ok(1, Tx({A("x", 1), R("y", cyclic ? "1" : "")}))
      .Ok(2, Tx({A("y", 1), R("x", "1")}))
      .text();
}

TEST(ListAppendTest, G1cCircularInformationFlowIsReported) {
  Checked c = Check(G1c(true));
  const ListAppendAnomaly* a = Find(c.result, "G1c");
  ASSERT_NE(a, nullptr) << ::testing::PrintToString(Types(c.result));
  for (const auto& s : a->steps) EXPECT_EQ(s.kind, kWR);
  EXPECT_THAT(a->explanation, HasSubstr("whose last element"));
}

TEST(ListAppendTest, G1cCleanVariantIsValid) { ExpectValid(Check(G1c(false))); }

// T1 sees T2's append to y but not its append to x.
std::string GSingle(bool skewed) {
  return Txns()
      .Invoke(1, Tx({Rq("x"), Rq("y")}))
      .Invoke(2, Tx({A("x", 1), A("y", 1)}))
      .Ok(2, Tx({A("x", 1), A("y", 1)}))
      .Ok(1, Tx({R("x", skewed ? "" : "1"), R("y", "1")}))
      .Run(3, Tx({Rq("x")}), Tx({R("x", "1")}))
      .text();
}

TEST(ListAppendTest, GSingleReadSkewIsReportedWithOneRwEdge) {
  Checked c = Check(GSingle(true));
  const ListAppendAnomaly* a = Find(c.result, "G-single");
  ASSERT_NE(a, nullptr) << ::testing::PrintToString(Types(c.result));
  int rw = 0;
  for (const auto& s : a->steps) rw += s.kind == kRW;
  EXPECT_EQ(rw, 1);
  EXPECT_THAT(a->explanation, HasSubstr("without 1"));
  EXPECT_EQ(*c.result.strongest, ConsistencyModel::kReadCommitted);
}

TEST(ListAppendTest, GSingleCleanVariantIsValid) { ExpectValid(Check(GSingle(false))); }

// Write skew: each reads both keys empty and appends to one.
std::string G2Item(bool skewed) {
  return Txns()
      .Invoke(1, Tx({Rq("x"), Rq("y"), A("x", 1)}))
      .Invoke(2, Tx({Rq("x"), Rq("y"), A("y", 1)}))
      .Ok(1, Tx({R("x", ""), R("y", ""), A("x", 1)}))
      .Ok(2, Tx({R("x", skewed ? "" : "1"), R("y", ""), A("y", 1)}))
      .Run(3, Tx({Rq("x"), Rq("y")}), Tx({R("x", "1"), R("y", "1")}))
      .text();
}

TEST(ListAppendTest, G2ItemWriteSkewViolatesSerializableButNotSnapshotIsolation) {
  Checked c = Check(G2Item(true));
  const ListAppendAnomaly* a = Find(c.result, "G2-item");
  ASSERT_NE(a, nullptr) << ::testing::PrintToString(Types(c.result));
  EXPECT_EQ(c.result.verdict, Verdict::kInvalid);
  EXPECT_EQ(*c.result.strongest, ConsistencyModel::kSnapshotIsolation);
  EXPECT_EQ(Check(G2Item(true), ConsistencyModel::kSnapshotIsolation).result.verdict, Verdict::kValid);
}

TEST(ListAppendTest, G2ItemCleanVariantIsValid) { ExpectValid(Check(G2Item(false))); }

// T2 begins after T1's append completed, yet misses it.
std::string StaleRead(bool after) {
  Txns t;
  if (after) {
    t.Run(1, Tx({A("x", 1)}), Tx({A("x", 1)})).Run(2, Tx({Rq("x")}), Tx({R("x", "")}));
  } else {
    t.Invoke(1, Tx({A("x", 1)})).Invoke(2, Tx({Rq("x")})).Ok(1, Tx({A("x", 1)})).Ok(2, Tx({R("x", "")}));
  }
  return t.Run(3, Tx({Rq("x")}), Tx({R("x", "1")})).text();
}

TEST(ListAppendTest, StaleReadIsARealtimeCycleThatOnlyStrictSerializableForbids) {
  Checked c = Check(StaleRead(true));
  const ListAppendAnomaly* a = Find(c.result, "G-single-realtime");
  ASSERT_NE(a, nullptr) << ::testing::PrintToString(Types(c.result));
  EXPECT_EQ(c.result.verdict, Verdict::kInvalid);
  EXPECT_EQ(*c.result.strongest, ConsistencyModel::kSerializable);
  EXPECT_THAT(a->explanation, HasSubstr("completed (index 1) before T"));
  EXPECT_EQ(Check(StaleRead(true), ConsistencyModel::kSerializable).result.verdict, Verdict::kValid);
}

TEST(ListAppendTest, ConcurrentReadMayMissAnAppend) { ExpectValid(Check(StaleRead(false))); }

TEST(ListAppendTest, DuplicateElementsAreReported) {
  Checked c = Check(Txns()
                        .Run(1, Tx({A("x", 1)}), Tx({A("x", 1)}))
                        .Run(2, Tx({Rq("x")}), Tx({R("x", "1,1")}))
                        .text());
  ASSERT_NE(Find(c.result, "duplicate-elements"), nullptr) << ::testing::PrintToString(Types(c.result));
  EXPECT_FALSE(c.result.strongest.has_value());
}

std::string Lost(bool lost) {
  return Txns()
      .Run(1, Tx({A("x", 1)}), Tx({A("x", 1)}))
      .Run(2, Tx({A("x", 2)}), Tx({A("x", 2)}))
      .Run(3, Tx({Rq("x")}), Tx({R("x", lost ? "2" : "1,2")}))
      .text();
}

TEST(ListAppendTest, LostAppendIsReported) {
  Checked c = Check(Lost(true));
  const ListAppendAnomaly* a = Find(c.result, "lost-append");
  ASSERT_NE(a, nullptr) << ::testing::PrintToString(Types(c.result));
  EXPECT_EQ(a->key, "x");
  EXPECT_EQ(c.result.verdict, Verdict::kInvalid);
}

TEST(ListAppendTest, LostAppendCleanVariantIsValid) { ExpectValid(Check(Lost(false))); }

TEST(ListAppendTest, IncompatibleOrdersAreReported) {
  Checked c = Check(Txns()
                        .Invoke(1, Tx({A("x", 1)}))
                        .Invoke(2, Tx({A("x", 2)}))
                        .Ok(1, Tx({A("x", 1)}))
                        .Ok(2, Tx({A("x", 2)}))
                        .Run(3, Tx({Rq("x")}), Tx({R("x", "1,2")}))
                        .Run(4, Tx({Rq("x")}), Tx({R("x", "2,1")}))
                        .text());
  const ListAppendAnomaly* a = Find(c.result, "incompatible-order");
  ASSERT_NE(a, nullptr) << ::testing::PrintToString(Types(c.result));
  EXPECT_THAT(a->explanation, HasSubstr("neither is a prefix"));
}

TEST(ListAppendTest, UnknownElementAndInternalInconsistencyAreReported) {
  Checked c = Check(Txns()
                        .Run(1, Tx({A("x", 1), Rq("x")}), Tx({A("x", 1), R("x", "")}))
                        .Run(2, Tx({Rq("y")}), Tx({R("y", "7")}))
                        .text());
  EXPECT_NE(Find(c.result, "internal"), nullptr) << ::testing::PrintToString(Types(c.result));
  EXPECT_NE(Find(c.result, "unknown-element"), nullptr);
}

TEST(ListAppendTest, OwnAppendsSeenByOwnReadsAreValid) {
  ExpectValid(Check(Txns()
                        .Run(1, Tx({Rq("x"), A("x", 1), Rq("x"), A("x", 2)}),
                             Tx({R("x", ""), A("x", 1), R("x", "1"), A("x", 2)}))
                        .Run(2, Tx({Rq("x")}), Tx({R("x", "1,2")}))
                        .text()));
}

TEST(ListAppendTest, InfoAppendSeenLaterCountsAsCommitted) {
  ExpectValid(Check(Txns()
                        .Invoke(1, Tx({A("x", 1)}))
                        .Info(1, Tx({A("x", 1)}))
                        .Run(2, Tx({Rq("x")}), Tx({R("x", "1")}))
                        .text()));
}

TEST(ListAppendTest, AnElementAppendedTwiceIsBadInputNamingBothLines) {
  auto h = ParseJsonl(Txns().Run(1, Tx({A("x", 1)}), Tx({A("x", 1)})).Run(2, Tx({A("x", 1)}), Tx({A("x", 1)})).text(),
                      "t.jsonl");
  ASSERT_TRUE(h.ok());
  auto ops = BuildOps(*h, ModelKind::kListAppend);
  ASSERT_TRUE(ops.ok());
  auto r = CheckListAppend(*h, *ops);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("t.jsonl:3: field \"value\": element 1 is appended to key x again (first at line 1)"));
}

TEST(ListAppendTest, MalformedTxnValuesNameLineAndField) {
  auto bad = ParseJsonl("{\"index\":0,\"type\":\"invoke\",\"process\":1,\"f\":\"txn\",\"value\":[[\"w\",\"x\",1]],\"time\":0}\n",
                        "t.jsonl");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("t.jsonl:1: field \"value[0]\""));
  auto h = ParseJsonl(Txns().Invoke(1, Tx({A("x", 1)})).Ok(1, Tx({A("x", 2)})).text(), "t.jsonl");
  ASSERT_TRUE(h.ok());
  auto ops = BuildOps(*h, ModelKind::kListAppend);
  ASSERT_FALSE(ops.ok());
  EXPECT_THAT(ops.status().message(), HasSubstr("t.jsonl:2: field \"value[0]\": differs from the invoke"));
  auto unread = ParseJsonl(Txns().Invoke(1, Tx({Rq("x")})).Ok(1, Tx({Rq("x")})).text(), "t.jsonl");
  ASSERT_TRUE(unread.ok());
  EXPECT_FALSE(BuildOps(*unread, ModelKind::kListAppend).ok());
}

TEST(ListAppendTest, TxnValuesRoundTripThroughJsonlAndElleEdn) {
  const std::string text = G2Item(true);
  auto h = ParseJsonl(text, "t.jsonl");
  ASSERT_TRUE(h.ok());
  std::ostringstream jsonl;
  WriteJsonl(*h, jsonl);
  auto again = ParseJsonl(jsonl.str(), "again.jsonl");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->events.size(), h->events.size());
  for (size_t i = 0; i < h->events.size(); ++i) EXPECT_EQ(again->events[i].value, h->events[i].value);
  std::ostringstream edn;
  WriteEdn(*h, edn);
  EXPECT_THAT(edn.str(), HasSubstr("[[:r \"x\" nil] [:r \"y\" nil] [:append \"x\" 1]]"));
  auto from_edn = ParseEdn(edn.str(), "t.edn");
  ASSERT_TRUE(from_edn.ok()) << from_edn.status().message();
  Checked c = Check(*from_edn);
  EXPECT_NE(Find(c.result, "G2-item"), nullptr);
}

TEST(ListAppendTest, ReadsElleHistoriesWithIntegerKeys) {
  const std::string edn =
      "{:type :invoke, :f :txn, :value [[:append 5 1] [:r 6 nil]], :process 0, :time 10, :index 0}\n"
      "{:type :invoke, :f :txn, :value [[:append 6 1] [:r 5 nil]], :process 1, :time 20, :index 1}\n"
      "{:type :ok, :f :txn, :value [[:append 5 1] [:r 6 [1]]], :process 0, :time 30, :index 2}\n"
      "{:type :ok, :f :txn, :value [[:append 6 1] [:r 5 [1]]], :process 1, :time 40, :index 3}\n"
      "{:type :info, :f :start-partition, :value nil, :process :nemesis, :time 50, :index 4}\n";
  auto h = ParseEdn(edn, "elle.edn");
  ASSERT_TRUE(h.ok()) << h.status().message();
  Checked c = Check(*h);
  const ListAppendAnomaly* a = Find(c.result, "G1c");
  ASSERT_NE(a, nullptr) << ::testing::PrintToString(Types(c.result));
  EXPECT_THAT(a->explanation, HasSubstr("read key 5 = [1]"));
}

// Generated histories take effect atomically at completion: strictly serializable.
TEST(ListAppendPropertyTest, GeneratedHistoriesAreValid) {
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    ListAppendGenOptions o;
    o.txns = 400;
    o.clients = 1 + static_cast<int>(seed % 6);
    o.active_keys = 1 + static_cast<int>(seed % 5);
    o.appends_per_key = 8;
    o.fail_rate = 0.05;
    o.info_rate = 0.05;
    o.seed = seed;
    Checked c = Check(GenerateListAppendHistory(o));
    EXPECT_EQ(c.result.verdict, Verdict::kValid) << "seed " << seed << ": " << ::testing::PrintToString(Types(c.result));
    EXPECT_GT(c.result.ok, 300u);
  }
}

// Rewrites the read micro-ops of ok completions; `edit` returns true once it changed one.
template <typename F>
bool MutateReads(History* h, F&& edit) {
  for (Event& e : h->events) {
    if (e.type != EventType::kOk || !e.value.is_txn()) continue;
    std::vector<MicroOp> mops = e.value.micro_ops();
    for (MicroOp& m : mops) {
      if (m.kind == MicroOp::Kind::kRead && m.read && edit(&*m.read)) {
        e.value = Value::Txn(std::move(mops));
        return true;
      }
    }
  }
  return false;
}

History Generated(uint64_t seed) {
  ListAppendGenOptions o;
  o.txns = 300;
  o.clients = 4;
  o.active_keys = 3;
  o.appends_per_key = 10;
  o.seed = seed;
  return GenerateListAppendHistory(o);
}

TEST(ListAppendPropertyTest, MutatedHistoriesAreInvalid) {
  for (uint64_t seed = 1; seed <= 10; ++seed) {
    {
      History h = Generated(seed);
      ASSERT_TRUE(MutateReads(&h, [](std::vector<int64_t>* r) {
        if (r->empty()) return false;
        r->push_back(r->front());
        return true;
      }));
      EXPECT_NE(Find(Check(h).result, "duplicate-elements"), nullptr) << "seed " << seed;
    }
    {
      History h = Generated(seed);
      ASSERT_TRUE(MutateReads(&h, [](std::vector<int64_t>* r) {
        r->push_back(1'000'000);
        return true;
      }));
      EXPECT_NE(Find(Check(h).result, "unknown-element"), nullptr) << "seed " << seed;
    }
    {
      // The final read of a key drops its last element: a lost append, or a stale read
      // if another read saw it.
      History h = Generated(seed);
      auto final_read = std::find_if(h.events.rbegin(), h.events.rend(), [](const Event& e) {
        return e.type == EventType::kOk && e.value.micro_ops()[0].read && !e.value.micro_ops()[0].read->empty();
      });
      ASSERT_NE(final_read, h.events.rend());
      std::vector<MicroOp> mops = final_read->value.micro_ops();
      mops[0].read->pop_back();
      final_read->value = Value::Txn(std::move(mops));
      Checked c = Check(h);
      EXPECT_EQ(c.result.verdict, Verdict::kInvalid) << "seed " << seed;
      EXPECT_TRUE(Find(c.result, "lost-append") || Find(c.result, "G-single-realtime") ||
                  Find(c.result, "G2-item-realtime"))
          << "seed " << seed << ": " << ::testing::PrintToString(Types(c.result));
    }
  }
}

TEST(ListAppendModelTest, NamesParseBack) {
  for (const char* n : {"read-uncommitted", "read-committed", "snapshot-isolation", "serializable", "strict-serializable"}) {
    auto m = ParseConsistencyModel(n);
    ASSERT_TRUE(m.has_value()) << n;
    EXPECT_STREQ(ConsistencyModelName(*m), n);
  }
  EXPECT_FALSE(ParseConsistencyModel("linearizable").has_value());
}

}  // namespace
}  // namespace raftlab::checkers
