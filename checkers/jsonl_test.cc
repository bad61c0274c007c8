#include "checkers/jsonl.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace raftlab::checkers {
namespace {

using ::testing::HasSubstr;

const char* kSample =
    R"({"index":0,"type":"invoke","process":3,"f":"write","key":"k7","value":12,"time":1000})"
    "\n"
    R"({"index":1,"type":"invoke","process":5,"f":"read","key":"k7","value":null,"time":1200})"
    "\n"
    R"({"index":2,"type":"ok","process":3,"f":"write","key":"k7","value":12,"time":2500,"node":"n1","term":4,"applied_index":99})"
    "\n"
    R"({"index":3,"type":"ok","process":5,"f":"read","key":"k7","value":12,"time":2600,"read_mode":"lease"})"
    "\n"
    R"({"index":4,"type":"invoke","process":1,"f":"cas","key":"k7","value":[12,13],"time":3000})"
    "\n"
    R"({"index":5,"type":"info","process":1,"f":"cas","key":"k7","value":[12,13],"time":9000,"error":"timeout"})"
    "\n";

TEST(JsonlTest, ParsesEveryFieldOfTheContractExample) {
  auto h = ParseJsonl(kSample, "h.jsonl");
  ASSERT_TRUE(h.ok()) << h.status().message();
  ASSERT_EQ(h->events.size(), 6u);
  const Event& e = h->events[2];
  EXPECT_EQ(e.type, EventType::kOk);
  EXPECT_EQ(e.process, 3);
  EXPECT_EQ(h->Str(e.f), "write");
  EXPECT_EQ(h->Str(e.key), "k7");
  EXPECT_EQ(e.value, Value::Int(12));
  EXPECT_EQ(e.time, 2500);
  EXPECT_EQ(h->Str(h->ExtraOf(e).node), "n1");
  EXPECT_EQ(h->ExtraOf(e).term, 4);
  EXPECT_EQ(h->ExtraOf(e).applied_index, 99);
  EXPECT_EQ(h->Str(h->ExtraOf(h->events[3]).read_mode), "lease");
  EXPECT_EQ(h->events[4].value, Value::List({12, 13}));
  EXPECT_EQ(h->Str(h->ExtraOf(h->events[5]).error), "timeout");
  EXPECT_EQ(h->events[5].line, 6);
}

TEST(JsonlTest, WriteThenReadRoundTripsExactly) {
  auto h = ParseJsonl(kSample, "h.jsonl");
  ASSERT_TRUE(h.ok());
  std::ostringstream out;
  WriteJsonl(*h, out);
  EXPECT_EQ(out.str(), kSample);
  auto again = ParseJsonl(out.str(), "again.jsonl");
  ASSERT_TRUE(again.ok());
  std::ostringstream out2;
  WriteJsonl(*again, out2);
  EXPECT_EQ(out.str(), out2.str());
}

TEST(JsonlTest, FileReaderMatchesInMemoryParserAcrossChunkBoundaries) {
  char dir_template[] = "/tmp/checkers_jsonl_XXXXXX";
  ASSERT_NE(mkdtemp(dir_template), nullptr);
  std::filesystem::path dir(dir_template);
  std::string text;
  for (int i = 0; i < 60000; ++i) {
    text += "{\"index\":" + std::to_string(i) + ",\"type\":\"invoke\",\"process\":" +
            std::to_string(i) + ",\"f\":\"read\",\"key\":\"some-rather-long-key-name-" +
            std::to_string(i % 97) + "\",\"value\":null,\"time\":" + std::to_string(i) + "}\n";
  }
  text.pop_back();  // no newline after the last line
  std::string path = (dir / "h.jsonl").string();
  {
    std::ofstream(path) << text;
  }
  auto from_file = ReadJsonlFile(path);
  std::filesystem::remove_all(dir);
  ASSERT_TRUE(from_file.ok()) << from_file.status().message();
  ASSERT_EQ(from_file->events.size(), 60000u);
  EXPECT_EQ(from_file->events.back().process, 59999);
  EXPECT_EQ(from_file->Str(from_file->events[500].key), "some-rather-long-key-name-15");
}

TEST(JsonlTest, MissingFileIsAnErrorNamingThePath) {
  auto h = ReadJsonlFile("/nonexistent/dir/h.jsonl");
  ASSERT_FALSE(h.ok());
  EXPECT_THAT(h.status().message(), HasSubstr("/nonexistent/dir/h.jsonl"));
}

struct Malformed {
  const char* line;
  const char* expected;
};

class JsonlMalformedTest : public ::testing::TestWithParam<Malformed> {};

TEST_P(JsonlMalformedTest, ErrorNamesLineAndField) {
  std::string text =
      R"({"index":0,"type":"invoke","process":1,"f":"read","value":null,"time":1})"
      "\n";
  text += GetParam().line;
  text += "\n";
  auto h = ParseJsonl(text, "bad.jsonl");
  ASSERT_FALSE(h.ok());
  EXPECT_THAT(h.status().message(), HasSubstr("bad.jsonl:2: "));
  EXPECT_THAT(h.status().message(), HasSubstr(GetParam().expected));
}

INSTANTIATE_TEST_SUITE_P(
    Lines, JsonlMalformedTest,
    ::testing::Values(
        Malformed{R"({"index":1,"type":"okk","process":1,"f":"read","value":1,"time":2})",
                  "field \"type\": unknown type \"okk\""},
        Malformed{R"({"index":1,"type":"ok","process":"a","f":"read","value":1,"time":2})",
                  "field \"process\": must be an integer"},
        Malformed{R"({"index":1,"type":"ok","process":1,"f":"read","value":1.5,"time":2})",
                  "field \"value\""},
        Malformed{R"({"index":1,"type":"ok","process":1,"f":"read","value":"x","time":2})",
                  "field \"value\": must be null, an integer or a list"},
        Malformed{R"({"index":1,"type":"ok","process":1,"f":"cas","value":[1,"2"],"time":2})",
                  "field \"value\": list elements"},
        Malformed{R"({"index":1,"type":"ok","process":1,"f":"read","value":1})",
                  "field \"time\": missing"},
        Malformed{R"({"index":7,"type":"ok","process":1,"f":"read","value":1,"time":2})",
                  "field \"index\": is 7"},
        Malformed{R"({"index":1,"type":"ok","process":1,"f":"read","value":1,"time":2)",
                  "malformed JSON"},
        Malformed{R"([1,2])", "each line must be one JSON object"}));

}  // namespace
}  // namespace raftlab::checkers

namespace raftlab::checkers {
namespace {

TEST(JsonlNemesis, FaultEventsAreSkippedButKeepTheirFileIndices) {
  const std::string text =
      "{\"index\":0,\"type\":\"invoke\",\"process\":0,\"f\":\"write\",\"key\":\"k\",\"value\":1,\"time\":1}\n"
      "{\"index\":1,\"type\":\"info\",\"process\":\"nemesis\",\"f\":\"start\",\"value\":\"partition-halves\",\"time\":2}\n"
      "{\"index\":2,\"type\":\"ok\",\"process\":0,\"f\":\"write\",\"key\":\"k\",\"value\":1,\"time\":3}\n";
  auto h = ParseJsonl(text, "t.jsonl");
  ASSERT_TRUE(h.ok()) << h.status().message();
  ASSERT_EQ(h->events.size(), 2u);
  EXPECT_EQ(h->FileIndex(0), 0);
  EXPECT_EQ(h->FileIndex(1), 2);
}

TEST(JsonlNemesis, OtherStringProcessesAreRejectedNamingTheField) {
  auto h = ParseJsonl(
      "{\"index\":0,\"type\":\"invoke\",\"process\":\"bob\",\"f\":\"read\",\"value\":null,\"time\":1}\n",
      "t.jsonl");
  ASSERT_FALSE(h.ok());
  EXPECT_NE(h.status().message().find("process"), std::string::npos) << h.status().message();
}

}  // namespace
}  // namespace raftlab::checkers
