#include "server/storage/kv_command.h"

#include <random>

#include <gtest/gtest.h>

namespace raftlab::storage {
namespace {

TEST(KvCommand, RoundTripsEveryShape) {
  KvCommand txn;
  txn.compares = {{"a", std::string("1")}, {"b", std::nullopt}, {"", std::string()}};
  txn.success = {{KvMutation::Kind::kPut, "a", "2"}, {KvMutation::Kind::kDelete, "c", ""}};
  txn.failure = {{KvMutation::Kind::kPut, std::string(300, 'k'), std::string(100000, 'v')}};
  for (const KvCommand& c : {KvCommand::Put("k", "v"), KvCommand::Delete("k"),
                             KvCommand::Cas("k", std::nullopt, "v"),
                             KvCommand::Cas("k", "v", std::nullopt), txn, KvCommand{}}) {
    auto back = DecodeKvCommand(EncodeKvCommand(c));
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ(*back, c);
  }
}

TEST(KvCommand, EncodingIsTheDocumentedBytes) {
  // version 1 | 0 compares | 1 success: put "k" "v" | 0 failure
  EXPECT_EQ(EncodeKvCommand(KvCommand::Put("k", "v")),
            std::string("\x01\x00\x01\x01\x01k\x01v\x00", 9));
  // version 1 | 1 compare: "k" absent | 1 success: delete "k" | 0 failure
  EXPECT_EQ(EncodeKvCommand(KvCommand::Cas("k", std::nullopt, std::nullopt)),
            std::string("\x01\x01\x01k\x00\x01\x02\x01k\x00", 10));
}

TEST(KvCommand, RejectsOtherVersionsTruncationAndTrailingBytes) {
  const std::string good = EncodeKvCommand(KvCommand::Cas("key", "old", "new"));
  std::string v2 = good;
  v2[0] = 2;
  auto s = DecodeKvCommand(v2).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("version 2"), std::string::npos) << s;
  for (size_t cut = 0; cut < good.size(); ++cut) {
    EXPECT_FALSE(DecodeKvCommand(good.substr(0, cut)).ok()) << "cut at " << cut;
  }
  s = DecodeKvCommand(good + "x").status();
  EXPECT_NE(s.message().find("trailing"), std::string::npos) << s;
}

TEST(KvCommand, AppendAndReadOpsRoundTrip) {
  KvCommand c;
  c.success = {{KvMutation::Kind::kRead, "x", ""}, {KvMutation::Kind::kAppend, "x", "17"},
               {KvMutation::Kind::kPut, "y", "v"}, {KvMutation::Kind::kRead, "x", ""}};
  auto back = DecodeKvCommand(EncodeKvCommand(c));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, c);
  // version 1 | 0 compares | 1 success: append "k" "e" | 0 failure
  EXPECT_EQ(EncodeKvCommand(KvCommand{{}, {{KvMutation::Kind::kAppend, "k", "e"}}, {}}),
            std::string("\x01\x00\x01\x03\x01k\x01" "e\x00", 9));
}

TEST(KvCommand, ListsAppendAndDecode) {
  std::string list = AppendToList(std::nullopt, "1");
  EXPECT_TRUE(IsList(list));
  list = AppendToList(list, "");
  list = AppendToList(list, std::string(200, 'z'));
  auto elements = DecodeList(list);
  ASSERT_TRUE(elements.ok()) << elements.status();
  EXPECT_EQ(*elements, (std::vector<std::string>{"1", "", std::string(200, 'z')}));
  EXPECT_FALSE(IsList("plain"));
  EXPECT_FALSE(DecodeList("plain").ok());
  EXPECT_FALSE(DecodeList(list.substr(0, list.size() - 1)).ok());
}

TEST(KvCommand, RandomBytesNeverCrashTheDecoder) {
  std::mt19937 rng(5);
  for (int i = 0; i < 20000; ++i) {
    std::string junk(rng() % 40, '\0');
    for (char& c : junk) c = static_cast<char>(rng() % 4 == 0 ? 0x01 : rng());
    (void)DecodeKvCommand(junk);
  }
}

}  // namespace
}  // namespace raftlab::storage
