// HistoryRecorder: lines follow the history format, indices and times are ordered, nemesis
// events are kept apart from client events by the analysis, and the file is readable as
// ops happen (a crash leaves a usable prefix).
#include "harness/recorder.h"

#include <gtest/gtest.h>

#include <thread>

#include "checkers/jsonl.h"
#include "harness/analysis.h"
#include "harness/test_util.h"

namespace raftlab::harness {
namespace {

using checkers::Value;
using workloads::OpRequest;
using workloads::OpResult;
using workloads::Outcome;

OpResult Ok(Value v) {
  OpResult r;
  r.outcome = Outcome::kOk;
  r.value = std::move(v);
  r.node = "n1";
  r.term = 2;
  r.applied_index = 7;
  return r;
}

TEST(HistoryRecorder, EventsAreReadableLineByLineAsTheyHappen) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/history.jsonl";
  auto rec = HistoryRecorder::Open(path);
  ASSERT_TRUE(rec.ok()) << rec.status();
  OpRequest w{"write", "r0", Value::Int(1)};
  (*rec)->Invoke(0, w);
  // Not closed yet: what is on disk already parses (the crash-prefix guarantee).
  auto prefix = checkers::ReadJsonlFile(path);
  ASSERT_TRUE(prefix.ok()) << prefix.status().message();
  EXPECT_EQ(prefix->events.size(), 1u);
  (*rec)->Complete(0, w, Ok(Value::Int(1)), "linearizable");
  OpRequest r{"read", "r0", Value::Null()};
  (*rec)->Invoke(1, r);
  (*rec)->Complete(1, r, Ok(Value::Int(1)), "stale");
  auto h = checkers::ReadJsonlFile(path);
  ASSERT_TRUE(h.ok()) << h.status().message();
  ASSERT_EQ(h->events.size(), 4u);
  const auto& done = h->events[3];
  EXPECT_EQ(done.type, checkers::EventType::kOk);
  EXPECT_EQ(done.value, Value::Int(1));
  EXPECT_EQ(h->Str(h->ExtraOf(done).read_mode), "stale");
  EXPECT_EQ(h->Str(h->ExtraOf(done).node), "n1");
  EXPECT_EQ(h->ExtraOf(done).applied_index, 7);
  // The write's completion carries no read_mode.
  EXPECT_EQ(h->ExtraOf(h->events[1]).read_mode, checkers::kNoString);
  EXPECT_EQ((*rec)->ok(), 2u);
}

TEST(HistoryRecorder, ConcurrentWritersKeepIndexAndTimeOrdered) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/history.jsonl";
  auto rec = HistoryRecorder::Open(path);
  ASSERT_TRUE(rec.ok());
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 500; ++i) {
        OpRequest w{"write", "k" + std::to_string(t), Value::Int(i + 1)};
        (*rec)->Invoke(t, w);
        (*rec)->Complete(t, w, Ok(Value::Int(i + 1)), nullptr);
      }
    });
  }
  for (auto& t : threads) t.join();
  rec->reset();
  auto h = checkers::ReadJsonlFile(path);
  ASSERT_TRUE(h.ok()) << h.status().message();  // the reader checks index == position
  ASSERT_EQ(h->events.size(), 4000u);
  auto ops = checkers::BuildOps(*h, checkers::ModelKind::kCasRegister);  // checks time order
  ASSERT_TRUE(ops.ok()) << ops.status().message();
  EXPECT_EQ(ops->size(), 2000u);
}

TEST(HistoryRecorder, NemesisEventsAreSeparatedAndIndicesMapBackToTheFile) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/history.jsonl";
  auto rec = HistoryRecorder::Open(path);
  ASSERT_TRUE(rec.ok());
  OpRequest w{"write", "r0", Value::Int(1)};
  (*rec)->Nemesis(true, "partition-halves", "[1] | [2,3]");  // index 0
  (*rec)->Invoke(0, w);                                       // 1
  (*rec)->Complete(0, w, Ok(Value::Int(1)), nullptr);         // 2
  (*rec)->Nemesis(false, "partition-halves", "[1] | [2,3]");  // 3
  OpRequest r{"read", "r0", Value::Null()};
  (*rec)->Invoke(1, r);                                       // 4
  (*rec)->Complete(1, r, Ok(Value::Null()), "stale");         // 5: a stale read
  rec->reset();
  auto a = AnalyzeHistory(path, {});
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_EQ(a->nemesis.size(), 1u);
  EXPECT_EQ(a->nemesis[0].fault, "partition-halves");
  EXPECT_EQ(a->nemesis[0].detail, "[1] | [2,3]");
  EXPECT_EQ(a->nemesis[0].start_index, 0);
  EXPECT_EQ(a->nemesis[0].end_index, 3);
  EXPECT_LE(a->nemesis[0].start_ns, a->nemesis[0].end_ns);
  EXPECT_EQ(a->file_index, (std::vector<int64_t>{1, 2, 4, 5}));
  EXPECT_EQ(a->report.verdict, checkers::Verdict::kInvalid);
  // The summary names history.jsonl indices, not positions among client events.
  EXPECT_NE(a->summary.find("index 5"), std::string::npos) << a->summary;
}

TEST(MapIndices, RewritesEveryIndexMention) {
  std::vector<int64_t> map = {10, 11, 12};
  EXPECT_EQ(MapIndices("read at index 2 after index 0", map), "read at index 12 after index 10");
  EXPECT_EQ(MapIndices("index 9 is out of range", map), "index 9 is out of range");
  EXPECT_EQ(MapIndices("no numbers: index x", map), "no numbers: index x");
  EXPECT_EQ(MapIndices("write 2 (index 0-2) and (index 1-)", map), "write 2 (index 10-12) and (index 11-)");
}

}  // namespace
}  // namespace raftlab::harness
