#include "server/storage/crc32c.h"

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace raftlab::storage {
namespace {

using CrcFn = uint32_t (*)(uint32_t, const void*, size_t);

// Vectors from RFC 3720 appendix B.4 and the common "123456789" check value.
void ExpectKnownVectors(CrcFn crc) {
  std::vector<uint8_t> buf(32, 0);
  EXPECT_EQ(crc(0, buf.data(), buf.size()), 0x8A9136AAu);
  std::fill(buf.begin(), buf.end(), 0xFF);
  EXPECT_EQ(crc(0, buf.data(), buf.size()), 0x62A8AB43u);
  for (int i = 0; i < 32; ++i) buf[i] = static_cast<uint8_t>(i);
  EXPECT_EQ(crc(0, buf.data(), buf.size()), 0x46DD794Eu);
  for (int i = 0; i < 32; ++i) buf[i] = static_cast<uint8_t>(31 - i);
  EXPECT_EQ(crc(0, buf.data(), buf.size()), 0x113FDB5Cu);
  const std::string check = "123456789";
  EXPECT_EQ(crc(0, check.data(), check.size()), 0xE3069283u);
  EXPECT_EQ(crc(0, nullptr, 0), 0u);
}

TEST(Crc32c, PortableMatchesKnownVectors) { ExpectKnownVectors(&Crc32cExtendPortable); }

TEST(Crc32c, HardwareMatchesKnownVectors) {
  if (!Crc32cHardwareAvailable()) GTEST_SKIP() << "no SSE4.2 on this CPU";
  ExpectKnownVectors(&Crc32cExtendHardware);
}

TEST(Crc32c, ExtendEqualsOneShotAndImplementationsAgree) {
  std::mt19937 rng(42);
  std::string data(1000, '\0');
  for (char& c : data) c = static_cast<char>(rng());
  for (size_t len : {0u, 1u, 7u, 8u, 9u, 63u, 64u, 999u, 1000u}) {
    const uint32_t whole = Crc32c(data.data(), len);
    EXPECT_EQ(whole, Crc32cExtendPortable(0, data.data(), len)) << len;
    for (size_t cut = 0; cut <= len; cut += 13) {
      const uint32_t part = Crc32cExtend(Crc32c(data.data(), cut), data.data() + cut, len - cut);
      EXPECT_EQ(part, whole) << "len " << len << " cut " << cut;
    }
  }
}

}  // namespace
}  // namespace raftlab::storage
