// Property tests: the zone test, the pre-checks and the search agree with brute-force
// enumeration on thousands of small seeded random histories, valid and not, with info
// ops and open tails.
#include <gtest/gtest.h>

#include <random>

#include "checkers/brute_force.h"
#include "checkers/linearizability.h"
#include "checkers/precheck.h"
#include "checkers/search.h"
#include "checkers/zone.h"

namespace raftlab::checkers {
namespace {

struct GenOptions {
  bool cas = false;
  bool unique = true;
  int max_ops = 12;
};

// Simulates clients on one atomic register (each op takes effect at a random point
// inside its interval, or not at all if it ends info), then corrupts some read results
// so that about half the histories are not linearizable.
KeyOps RandomHistory(std::mt19937_64& rng, const GenOptions& g) {
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<uint64_t>(n)); };
  const int processes = 2 + pick(3);
  const int total = 1 + pick(g.max_ops);
  struct Pending {
    bool busy = false, applied = false, skip = false, ok = true;
    RegOp op;
  };
  std::vector<Pending> procs(static_cast<size_t>(processes));
  std::vector<RegOp> done;
  std::vector<int64_t> written = {kNil};
  int64_t state = kNil, next_value = 1, pos = 0;
  int invoked = 0;
  while (true) {
    bool any_busy = false;
    for (auto& p : procs) any_busy |= p.busy;
    if (!any_busy && invoked == total) break;
    Pending& p = procs[static_cast<size_t>(pick(processes))];
    if (!p.busy) {
      if (invoked == total) continue;
      ++invoked;
      p = Pending{};
      p.busy = true;
      p.op.call = pos++;
      int kind = pick(g.cas ? 3 : 2);
      p.op.f = kind == 0 ? RegF::kRead : kind == 1 ? RegF::kWrite : RegF::kCas;
      int64_t v = g.unique ? next_value++ : 1 + pick(3);
      if (p.op.f == RegF::kWrite) p.op.a = v;
      if (p.op.f == RegF::kCas) {
        p.op.a = pick(2) == 0 ? state : written[static_cast<size_t>(pick(static_cast<int>(written.size())))];
        p.op.b = v;
      }
      p.skip = pick(8) == 0;  // crashes before taking effect
      continue;
    }
    if (!p.applied && !p.skip) {
      p.applied = true;
      switch (p.op.f) {
        case RegF::kRead: p.op.a = state; break;
        case RegF::kWrite:
          state = p.op.a;
          written.push_back(state);
          break;
        case RegF::kCas:
          p.ok = state == p.op.a;
          if (p.ok) {
            state = p.op.b;
            written.push_back(state);
          }
          break;
      }
      continue;
    }
    if (pick(10) == 0 && invoked < total) continue;  // stays open a while longer
    p.busy = false;
    bool info = p.skip || pick(6) == 0;
    if (info) {
      p.op.ok = false;
      p.op.ret = kPosInf;
      if (p.op.f != RegF::kRead) done.push_back(p.op);
      continue;
    }
    if (!p.ok) {
      pos++;  // a failed cas: dropped like the partitioner does
      continue;
    }
    p.op.ret = pos++;
    done.push_back(p.op);
  }
  // Corrupt: a read returns some other written value.
  std::vector<RegOp*> reads;
  for (auto& op : done) {
    if (op.ok && op.f != RegF::kWrite) reads.push_back(&op);
  }
  if (!reads.empty() && pick(3) != 0) {
    RegOp* victim = reads[static_cast<size_t>(pick(static_cast<int>(reads.size())))];
    victim->a = written[static_cast<size_t>(pick(static_cast<int>(written.size())))];
  }
  std::sort(done.begin(), done.end(), [](const RegOp& x, const RegOp& y) { return x.call < y.call; });
  KeyOps key;
  key.key = 0;
  for (size_t i = 0; i < done.size(); ++i) {
    done[i].op = static_cast<uint32_t>(i);
    key.ops.push_back(done[i]);
  }
  return key;
}

struct Tally {
  int valid = 0, invalid = 0, with_info = 0;
};

template <typename Checker>
Tally Compare(uint64_t seed, int count, const GenOptions& g, Checker checker) {
  std::mt19937_64 rng(seed);
  Tally t;
  for (int i = 0; i < count; ++i) {
    KeyOps key = RandomHistory(rng, g);
    bool expected = BruteForceLinearizable(key);
    (expected ? t.valid : t.invalid)++;
    for (const RegOp& op : key.ops) {
      if (!op.ok) {
        ++t.with_info;
        break;
      }
    }
    Verdict got = checker(key);
    EXPECT_EQ(got, expected ? Verdict::kValid : Verdict::kInvalid) << "seed " << seed << " case " << i;
    if (got != (expected ? Verdict::kValid : Verdict::kInvalid)) break;
  }
  return t;
}

void ExpectBothVerdictsCommon(const Tally& t, int count) {
  EXPECT_GT(t.valid, count / 5);
  EXPECT_GT(t.invalid, count / 5);
  EXPECT_GT(t.with_info, count / 5);
}

TEST(PropertyTest, ZoneTestAgreesWithBruteForce) {
  Tally t = Compare(1, 5000, {}, [](const KeyOps& k) {
    ZoneResult z = CheckRegisterZones(k);
    EXPECT_TRUE(z.applicable);
    return z.linearizable ? Verdict::kValid : Verdict::kInvalid;
  });
  ExpectBothVerdictsCommon(t, 5000);
}

TEST(PropertyTest, RegisterPipelineAgreesWithBruteForce) {
  Tally t = Compare(2, 5000, {}, [](const KeyOps& k) {
    return CheckKey(k, ModelKind::kRegister, SearchLimits{}).verdict;
  });
  ExpectBothVerdictsCommon(t, 5000);
}

TEST(PropertyTest, SearchAgreesWithBruteForceOnCasRegisters) {
  Tally t = Compare(3, 5000, {.cas = true}, [](const KeyOps& k) {
    return SearchLinearizable(k, SearchLimits{}).verdict;
  });
  ExpectBothVerdictsCommon(t, 5000);
}

TEST(PropertyTest, CasPipelineAgreesWithBruteForce) {
  Tally t = Compare(4, 5000, {.cas = true}, [](const KeyOps& k) {
    return CheckKey(k, ModelKind::kCasRegister, SearchLimits{}).verdict;
  });
  ExpectBothVerdictsCommon(t, 5000);
}

TEST(PropertyTest, SearchAgreesWithBruteForceWithRepeatedValues) {
  Tally t = Compare(5, 5000, {.cas = true, .unique = false}, [](const KeyOps& k) {
    return CheckKey(k, ModelKind::kCasRegister, SearchLimits{}).verdict;
  });
  ExpectBothVerdictsCommon(t, 5000);
}

// Histories too big for brute force: the zone test and the search are both exact for
// registers with unique values, so they must agree.
TEST(PropertyTest, ZoneTestAndSearchAgreeOnLargerHistories) {
  std::mt19937_64 rng(7);
  int invalid = 0;
  for (int i = 0; i < 1000; ++i) {
    KeyOps key = RandomHistory(rng, {.max_ops = 60});
    ZoneResult z = CheckRegisterZones(key);
    SearchOutcome s = SearchLinearizable(key, SearchLimits{});
    ASSERT_EQ(s.verdict, z.linearizable ? Verdict::kValid : Verdict::kInvalid) << "case " << i;
    invalid += z.linearizable ? 0 : 1;
  }
  EXPECT_GT(invalid, 200);
}

TEST(PropertyTest, PrechecksNeverRefuteALinearizableHistory) {
  std::mt19937_64 rng(6);
  int found = 0;
  for (int i = 0; i < 10000; ++i) {
    KeyOps key = RandomHistory(rng, {.cas = true, .unique = i % 2 == 0});
    PrecheckResult pre = RunPrechecks(key);
    if (pre.violation) {
      ++found;
      ASSERT_FALSE(BruteForceLinearizable(key)) << "case " << i << ": " << pre.violation->explanation;
    }
  }
  EXPECT_GT(found, 100);
}

}  // namespace
}  // namespace raftlab::checkers
