#include "faults/powerfs/control.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <sstream>

#include <nlohmann/json.hpp>

#include "spdlog/spdlog.h"

namespace raftlab::faults::powerfs {
namespace {

using nlohmann::json;

absl::StatusOr<sockaddr_un> Address(const std::string& address, socklen_t* len) {
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  if (address.empty() || address.size() >= sizeof(a.sun_path)) {
    return absl::InvalidArgumentError("control socket \"" + address + "\": must be 1 to " +
                                      std::to_string(sizeof(a.sun_path) - 1) + " characters");
  }
  std::memcpy(a.sun_path, address.data(), address.size());
  if (address[0] == '@') a.sun_path[0] = '\0';  // abstract namespace
  *len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + address.size());
  return a;
}

json LossJson(const std::string& command, const LossReport& r) {
  return {{"ok", true},           {"command", command},         {"dropped_bytes", r.dropped_bytes},
          {"kept_bytes", r.kept_bytes}, {"files", r.files}, {"namespace_ops", r.namespace_ops},
          {"errors", r.errors}};
}

json Error(const std::string& message) { return {{"ok", false}, {"error", message}}; }

absl::StatusOr<uint64_t> ParseNumber(const std::string& word, const std::string& what) {
  if (word.empty() || word.find_first_not_of("0123456789") != std::string::npos || word.size() > 19) {
    return absl::InvalidArgumentError(what + ": expected a non-negative integer, not \"" + word + "\"");
  }
  return std::stoull(word);
}

json Torn(DurabilityTracker& tracker, const std::vector<std::string>& words) {
  static const char* kUsage = "torn <path|*> prefix <bytes> | random-prefix <seed> | blocks <seed>";
  if (words.size() != 4) return Error(std::string("usage: ") + kUsage);
  TornSpec spec;
  spec.path = words[1];
  if (spec.path.size() > 1 && spec.path[0] == '/') spec.path.erase(0, 1);
  auto n = ParseNumber(words[3], words[2]);
  if (!n.ok()) return Error(std::string(n.status().message()));
  if (words[2] == "prefix") {
    spec.kind = TornSpec::Kind::kPrefix;
    spec.prefix_bytes = *n;
  } else if (words[2] == "random-prefix" || words[2] == "blocks") {
    spec.kind = words[2] == "blocks" ? TornSpec::Kind::kBlocks : TornSpec::Kind::kRandomPrefix;
    spec.seed = *n;
  } else {
    return Error("torn: unknown mode \"" + words[2] + "\" (usage: " + kUsage + ")");
  }
  return LossJson("torn", tracker.Torn(spec));
}

}  // namespace

std::string ExecuteCommand(DurabilityTracker& tracker, const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> words;
  for (std::string w; in >> w;) words.push_back(w);
  if (words.empty()) return Error("empty command").dump();
  const std::string& cmd = words[0];
  json out;
  if (cmd == "torn") {
    out = Torn(tracker, words);
  } else if (words.size() != 1) {
    out = Error(cmd + ": takes no arguments");
  } else if (cmd == "lose-unsynced") {
    out = LossJson(cmd, tracker.LoseUnsynced());
  } else if (cmd == "checkpoint") {
    out = LossJson(cmd, tracker.Checkpoint());
  } else if (cmd == "report") {
    uint64_t names = 0, total = 0;
    json files = json::array();
    for (const auto& f : tracker.Report(&names)) {
      files.push_back({{"path", f.path}, {"bytes", f.bytes}});
      total += f.bytes;
    }
    out = {{"ok", true}, {"command", cmd}, {"unsynced_bytes", total}, {"files", files}, {"namespace_ops", names}};
  } else if (cmd == "ping") {
    out = {{"ok", true}, {"command", cmd}};
  } else {
    out = Error("unknown command \"" + cmd + "\" (expected lose-unsynced, checkpoint, torn, report or ping)");
  }
  if (cmd != "report" && cmd != "ping") spdlog::info("powerfs: command=\"{}\" answer={}", line, out.dump());
  return out.dump();
}

absl::StatusOr<std::unique_ptr<ControlServer>> ControlServer::Start(
    const std::string& address, std::function<std::string(const std::string&)> handler) {
  socklen_t len;
  auto a = Address(address, &len);
  if (!a.ok()) return a.status();
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return absl::InternalError(std::string("control socket: socket: ") + std::strerror(errno));
  if (address[0] != '@') ::unlink(address.c_str());
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&*a), len) != 0 || ::listen(fd, 8) != 0) {
    const int err = errno;
    ::close(fd);
    return absl::UnavailableError("control socket " + address + ": " + std::strerror(err));
  }
  const int wake = ::eventfd(0, EFD_CLOEXEC);
  return std::unique_ptr<ControlServer>(new ControlServer(address, fd, wake, std::move(handler)));
}

ControlServer::ControlServer(std::string address, int listen_fd, int wake_fd,
                             std::function<std::string(const std::string&)> handler)
    : address_(std::move(address)), listen_fd_(listen_fd), wake_fd_(wake_fd), handler_(std::move(handler)) {
  thread_ = std::thread([this] { Loop(); });
}

ControlServer::~ControlServer() {
  const uint64_t one = 1;
  (void)!::write(wake_fd_, &one, sizeof one);
  thread_.join();
  ::close(listen_fd_);
  ::close(wake_fd_);
  if (address_[0] != '@') ::unlink(address_.c_str());
}

void ControlServer::Loop() {
  while (true) {
    pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (fds[1].revents != 0) return;
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd >= 0) {
      Serve(fd);
      ::close(fd);
    }
  }
}

void ControlServer::Serve(int fd) {
  std::string buf;
  char chunk[4096];
  while (true) {
    pollfd fds[2] = {{fd, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0 && errno != EINTR) return;
    if (fds[1].revents != 0) return;
    const ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    buf.append(chunk, static_cast<size_t>(n));
    for (size_t nl; (nl = buf.find('\n')) != std::string::npos;) {
      const std::string answer = handler_(buf.substr(0, nl)) + "\n";
      buf.erase(0, nl + 1);
      if (::send(fd, answer.data(), answer.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(answer.size())) return;
    }
  }
}

absl::StatusOr<std::string> SendCommand(const std::string& address, const std::string& command,
                                        std::chrono::milliseconds timeout) {
  socklen_t len;
  auto a = Address(address, &len);
  if (!a.ok()) return a.status();
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return absl::InternalError(std::string("socket: ") + std::strerror(errno));
  timeval tv{static_cast<time_t>(timeout.count() / 1000), static_cast<suseconds_t>((timeout.count() % 1000) * 1000)};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  auto fail = [&](const std::string& what) {
    const int err = errno;
    ::close(fd);
    return absl::UnavailableError("powerfs control " + address + ": " + what + ": " + std::strerror(err));
  };
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&*a), len) != 0) return fail("connect");
  const std::string line = command + "\n";
  if (::send(fd, line.data(), line.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(line.size())) return fail("send");
  std::string answer;
  char c;
  while (true) {
    const ssize_t n = ::read(fd, &c, 1);
    if (n == 1 && c == '\n') break;
    if (n == 1) {
      answer += c;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n == 0) errno = ECONNRESET;
    return fail(n == 0 ? "closed before answering" : "read");
  }
  ::close(fd);
  return answer;
}

}  // namespace raftlab::faults::powerfs
