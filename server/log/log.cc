#include "server/log/log.h"

#include <time.h>

#include <charconv>
#include <mutex>

#include "server/log/line_format.h"
#include "spdlog/logger.h"
#include "spdlog/sinks/stdout_sinks.h"

namespace raftlab::log {
namespace internal {
std::atomic<int> g_level{static_cast<int>(Level::kInfo)};
}  // namespace internal

namespace {

std::atomic<uint64_t> g_node_id{0};

std::chrono::nanoseconds MonotonicNow() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
}

Level FromSpdlog(spdlog::level::level_enum l) {
  switch (l) {
    case spdlog::level::trace: return Level::kTrace;
    case spdlog::level::debug: return Level::kDebug;
    case spdlog::level::info: return Level::kInfo;
    case spdlog::level::warn: return Level::kWarn;
    case spdlog::level::err: return Level::kError;
    default: return Level::kCritical;
  }
}

spdlog::level::level_enum ToSpdlog(Level l) {
  switch (l) {
    case Level::kTrace: return spdlog::level::trace;
    case Level::kDebug: return spdlog::level::debug;
    case Level::kInfo: return spdlog::level::info;
    case Level::kWarn: return spdlog::level::warn;
    case Level::kError: return spdlog::level::err;
    case Level::kCritical: break;
  }
  return spdlog::level::critical;
}

// spdlog supplies the wall time, the level and the sink; the rest of the prefix is ours.
class LineFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    const std::string prefix =
        FormatPrefix(msg.time, MonotonicNow(), FromSpdlog(msg.level), g_node_id.load(std::memory_order_relaxed));
    dest.append(prefix.data(), prefix.data() + prefix.size());
    dest.append(msg.payload.begin(), msg.payload.end());
    dest.push_back('\n');
  }
  std::unique_ptr<spdlog::formatter> clone() const override { return std::make_unique<LineFormatter>(); }
};

std::shared_ptr<spdlog::logger> MakeLogger(std::shared_ptr<spdlog::sinks::sink> sink) {
  if (sink == nullptr) sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  auto logger = std::make_shared<spdlog::logger>("raftlab", std::move(sink));
  logger->set_formatter(std::make_unique<LineFormatter>());
  logger->set_level(spdlog::level::trace);  // filtered by Enabled() before a line is built
  logger->flush_on(spdlog::level::trace);
  return logger;
}

// Swapped by Configure while other threads may be logging.
std::atomic<std::shared_ptr<spdlog::logger>>& Logger() {
  static std::atomic<std::shared_ptr<spdlog::logger>> logger{MakeLogger(nullptr)};
  return logger;
}

}  // namespace

void Configure(const Options& options) {
  g_node_id.store(options.node_id, std::memory_order_relaxed);
  Logger().store(MakeLogger(options.sink));
  SetLevel(options.level);
}

void SetLevel(Level level) { internal::g_level.store(static_cast<int>(level), std::memory_order_relaxed); }

void Flush() { Logger().load()->flush(); }

Line::Line(Level level, std::string_view event) : level_(level) {
  text_.reserve(128);
  text_.append("event=").append(event);
}

Line::~Line() { Logger().load()->log(ToSpdlog(level_), spdlog::string_view_t(text_.data(), text_.size())); }

Line& Line::Kv(std::string_view key, std::string_view value) {
  AppendField(&text_, key, value);
  return *this;
}

Line& Line::Kv(std::string_view key, double value) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), value);
  return Raw(key, std::string_view(buf, ec == std::errc() ? static_cast<size_t>(end - buf) : 0));
}

Line& Line::Kv(std::string_view key, const absl::Status& status) {
  Kv(key, std::string_view(status.message().data(), status.message().size()));
  const std::string code_key = std::string(key) + "_code";
  return Raw(code_key, absl::StatusCodeToString(status.code()));
}

Line& Line::Raw(std::string_view key, std::string_view value) {
  text_.push_back(' ');
  text_.append(key).push_back('=');
  text_.append(value);
  return *this;
}

}  // namespace raftlab::log
