// The nemesis schedule: seeded, jittered, within the time limit.
#include "harness/schedule.h"

#include <gtest/gtest.h>

#include <set>

namespace raftlab::harness {
namespace {

ScheduleOptions Options(uint64_t seed) {
  ScheduleOptions o;
  o.faults = {"partition-leader", "kill", "stall-leader"};
  o.time_limit_ms = 60000;
  o.interval_ms = 3000;
  o.duration_ms = 2000;
  o.seed = seed;
  return o;
}

TEST(Schedule, SameSeedSameTable) {
  const auto a = MakeSchedule(Options(5)), b = MakeSchedule(Options(5));
  ASSERT_FALSE(a.empty());
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].fault, b[i].fault);
    EXPECT_EQ(a[i].start_ms, b[i].start_ms);
    EXPECT_EQ(a[i].stop_ms, b[i].stop_ms);
  }
}

TEST(Schedule, SeedsMoveTheFaultsAndNoPeriodIsFixed) {
  std::set<int64_t> first_starts, gaps;
  for (uint64_t seed = 1; seed <= 10; ++seed) {
    const auto s = MakeSchedule(Options(seed));
    ASSERT_GE(s.size(), 2u);
    first_starts.insert(s[0].start_ms);
    for (size_t i = 1; i < s.size(); ++i) gaps.insert(s[i].start_ms - s[i - 1].stop_ms);
  }
  EXPECT_GE(first_starts.size(), 8u);
  EXPECT_GE(gaps.size(), 50u);
}

TEST(Schedule, FaultsAreSequentialJitteredAndInsideTheRun) {
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    const auto s = MakeSchedule(Options(seed));
    int64_t last_stop = 0;
    std::set<std::string> used;
    for (const auto& f : s) {
      EXPECT_GE(f.start_ms, last_stop + 1500) << "seed " << seed;
      EXPECT_LE(f.start_ms, last_stop + 4500) << "seed " << seed;
      EXPECT_GE(f.stop_ms - f.start_ms, 1000);
      EXPECT_LE(f.stop_ms - f.start_ms, 3000);
      EXPECT_LT(f.stop_ms, 60000);
      last_stop = f.stop_ms;
      used.insert(f.fault);
    }
    EXPECT_GE(used.size(), 2u) << "seed " << seed;
  }
}

TEST(Schedule, EachRoundOfTheListDrawsEveryFaultOnce) {
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    const auto s = MakeSchedule(Options(seed));
    ASSERT_GE(s.size(), 6u);
    for (size_t round = 0; round + 3 <= s.size(); round += 3) {
      const std::set<std::string> drawn{s[round].fault, s[round + 1].fault, s[round + 2].fault};
      EXPECT_EQ(drawn.size(), 3u) << "seed " << seed << " round at " << round;
    }
  }
  std::set<std::string> firsts;
  for (uint64_t seed = 1; seed <= 20; ++seed) firsts.insert(MakeSchedule(Options(seed))[0].fault);
  EXPECT_EQ(firsts.size(), 3u) << "seeds shuffle the order";
}

TEST(Schedule, AllAtOnceStartsEveryFaultTogether) {
  auto o = Options(3);
  o.all_at_once = true;
  const auto s = MakeSchedule(o);
  ASSERT_EQ(s.size() % 3, 0u);
  for (size_t i = 0; i < s.size(); i += 3) {
    EXPECT_EQ(s[i].start_ms, s[i + 2].start_ms);
    EXPECT_EQ(s[i].stop_ms, s[i + 2].stop_ms);
    EXPECT_NE(s[i].fault, s[i + 1].fault);
  }
}

TEST(Schedule, JsonRoundTripsAndBadEntriesAreNamed) {
  const auto s = MakeSchedule(Options(9));
  auto back = ParseScheduleJson(ScheduleJson(s), "schedule.json");
  ASSERT_TRUE(back.ok()) << back.status();
  ASSERT_EQ(back->size(), s.size());
  EXPECT_EQ((*back)[1].stop_ms, s[1].stop_ms);
  auto bad = ParseScheduleJson(R"([{"fault":"kill","start_ms":5,"stop_ms":"x"}])", "f.json");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("f.json: entry 0: field \"stop_ms\""), std::string::npos);
  EXPECT_FALSE(ParseScheduleJson(R"([{"fault":"kill","start_ms":5,"stop_ms":5}])", "f.json").ok());
}

}  // namespace
}  // namespace raftlab::harness
