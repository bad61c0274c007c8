#include "server/storage/wal_format.h"

#include <gtest/gtest.h>

#include <string>

namespace raftlab::storage {
namespace {

std::string EntryRecord(uint64_t index) {
  raftpb::Entry e;
  e.set_index(index);
  e.set_term(1);
  e.set_data("value " + std::to_string(index));
  std::string out;
  AppendWalRecord(WalRecordType::kEntry, e.SerializeAsString(), &out);
  return out;
}

// Header, entries 1..3, with the payload of entry 2 flipped when damage is set.
std::string Segment(bool damage, size_t* second_at) {
  std::string data = WalSegmentHeader() + EntryRecord(1);
  *second_at = data.size();
  data += EntryRecord(2) + EntryRecord(3);
  if (damage) data[*second_at + kWalRecordHeaderSize + 2] ^= 0x08;
  return data;
}

TEST(WalSegmentReader, ReadsRecordsInOrder) {
  size_t second = 0;
  const std::string data = Segment(false, &second);
  WalSegmentReader reader(data);
  WalRecord r;
  WalDamage d;
  for (uint64_t want = 1; want <= 3; ++want) {
    ASSERT_EQ(reader.Next(&r, &d), WalSegmentReader::Item::kRecord);
    EXPECT_EQ(r.type, WalRecordType::kEntry);
    EXPECT_EQ(r.entry.index(), want);
  }
  EXPECT_EQ(reader.Next(&r, &d), WalSegmentReader::Item::kEnd);
}

TEST(WalSegmentReader, ReportsDamageThenResumesAtTheNextValidRecord) {
  size_t second = 0;
  const std::string data = Segment(true, &second);
  WalSegmentReader reader(data);
  WalRecord r;
  WalDamage d;
  ASSERT_EQ(reader.Next(&r, &d), WalSegmentReader::Item::kRecord);
  ASSERT_EQ(reader.Next(&r, &d), WalSegmentReader::Item::kDamage);
  EXPECT_EQ(d.offset, second);
  EXPECT_EQ(d.end, second + EntryRecord(2).size());
  EXPECT_TRUE(d.valid_after);
  EXPECT_FALSE(d.torn_tail());
  EXPECT_EQ(d.reason, "record CRC mismatch");
  ASSERT_EQ(reader.Next(&r, &d), WalSegmentReader::Item::kRecord);
  EXPECT_EQ(r.entry.index(), 3u);
}

TEST(WalSegmentReader, DamageReachingTheEndIsATornTail) {
  size_t second = 0;
  const std::string data = Segment(false, &second).substr(0, second + 5);
  WalSegmentReader reader(data);
  WalRecord r;
  WalDamage d;
  ASSERT_EQ(reader.Next(&r, &d), WalSegmentReader::Item::kRecord);
  ASSERT_EQ(reader.Next(&r, &d), WalSegmentReader::Item::kDamage);
  EXPECT_EQ(d.offset, second);
  EXPECT_EQ(d.end, data.size());
  EXPECT_TRUE(d.torn_tail());
  EXPECT_EQ(reader.Next(&r, &d), WalSegmentReader::Item::kEnd);
}

// Out of budget the reader cannot prove the damage reaches the end, so it must not call
// it torn (recovery then refuses instead of cutting).
TEST(WalSegmentReader, ASearchOverBudgetIsUndecidedNotTorn) {
  size_t second = 0;
  const std::string data = Segment(true, &second);
  WalSegmentReader reader(data, /*resync_budget=*/0);
  WalRecord r;
  WalDamage d;
  ASSERT_EQ(reader.Next(&r, &d), WalSegmentReader::Item::kRecord);
  ASSERT_EQ(reader.Next(&r, &d), WalSegmentReader::Item::kDamage);
  EXPECT_TRUE(d.undecided);
  EXPECT_FALSE(d.torn_tail());
}

TEST(WalSegmentName, RoundTripsAndRejectsOtherNames) {
  const std::string name = WalSegmentName(3, 0x1f);
  EXPECT_EQ(name, "0000000000000003-000000000000001f.wal");
  auto parsed = ParseWalSegmentName(name);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->first, 3u);
  EXPECT_EQ(parsed->second, 0x1fu);
  EXPECT_FALSE(ParseWalSegmentName(name + ".broken-16").has_value());
  EXPECT_FALSE(ParseWalSegmentName("000000000000000G-000000000000001f.wal").has_value());
}

}  // namespace
}  // namespace raftlab::storage
