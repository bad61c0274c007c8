#include "server/log/line_format.h"

#include <gtest/gtest.h>

namespace raftlab::log {
namespace {

std::string Value(std::string_view v) {
  std::string out;
  AppendValue(&out, v);
  return out;
}

TEST(LineFormat, PlainValuesAreWrittenBare) {
  EXPECT_EQ(Value("leader"), "leader");
  EXPECT_EQ(Value("raftlab/wal/fsync"), "raftlab/wal/fsync");
  EXPECT_EQ(Value("127.0.0.1:7001"), "127.0.0.1:7001");
  EXPECT_EQ(Value("h\xc3\xa9llo"), "h\xc3\xa9llo");  // UTF-8 passes through
}

TEST(LineFormat, ValuesWithSpacesQuotesOrEqualsAreQuotedAndEscaped) {
  EXPECT_EQ(Value(""), "\"\"");
  EXPECT_EQ(Value("no such file"), "\"no such file\"");
  EXPECT_EQ(Value("say \"hi\""), "\"say \\\"hi\\\"\"");
  EXPECT_EQ(Value("a=b"), "\"a=b\"");
  EXPECT_EQ(Value("C:\\dir"), "\"C:\\\\dir\"");
}

TEST(LineFormat, ControlBytesNeverBreakTheLine) {
  EXPECT_EQ(Value("two\nlines"), "\"two\\nlines\"");
  EXPECT_EQ(Value("tab\there\r"), "\"tab\\there\\r\"");
  EXPECT_EQ(Value(std::string_view("nul\0bell\a", 9)), "\"nul\\x00bell\\x07\"");
}

TEST(LineFormat, FieldIsSpaceKeyEqualsValue) {
  std::string out = "event=x";
  AppendField(&out, "group", "1");
  AppendField(&out, "detail", "disk full");
  EXPECT_EQ(out, "event=x group=1 detail=\"disk full\"");
}

TEST(LineFormat, PrefixHoldsWallMonoLevelAndNode) {
  using namespace std::chrono;
  // 2026-11-30T21:43:34.123456Z
  const system_clock::time_point wall{seconds(1796075014) + microseconds(123456)};
  const nanoseconds mono = seconds(12) + nanoseconds(345678912);
  EXPECT_EQ(FormatPrefix(wall, mono, Level::kInfo, 2),
            "2026-11-30T21:43:34.123456Z mono=12.345678 level=info node=2 ");
  EXPECT_EQ(FormatPrefix(wall, mono, Level::kWarn, 0),
            "2026-11-30T21:43:34.123456Z mono=12.345678 level=warn ");
}

}  // namespace
}  // namespace raftlab::log
