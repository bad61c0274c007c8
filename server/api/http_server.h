#pragma once
// HttpServer serves the node's read-only HTTP endpoints (/metrics, /status, /keyviz, ...).
//
// Boost.Beast is confined to http_server.cc (it costs ~20 s of compile per file), so this
// header exposes plain request/response structs. Handlers run on the server's single I/O
// thread, one request at a time: they must be quick (render a snapshot, never block on
// Raft).

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace raftlab::api {

struct HttpRequest {
  std::string method;  // "GET", "HEAD", ...
  std::string target;  // path and query, e.g. "/keyviz?format=json"
  std::string path;    // target without the query
  std::map<std::string, std::string> query;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

class HttpServer {
 public:
  // Binds host:port (port 0 picks a free one); an error names the address.
  static absl::StatusOr<std::unique_ptr<HttpServer>> Start(
      const std::string& host, uint16_t port, std::map<std::string, HttpHandler> routes);
  ~HttpServer();  // stops accepting, closes connections, joins the I/O thread

  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  uint16_t port() const;

  struct Impl;

 private:
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Splits "a=1&b=x%20y" into a map, decoding %XX and '+'.
std::map<std::string, std::string> ParseQuery(const std::string& query);

}  // namespace raftlab::api
