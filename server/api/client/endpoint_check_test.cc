#include "server/api/client/endpoint_check.h"

#include <gtest/gtest.h>

namespace raftlab::client {
namespace {

TEST(EndpointCheck, AcceptsHostPortAndBracketedIpv6) {
  EXPECT_TRUE(ValidateEndpoint("127.0.0.1:7001", "--endpoints").ok());
  EXPECT_TRUE(ValidateEndpoint("node-1.example:65535", "--endpoints").ok());
  EXPECT_TRUE(ValidateEndpoint("[::1]:7001", "--endpoints").ok());
}

TEST(EndpointCheck, ErrorsNameTheFlagAndTheEntry) {
  for (const char* bad : {"localhost", ":7001", "h:", "h:0", "h:70000", "h:7x", "::1:7001", "[::1:7001"}) {
    absl::Status s = ValidateEndpoint(bad, "--endpoints");
    ASSERT_FALSE(s.ok()) << bad;
    EXPECT_NE(s.message().find("--endpoints: '" + std::string(bad) + "'"), std::string::npos) << s;
  }
  EXPECT_FALSE(ValidateEndpoints({}, "--endpoints").ok());
  EXPECT_FALSE(ValidateEndpoints({"a:1", "b"}, "--endpoints").ok());
}

}  // namespace
}  // namespace raftlab::client
