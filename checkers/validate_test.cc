#include "checkers/validate.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "checkers/jsonl.h"
#include "checkers/test_util.h"

namespace raftlab::checkers {
namespace {

using ::testing::HasSubstr;
using testing::HistoryText;

Status Validate(const std::string& text, ModelKind model = ModelKind::kCasRegister) {
  auto h = ParseJsonl(text, "v.jsonl");
  if (!h.ok()) return h.status();
  auto ops = BuildOps(*h, model);
  return ops.ok() ? Status::Ok() : ops.status();
}

TEST(ValidateTest, PairsInvokesWithCompletionsAndOpenInvokesBecomeInfo) {
  auto h = ParseJsonl(HistoryText()
                          .Invoke(1, "write", "1")
                          .Invoke(2, "read")
                          .Ok(1, "write", "1")
                          .Ok(2, "read", "1")
                          .Invoke(1, "cas", "[1,2]")
                          .text(),
                      "v.jsonl");
  ASSERT_TRUE(h.ok());
  auto ops = BuildOps(*h, ModelKind::kCasRegister);
  ASSERT_TRUE(ops.ok()) << ops.status().message();
  ASSERT_EQ(ops->size(), 3u);
  EXPECT_EQ((*ops)[0].complete_event, 2);
  EXPECT_EQ(OpValue(*h, (*ops)[1]), Value::Int(1));
  EXPECT_EQ((*ops)[2].status, OpStatus::kInfo);
  EXPECT_EQ((*ops)[2].complete_event, -1);
}

TEST(ValidateTest, CompletionWithoutInvokeNamesLineAndType) {
  Status st = Validate(HistoryText().Ok(1, "read", "1").text());
  EXPECT_THAT(st.message(), HasSubstr("v.jsonl:1: field \"type\": completion (ok) without an invoke"));
}

TEST(ValidateTest, TwoOutstandingOpsInOneProcess) {
  Status st = Validate(HistoryText().Invoke(1, "read").Invoke(1, "write", "3").text());
  EXPECT_THAT(st.message(), HasSubstr("v.jsonl:2: field \"process\": process 1 already has an op outstanding, invoked at line 1"));
}

TEST(ValidateTest, ProcessReusedAfterInfo) {
  Status st = Validate(
      HistoryText().Invoke(1, "write", "3").Info(1, "write", "3").Invoke(1, "read").text());
  EXPECT_THAT(st.message(), HasSubstr("v.jsonl:3: field \"process\": process 1 is used again after its op ended in info at line 2"));
}

TEST(ValidateTest, TimeGoingBackwards) {
  std::string text =
      R"({"type":"invoke","process":1,"f":"read","value":null,"time":50})"
      "\n"
      R"({"type":"ok","process":1,"f":"read","value":null,"time":40})"
      "\n";
  EXPECT_THAT(Validate(text).message(),
              HasSubstr("v.jsonl:2: field \"time\": goes backwards: 40 after 50 at line 1"));
}

TEST(ValidateTest, CompletionOfADifferentFOrKey) {
  EXPECT_THAT(Validate(HistoryText().Invoke(1, "read").Ok(1, "write", "1").text()).message(),
              HasSubstr("v.jsonl:2: field \"f\": \"write\" completes an invoke of \"read\""));
  EXPECT_THAT(
      Validate(HistoryText().Invoke(1, "read", "null", "a").Ok(1, "read", "1", "b").text())
          .message(),
      HasSubstr("v.jsonl:2: field \"key\": \"b\" completes an invoke on \"a\""));
}

TEST(ValidateTest, ValuesOfTheWrongShape) {
  EXPECT_THAT(Validate(HistoryText().Invoke(1, "write", "null").text()).message(),
              HasSubstr("v.jsonl:1: field \"value\": a write's value must be an integer"));
  EXPECT_THAT(Validate(HistoryText().Invoke(1, "cas", "[1]").text()).message(),
              HasSubstr("v.jsonl:1: field \"value\": a cas's value must be [expected, new]"));
  EXPECT_THAT(Validate(HistoryText().Invoke(1, "read", "3").text()).message(),
              HasSubstr("field \"value\": a read's invoke must carry null"));
  EXPECT_THAT(Validate(HistoryText().Invoke(1, "read").Ok(1, "read", "[1,2]").text()).message(),
              HasSubstr("v.jsonl:2: field \"value\": a read must return an integer or null"));
  EXPECT_THAT(Validate(HistoryText().Invoke(1, "write", "1").Ok(1, "write", "2").text()).message(),
              HasSubstr("v.jsonl:2: field \"value\": 2 differs from the invoke's 1"));
  EXPECT_THAT(
      Validate(HistoryText().Invoke(1, "add", "1").Invoke(2, "read").Ok(2, "read", "7").text(),
               ModelKind::kSet)
          .message(),
      HasSubstr("v.jsonl:3: field \"value\": a set read must return a list of integers"));
}

TEST(ValidateTest, UnknownFForTheModel) {
  EXPECT_THAT(
      Validate(HistoryText().Invoke(1, "cas", "[1,2]").text(), ModelKind::kRegister).message(),
      HasSubstr("v.jsonl:1: field \"f\": unknown f \"cas\" for model register (expected read, write)"));
  EXPECT_THAT(Validate(HistoryText().Invoke(1, "append", "1").text()).message(),
              HasSubstr("unknown f \"append\""));
}

TEST(ValidateTest, StatsModelAcceptsAnyF) {
  EXPECT_TRUE(Validate(HistoryText().Invoke(1, "append", "1").text(), ModelKind::kStats).ok());
}

}  // namespace
}  // namespace raftlab::checkers
