#include "server/raft/raft_log.h"

#include "gtest/gtest.h"

namespace raftlab::raft {
namespace {

std::vector<Entry> Ents(std::initializer_list<std::pair<uint64_t, uint64_t>> it) {
  std::vector<Entry> out;
  for (auto [i, t] : it) {
    Entry e;
    e.set_index(i);
    e.set_term(t);
    out.push_back(e);
  }
  return out;
}

TEST(RaftLog, FindConflict) {
  MemoryStorage s;
  RaftLog log(&s, UINT64_MAX);
  auto base = Ents({{1, 1}, {2, 2}, {3, 3}});
  log.Append(base.data(), base.size());
  auto same = Ents({{1, 1}, {2, 2}});
  EXPECT_EQ(log.FindConflict(same.data(), same.size()), 0u);
  auto longer = Ents({{2, 2}, {3, 3}, {4, 4}});
  EXPECT_EQ(log.FindConflict(longer.data(), longer.size()), 4u);
  auto diff = Ents({{2, 1}, {3, 4}});
  EXPECT_EQ(log.FindConflict(diff.data(), diff.size()), 2u);
}

TEST(RaftLog, MaybeAppendChecksConsistencyAndTruncates) {
  MemoryStorage s;
  RaftLog log(&s, UINT64_MAX);
  auto base = Ents({{1, 1}, {2, 2}, {3, 3}});
  log.Append(base.data(), base.size());
  // previous entry mismatch: rejected
  EXPECT_FALSE(log.MaybeAppend(3, 2, 3, Ents({{4, 4}})));
  // conflict at 3: truncated and replaced, commit bounded by last new entry
  auto last = log.MaybeAppend(2, 2, 10, Ents({{3, 4}}));
  ASSERT_TRUE(last);
  EXPECT_EQ(*last, 3u);
  EXPECT_EQ(log.LastTerm(), 4u);
  EXPECT_EQ(log.committed(), 3u);
}

TEST(RaftLog, FindConflictByTermSkipsHigherTerms) {
  MemoryStorage s;
  RaftLog log(&s, UINT64_MAX);
  auto base = Ents({{1, 1}, {2, 1}, {3, 3}, {4, 3}, {5, 5}});
  log.Append(base.data(), base.size());
  EXPECT_EQ(log.FindConflictByTerm(5, 4), (std::pair<uint64_t, uint64_t>{4, 3}));
  EXPECT_EQ(log.FindConflictByTerm(5, 2), (std::pair<uint64_t, uint64_t>{2, 1}));
  EXPECT_EQ(log.FindConflictByTerm(5, 0), (std::pair<uint64_t, uint64_t>{0, 0}));
}

TEST(RaftLog, CommitOnlyOfCurrentTermByCounting) {
  MemoryStorage s;
  RaftLog log(&s, UINT64_MAX);
  auto base = Ents({{1, 1}, {2, 2}});
  log.Append(base.data(), base.size());
  EXPECT_FALSE(log.MaybeCommit(2, 3));
  EXPECT_TRUE(log.MaybeCommit(2, 2));
  EXPECT_EQ(log.committed(), 2u);
}

TEST(RaftLog, StableAndUnstableStitchAfterCompaction) {
  MemoryStorage s;
  ASSERT_TRUE(s.Append(Ents({{1, 1}, {2, 1}, {3, 2}})).ok());
  ASSERT_TRUE(s.Compact(2).ok());
  RaftLog log(&s, UINT64_MAX);
  EXPECT_EQ(log.FirstIndex(), 3u);
  auto more = Ents({{4, 2}, {5, 3}});
  log.Append(more.data(), more.size());
  auto all = log.Slice(3, 6, UINT64_MAX);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[2].term(), 3u);
  EXPECT_FALSE(log.Slice(2, 4, UINT64_MAX).ok());
  EXPECT_EQ(*log.Term(2), 1u);  // dummy entry at the compaction point
  log.StableTo(5, 3);
  EXPECT_TRUE(log.UnstableEntries().empty());
}

TEST(RaftLog, IsUpToDate) {
  MemoryStorage s;
  RaftLog log(&s, UINT64_MAX);
  auto base = Ents({{1, 1}, {2, 2}, {3, 3}});
  log.Append(base.data(), base.size());
  EXPECT_TRUE(log.IsUpToDate(2, 4));
  EXPECT_FALSE(log.IsUpToDate(2, 3));
  EXPECT_TRUE(log.IsUpToDate(3, 3));
  EXPECT_FALSE(log.IsUpToDate(9, 2));
}

}  // namespace
}  // namespace raftlab::raft
