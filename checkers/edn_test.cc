#include "checkers/edn.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

#include "checkers/history_gen.h"
#include "checkers/jsonl.h"
#include "checkers/test_util.h"

namespace raftlab::checkers {
namespace {

using ::testing::HasSubstr;

TEST(EdnTest, ReadsJepsenOpsWithIndependentKeysAndSkipsTheNemesis) {
  auto h = ParseEdn(
      "{:type :invoke, :f :write, :value [7 3], :process 0, :time 123, :index 0}\n"
      "{:type :info, :f :start-partition, :value nil, :process :nemesis, :time 130}\n"
      "{:type :ok, :f :write, :value [7 3], :process 0, :time 150, :index 1}\n"
      "{:type :invoke, :f :cas, :value [7 [3 4]], :process 1, :time 160}\n"
      "{:type :fail, :f :cas, :value [7 [3 4]], :process 1, :time 170, :error :conflict}\n"
      "{:type :invoke, :f :read, :value [7 nil], :process 1, :time 180}\n"
      "{:type :ok, :f :read, :value [7 3], :process 1, :time 190, :node \"n2\"}\n",
      "h.edn");
  ASSERT_TRUE(h.ok()) << h.status().message();
  ASSERT_EQ(h->events.size(), 6u);
  EXPECT_EQ(h->Str(h->events[0].key), "7");
  EXPECT_EQ(h->events[0].value, Value::Int(3));
  EXPECT_EQ(h->events[2].value, Value::List({3, 4}));
  EXPECT_EQ(h->Str(h->ExtraOf(h->events[3]).error), ":conflict");
  EXPECT_EQ(h->events[4].value, Value::Null());
  EXPECT_EQ(h->Str(h->ExtraOf(h->events[5]).node), "n2");
  EXPECT_EQ(h->events[5].line, 7);
}

TEST(EdnTest, UnkeyedCasHistoryInAVector) {
  auto h = ParseEdn(
      "[{:type :invoke, :f :cas, :value [1 2], :process 0, :time 1}\n"
      " {:type :ok, :f :cas, :value [1 2], :process 0, :time 2}]",
      "h.edn");
  ASSERT_TRUE(h.ok()) << h.status().message();
  EXPECT_EQ(h->events[0].key, kNoString);
  EXPECT_EQ(h->events[0].value, Value::List({1, 2}));
}

TEST(EdnTest, JsonlToEdnToJsonlRoundTripsAGeneratedHistory) {
  HistoryGenOptions o;
  o.ops = 2000;
  o.keys = 5;
  o.info_rate = 0.05;
  History original = GenerateCasHistory(o).history;
  std::ostringstream jsonl1, edn, jsonl2;
  WriteJsonl(original, jsonl1);
  WriteEdn(original, edn);
  auto back = ParseEdn(edn.str(), "g.edn");
  ASSERT_TRUE(back.ok()) << back.status().message();
  WriteJsonl(*back, jsonl2);
  EXPECT_EQ(jsonl1.str(), jsonl2.str());
}

TEST(EdnTest, MalformedInputNamesLineAndField) {
  auto bad_type = ParseEdn("{:type :invoke, :f :read, :process 0, :time 1}\n"
                           "{:type :okay, :f :read, :process 0, :time 2}\n",
                           "b.edn");
  ASSERT_FALSE(bad_type.ok());
  EXPECT_THAT(bad_type.status().message(), HasSubstr("b.edn:2: field :type: unknown type :okay"));
  auto unclosed = ParseEdn("{:type :invoke, :f :read,\n :process 0", "b.edn");
  ASSERT_FALSE(unclosed.ok());
  EXPECT_THAT(unclosed.status().message(), HasSubstr("missing '}'"));
  auto open_vector = ParseEdn("[{:type :invoke, :f :read, :process 0, :time 1}\n", "b.edn");
  ASSERT_FALSE(open_vector.ok());
  EXPECT_THAT(open_vector.status().message(), HasSubstr("b.edn:2: missing ']'"));
  auto float_value = ParseEdn("{:type :invoke, :f :write, :value 1.5, :process 0, :time 1}", "b.edn");
  ASSERT_FALSE(float_value.ok());
  EXPECT_THAT(float_value.status().message(), HasSubstr("b.edn:1: field :value"));
}

}  // namespace
}  // namespace raftlab::checkers
