#include "harness/netns/link_proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <deque>

namespace raftlab::harness {
namespace {

using Clock = std::chrono::steady_clock;

absl::StatusOr<sockaddr_in> Address(const std::string& host, int port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  if (inet_pton(AF_INET, host.c_str(), &a.sin_addr) != 1) return absl::InvalidArgumentError("bad address " + host);
  return a;
}

absl::Status Errno(const std::string& what) { return absl::UnavailableError(what + ": " + std::strerror(errno)); }

bool WriteAll(int fd, const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = send(fd, data.data() + done, data.size() - done, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

}  // namespace

absl::StatusOr<std::unique_ptr<LinkProxy>> LinkProxy::Start(const std::string& listen_host,
                                                           const std::string& source_host,
                                                           const std::string& target_host, int target_port) {
  std::unique_ptr<LinkProxy> p(new LinkProxy());
  p->source_host_ = source_host;
  p->target_host_ = target_host;
  p->target_port_ = target_port;
  auto addr = Address(listen_host, 0);
  if (!addr.ok()) return addr.status();
  p->listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (p->listen_fd_ < 0) return Errno("proxy socket");
  const int one = 1;
  setsockopt(p->listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(p->listen_fd_, reinterpret_cast<sockaddr*>(&*addr), sizeof *addr) != 0) return Errno("proxy bind " + listen_host);
  if (listen(p->listen_fd_, 64) != 0) return Errno("proxy listen");
  sockaddr_in bound{};
  socklen_t len = sizeof bound;
  getsockname(p->listen_fd_, reinterpret_cast<sockaddr*>(&bound), &len);
  p->port_ = ntohs(bound.sin_port);
  p->acceptor_ = std::thread([raw = p.get()] { raw->AcceptLoop(); });
  return p;
}

LinkProxy::~LinkProxy() {
  stopping_ = true;
  if (listen_fd_ >= 0) shutdown(listen_fd_, SHUT_RDWR);
  if (acceptor_.joinable()) acceptor_.join();
  if (listen_fd_ >= 0) close(listen_fd_);
  {
    std::lock_guard<std::mutex> l(mu_);
    for (auto& c : connections_) {
      shutdown(c->client, SHUT_RDWR);
      if (c->server >= 0) shutdown(c->server, SHUT_RDWR);
    }
  }
  Reap(true);
}

void LinkProxy::SetDelay(std::chrono::milliseconds forward, std::chrono::milliseconds backward) {
  forward_ms_ = forward.count();
  backward_ms_ = backward.count();
}

void LinkProxy::AcceptLoop() {
  while (!stopping_.load()) {
    const int client = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      return;  // shut down
    }
    Reap(false);
    auto c = std::make_unique<Connection>();
    c->client = client;
    Connection& ref = *c;
    {
      std::lock_guard<std::mutex> l(mu_);
      connections_.push_back(std::move(c));
    }
    // Connecting may wait on a cut-off peer: it happens on the connection's own thread.
    ref.to_server = std::thread([this, &ref] {
      if (!Connect(ref)) {
        // The peer is down or cut off: the member sees its connection reset.
        shutdown(ref.client, SHUT_RDWR);
        ref.finished = 2;
        return;
      }
      ref.to_client = std::thread([this, &ref] { Pump(ref, ref.server, ref.client, backward_ms_); });
      Pump(ref, ref.client, ref.server, forward_ms_);
    });
  }
}

bool LinkProxy::Connect(Connection& c) {
  auto source = Address(source_host_, 0);
  auto target = Address(target_host_, target_port_);
  if (!source.ok() || !target.ok()) return false;
  const int server = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (server < 0) return false;
  // connect() gives up after SO_SNDTIMEO.
  timeval tv{2, 0};
  setsockopt(server, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  const int one = 1;
  setsockopt(server, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  setsockopt(c.client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (bind(server, reinterpret_cast<sockaddr*>(&*source), sizeof *source) != 0 ||
      connect(server, reinterpret_cast<sockaddr*>(&*target), sizeof *target) != 0) {
    close(server);
    return false;
  }
  timeval none{0, 0};
  setsockopt(server, SOL_SOCKET, SO_SNDTIMEO, &none, sizeof none);
  c.server = server;
  return true;
}

void LinkProxy::Pump(Connection& c, int from, int to, const std::atomic<int64_t>& delay_ms) {
  std::deque<std::pair<Clock::time_point, std::string>> held;
  bool open = true;
  char buf[65536];
  while (open || !held.empty()) {
    int timeout_ms = -1;
    if (!held.empty()) {
      const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(held.front().first - Clock::now());
      timeout_ms = static_cast<int>(std::max<int64_t>(0, wait.count()));
    }
    if (open) {
      pollfd p{from, POLLIN, 0};
      const int r = poll(&p, 1, timeout_ms);
      if (r < 0 && errno != EINTR) break;
      if (r > 0) {
        const ssize_t n = recv(from, buf, sizeof buf, 0);
        if (n <= 0) {
          open = false;
        } else {
          held.emplace_back(Clock::now() + std::chrono::milliseconds(delay_ms.load()), std::string(buf, static_cast<size_t>(n)));
        }
      }
    } else if (timeout_ms > 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(timeout_ms));
    }
    while (!held.empty() && held.front().first <= Clock::now()) {
      if (!WriteAll(to, held.front().second)) {
        held.clear();
        open = false;
        break;
      }
      held.pop_front();
    }
  }
  // One side ended: end both, so the other pump and both members see it.
  shutdown(c.client, SHUT_RDWR);
  shutdown(c.server, SHUT_RDWR);
  ++c.finished;
}

void LinkProxy::Reap(bool all) {
  std::vector<std::unique_ptr<Connection>> done;
  {
    std::lock_guard<std::mutex> l(mu_);
    for (auto it = connections_.begin(); it != connections_.end();) {
      if (all || (*it)->finished.load() == 2) {
        done.push_back(std::move(*it));
        it = connections_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (auto& c : done) {
    if (c->to_server.joinable()) c->to_server.join();
    if (c->to_client.joinable()) c->to_client.join();
    close(c->client);
    if (c->server >= 0) close(c->server);
  }
}

}  // namespace raftlab::harness
