#include "server/api/http_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

namespace raftlab::api {
namespace {

// Sends one raw HTTP/1.1 request with "Connection: close" and returns the whole response.
std::string Fetch(uint16_t port, const std::string& method, const std::string& target) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return "connect failed";
  }
  const std::string req = method + " " + target + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  if (write(fd, req.data(), req.size()) != static_cast<ssize_t>(req.size())) {
    close(fd);
    return "write failed";
  }
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = read(fd, buf, sizeof(buf))) > 0) out.append(buf, n);
  close(fd);
  return out;
}

std::unique_ptr<HttpServer> StartTestServer() {
  std::map<std::string, HttpHandler> routes;
  routes["/metrics"] = [](const HttpRequest&) {
    return HttpResponse{200, "text/plain; version=0.0.4", "raftlab_test_total 1\n"};
  };
  routes["/echo"] = [](const HttpRequest& r) {
    std::string body;
    for (const auto& [k, v] : r.query) body += k + "=" + v + ";";
    return HttpResponse{200, "text/plain", body};
  };
  auto server = HttpServer::Start("127.0.0.1", 0, std::move(routes));
  EXPECT_TRUE(server.ok()) << server.status();
  return server.ok() ? std::move(*server) : nullptr;
}

TEST(HttpServer, ServesARegisteredRouteWithItsContentType) {
  auto server = StartTestServer();
  ASSERT_NE(server, nullptr);
  const std::string resp = Fetch(server->port(), "GET", "/metrics");
  EXPECT_NE(resp.find("HTTP/1.1 200 OK"), std::string::npos) << resp;
  EXPECT_NE(resp.find("Content-Type: text/plain; version=0.0.4"), std::string::npos) << resp;
  EXPECT_NE(resp.find("\r\n\r\nraftlab_test_total 1\n"), std::string::npos) << resp;
}

TEST(HttpServer, UnknownPathIs404NamingThePath) {
  auto server = StartTestServer();
  ASSERT_NE(server, nullptr);
  const std::string resp = Fetch(server->port(), "GET", "/nope");
  EXPECT_NE(resp.find("404"), std::string::npos) << resp;
  EXPECT_NE(resp.find("/nope"), std::string::npos) << resp;
}

TEST(HttpServer, OtherMethodsAre405) {
  auto server = StartTestServer();
  ASSERT_NE(server, nullptr);
  EXPECT_NE(Fetch(server->port(), "POST", "/metrics").find("405"), std::string::npos);
}

TEST(HttpServer, QueryParametersAreDecoded) {
  auto server = StartTestServer();
  ASSERT_NE(server, nullptr);
  const std::string resp = Fetch(server->port(), "GET", "/echo?b=x%20y&a=1+2&flag");
  EXPECT_NE(resp.find("\r\n\r\na=1 2;b=x y;flag=;"), std::string::npos) << resp;
}

TEST(HttpServer, MalformedRequestDoesNotStopTheServer) {
  auto server = StartTestServer();
  ASSERT_NE(server, nullptr);
  Fetch(server->port(), "\x01\x02 garbage", "");
  EXPECT_NE(Fetch(server->port(), "GET", "/metrics").find("200 OK"), std::string::npos);
}

TEST(HttpServer, BadListenAddressIsAClearError) {
  auto server = HttpServer::Start("not-an-ip", 0, {});
  ASSERT_FALSE(server.ok());
  EXPECT_NE(server.status().message().find("not-an-ip"), std::string::npos);
}

TEST(ParseQuery, SplitsAndDecodes) {
  auto q = ParseQuery("k=%41%42&empty=&bad=%G1&last");
  EXPECT_EQ(q["k"], "AB");
  EXPECT_EQ(q["empty"], "");
  EXPECT_EQ(q["bad"], "%G1");
  EXPECT_EQ(q.count("last"), 1u);
}

}  // namespace
}  // namespace raftlab::api
