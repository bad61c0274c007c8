#include "server/api/address.h"

#include <gtest/gtest.h>

namespace raftlab::api {
namespace {

TEST(ParseHostPort, AcceptsHostAndPort) {
  auto a = ParseHostPort("127.0.0.1:7001", "--listen");
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->host, "127.0.0.1");
  EXPECT_EQ(a->port, 7001);
  EXPECT_EQ(a->ToString(), "127.0.0.1:7001");
}

TEST(ParseHostPort, AcceptsBracketedIpv6) {
  auto a = ParseHostPort("[::1]:80", "--listen");
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->host, "::1");
}

TEST(ParseHostPort, RejectsBadInputNamingTheFlag) {
  for (const char* bad : {"", "7001", ":7001", "host:", "host:70000", "host:12x", "::1:80", "[::1:80"}) {
    auto a = ParseHostPort(bad, "--http");
    ASSERT_FALSE(a.ok()) << bad;
    EXPECT_NE(a.status().message().find("--http"), std::string::npos) << a.status();
  }
}

TEST(ParsePeers, ParsesTheList) {
  auto p = ParsePeers("1=127.0.0.1:7001,2=127.0.0.1:7002,3=127.0.0.1:7003", "--peers");
  ASSERT_TRUE(p.ok()) << p.status();
  ASSERT_EQ(p->size(), 3u);
  EXPECT_EQ(p->at(2).port, 7002);
}

TEST(ParsePeers, RejectsDuplicatesZeroIdsAndMissingAddresses) {
  EXPECT_NE(ParsePeers("1=a:1,1=b:2", "--peers").status().message().find("appears twice"), std::string::npos);
  EXPECT_NE(ParsePeers("0=a:1", "--peers").status().message().find("positive"), std::string::npos);
  EXPECT_NE(ParsePeers("1", "--peers").status().message().find("id=host:port"), std::string::npos);
  EXPECT_FALSE(ParsePeers("", "--peers").ok());
  EXPECT_FALSE(ParsePeers("1=a:1,", "--peers").ok());
}

}  // namespace
}  // namespace raftlab::api
