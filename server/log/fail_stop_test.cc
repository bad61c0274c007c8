#include "server/log/fail_stop.h"

#include <gtest/gtest.h>

#include <csignal>

#include "server/log/log.h"

namespace raftlab::log {
namespace {

// The death statements log to stderr (the default sink), where the test reads them.
void LogToStderrAs(uint64_t node_id) {
  Options o;
  o.level = Level::kError;
  o.node_id = node_id;
  Configure(o);
}

TEST(FailStopDeathTest, IoErrorLogsOneCriticalLineAndExitsWithTheFailStopCode) {
  EXPECT_EXIT(
      {
        LogToStderrAs(3);
        FailStop(StopCause::kIoError, "wal", "fsync", "0001.wal: Input/output error");
      },
      testing::ExitedWithCode(kFailStopExitCode),
      "level=critical node=3 event=fail_stop cause=io_error component=wal what=fsync "
      "detail=\"0001.wal: Input/output error\" exit=75\n");
}

TEST(FailStopDeathTest, InvariantViolationLogsTheLineAndAborts) {
  EXPECT_EXIT(
      {
        LogToStderrAs(1);
        FailStop(StopCause::kInvariant, "raft", "invariant", "commit 7 is beyond last index 5");
      },
      testing::KilledBySignal(SIGABRT),
      "level=critical node=1 event=fail_stop cause=invariant component=raft what=invariant "
      "detail=\"commit 7 is beyond last index 5\"\n");
}

}  // namespace
}  // namespace raftlab::log
