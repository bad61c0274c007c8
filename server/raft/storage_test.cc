#include "server/raft/errors.h"
#include "server/raft/storage.h"

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

TEST(MemoryStorage, AppendTruncatesConflictingSuffix) {
  MemoryStorage s;
  ASSERT_TRUE(s.Append(Ents({{1, 1}, {2, 1}, {3, 1}})).ok());
  ASSERT_TRUE(s.Append(Ents({{2, 2}})).ok());
  EXPECT_EQ(*s.LastIndex(), 2u);
  EXPECT_EQ(*s.Term(2), 2u);
  EXPECT_TRUE(Is(s.Append(Ents({{5, 2}})), RaftError::kUnavailable));
}

TEST(MemoryStorage, CompactKeepsTermOfCompactedIndex) {
  MemoryStorage s;
  ASSERT_TRUE(s.Append(Ents({{1, 1}, {2, 2}, {3, 3}, {4, 3}})).ok());
  ASSERT_TRUE(s.Compact(2).ok());
  EXPECT_EQ(*s.FirstIndex(), 3u);
  EXPECT_EQ(*s.Term(2), 2u);
  EXPECT_TRUE(Is(s.Term(1).status(), RaftError::kCompacted));
  EXPECT_TRUE(Is(s.Entries(2, 4, UINT64_MAX).status(), RaftError::kCompacted));
  EXPECT_TRUE(Is(s.Compact(2), RaftError::kCompacted));
  EXPECT_TRUE(Is(s.Entries(3, 6, UINT64_MAX).status(), RaftError::kUnavailable));
}

TEST(MemoryStorage, EntriesRespectsMaxBytesButReturnsAtLeastOne) {
  MemoryStorage s;
  auto ents = Ents({{1, 1}, {2, 1}, {3, 1}});
  for (auto& e : ents) e.set_data(std::string(100, 'x'));
  ASSERT_TRUE(s.Append(ents).ok());
  EXPECT_EQ(s.Entries(1, 4, 1)->size(), 1u);
  EXPECT_EQ(s.Entries(1, 4, 2 * EntrySize(ents[0]))->size(), 2u);
  EXPECT_EQ(s.Entries(1, 4, UINT64_MAX)->size(), 3u);
}

TEST(MemoryStorage, SnapshotCreateAndApply) {
  MemoryStorage s;
  ASSERT_TRUE(s.Append(Ents({{1, 1}, {2, 2}, {3, 2}})).ok());
  raftpb::ConfState cs;
  cs.add_voters(1);
  auto snap = s.CreateSnapshot(2, &cs, "img");
  ASSERT_TRUE(snap.ok());
  EXPECT_EQ(snap->metadata().term(), 2u);
  EXPECT_TRUE(Is(s.CreateSnapshot(2, &cs, "").status(), RaftError::kSnapshotOutOfDate));
  MemoryStorage t;
  ASSERT_TRUE(t.ApplySnapshot(*snap).ok());
  EXPECT_EQ(*t.FirstIndex(), 3u);
  EXPECT_EQ(*t.LastIndex(), 2u);
  EXPECT_EQ(t.GetInitialState()->conf_state.voters_size(), 1);
  EXPECT_TRUE(Is(t.ApplySnapshot(*snap), RaftError::kSnapshotOutOfDate));
}

TEST(RaftErrors, KindsAreDistinctAndSurviveCopies) {
  absl::Status a = MakeError(RaftError::kProposalDropped, "x");
  absl::Status b = MakeError(RaftError::kUncommittedSizeExceeded, "y");
  absl::Status c = a;
  EXPECT_TRUE(Is(c, RaftError::kProposalDropped));
  EXPECT_FALSE(Is(b, RaftError::kProposalDropped));
  EXPECT_EQ(ErrorOf(absl::OkStatus()), std::nullopt);
  EXPECT_EQ(ErrorOf(absl::InternalError("z")), std::nullopt);
}

}  // namespace
}  // namespace raftlab::raft
