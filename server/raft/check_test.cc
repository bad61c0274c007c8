#include "server/raft/check.h"

#include <gtest/gtest.h>

#include <cstdio>

namespace raftlab::raft {
namespace {

TEST(RaftCheck, PassingCheckDoesNothing) {
  RAFT_CHECK(1 + 1 == 2, "arithmetic");
  EXPECT_STREQ(LastInvariantViolation(), "");
}

void PrintTagged(const char* text) { std::fprintf(stderr, "handler saw <%s>\n", text); }

TEST(RaftCheckDeathTest, ViolationGoesToTheInstalledHandlerThenAborts) {
  EXPECT_DEATH(
      {
        SetInvariantHandler(&PrintTagged);
        const int commit = 7;
        RAFT_CHECK(commit <= 5, "commit %d is beyond last index %d", commit, 5);
      },
      "handler saw <.*check_test.cc:[0-9]+: commit <= 5: commit 7 is beyond last index 5>");
}

TEST(RaftCheckDeathTest, ViolationWithoutHandlerStillAborts) {
  EXPECT_DEATH(
      {
        SetInvariantHandler(nullptr);
        RAFT_CHECK(false, "no handler");
      },
      "");
}

}  // namespace
}  // namespace raftlab::raft
