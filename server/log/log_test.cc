#include "server/log/log.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>
#include <thread>
#include <vector>

#include "spdlog/sinks/ostream_sink.h"

namespace raftlab::log {
namespace {

using ::testing::ContainsRegex;
using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::Not;

// Captures the process log for one test and puts stderr back afterwards.
class LogTest : public ::testing::Test {
 protected:
  void Use(Level level, uint64_t node_id = 2) {
    Options o;
    o.level = level;
    o.node_id = node_id;
    o.sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out_);
    Configure(o);
  }
  void TearDown() override { Configure(Options{}); }
  std::vector<std::string> Lines() const {
    std::vector<std::string> lines;
    std::istringstream in(out_.str());
    for (std::string l; std::getline(in, l);) lines.push_back(l);
    return lines;
  }
  std::ostringstream out_;
};

TEST_F(LogTest, OneLineWithTimestampsLevelNodeEventAndFields) {
  Use(Level::kInfo);
  RAFTLAB_LOG(kInfo, "leader_changed").Kv("group", 1).Kv("term", uint64_t{5}).Kv("leader", 3);
  ASSERT_EQ(Lines().size(), 1u);
  EXPECT_THAT(Lines()[0], ContainsRegex("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{6}Z "
                                        "mono=[0-9]+\\.[0-9]{6} level=info node=2 "
                                        "event=leader_changed group=1 term=5 leader=3$"));
}

TEST_F(LogTest, ValuesOfEveryKindAreFormatted) {
  Use(Level::kInfo);
  RAFTLAB_LOG(kWarn, "mixed")
      .Kv("text", "no such file")
      .Kv("flag", true)
      .Kv("neg", -4)
      .Kv("ratio", 0.5)
      .Kv("status", absl::DataLossError("bad crc at \"0001.wal\""));
  ASSERT_EQ(Lines().size(), 1u);
  EXPECT_THAT(Lines()[0], EndsWith(" level=warn node=2 event=mixed text=\"no such file\" flag=true neg=-4 "
                                   "ratio=0.5 status=\"bad crc at \\\"0001.wal\\\"\" status_code=DATA_LOSS"));
}

TEST_F(LogTest, LinesBelowTheLevelAreNotWrittenNorTheirFieldsEvaluated) {
  Use(Level::kWarn);
  int evaluated = 0;
  auto field = [&] { return ++evaluated; };
  RAFTLAB_LOG(kInfo, "quiet").Kv("n", field());
  RAFTLAB_LOG(kDebug, "quieter").Kv("n", field());
  RAFTLAB_LOG(kError, "loud").Kv("n", field());
  EXPECT_EQ(evaluated, 1);
  ASSERT_EQ(Lines().size(), 1u);
  EXPECT_THAT(Lines()[0], HasSubstr(" level=error node=2 event=loud n=1"));
}

TEST_F(LogTest, SetLevelChangesFilteringAtRunTime) {
  Use(Level::kInfo);
  RAFTLAB_LOG(kDebug, "hidden");
  SetLevel(Level::kTrace);
  RAFTLAB_LOG(kTrace, "shown");
  ASSERT_EQ(Lines().size(), 1u);
  EXPECT_THAT(Lines()[0], HasSubstr("level=trace node=2 event=shown"));
}

TEST_F(LogTest, NodeFieldIsLeftOutWhileTheNodeIsUnknown) {
  Use(Level::kInfo, 0);
  RAFTLAB_LOG(kInfo, "tool_started");
  ASSERT_EQ(Lines().size(), 1u);
  EXPECT_THAT(Lines()[0], Not(HasSubstr("node=")));
  EXPECT_THAT(Lines()[0], HasSubstr(" level=info event=tool_started"));
}

TEST_F(LogTest, LinesFromManyThreadsStayWhole) {
  Use(Level::kInfo);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([t] {
      for (int i = 0; i < 200; ++i) RAFTLAB_LOG(kInfo, "tick").Kv("thread", t).Kv("i", i).Kv("pad", std::string(40, 'x'));
    });
  }
  for (auto& th : threads) th.join();
  const auto lines = Lines();
  ASSERT_EQ(lines.size(), 800u);
  for (const auto& l : lines) {
    ASSERT_THAT(l, ContainsRegex("event=tick thread=[0-3] i=[0-9]+ pad=x{40}$")) << l;
  }
}

}  // namespace
}  // namespace raftlab::log
