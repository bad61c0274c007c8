#include "server/log/line_format.h"

#include <time.h>

#include <cstdio>

namespace raftlab::log {
namespace {

bool NeedsQuotes(std::string_view value) {
  if (value.empty()) return true;
  for (unsigned char c : value) {
    if (c <= ' ' || c == '"' || c == '=' || c == '\\' || c == 0x7f) return true;
  }
  return false;
}

void AppendEscaped(std::string* out, unsigned char c) {
  switch (c) {
    case '"': out->append("\\\""); return;
    case '\\': out->append("\\\\"); return;
    case '\n': out->append("\\n"); return;
    case '\r': out->append("\\r"); return;
    case '\t': out->append("\\t"); return;
    default: break;
  }
  if (c < ' ' || c == 0x7f) {
    char buf[5];
    std::snprintf(buf, sizeof(buf), "\\x%02x", c);
    out->append(buf);
    return;
  }
  out->push_back(static_cast<char>(c));
}

}  // namespace

void AppendValue(std::string* out, std::string_view value) {
  if (!NeedsQuotes(value)) {
    out->append(value);
    return;
  }
  out->push_back('"');
  for (unsigned char c : value) AppendEscaped(out, c);
  out->push_back('"');
}

void AppendField(std::string* out, std::string_view key, std::string_view value) {
  out->push_back(' ');
  out->append(key);
  out->push_back('=');
  AppendValue(out, value);
}

std::string FormatPrefix(std::chrono::system_clock::time_point wall, std::chrono::nanoseconds mono,
                         Level level, uint64_t node_id) {
  using namespace std::chrono;
  const auto since_epoch = duration_cast<microseconds>(wall.time_since_epoch());
  const time_t secs = static_cast<time_t>(floor<seconds>(since_epoch).count());
  const long micros = static_cast<long>(since_epoch.count() - int64_t{secs} * 1'000'000);
  struct tm utc;
  gmtime_r(&secs, &utc);
  const auto mono_us = duration_cast<microseconds>(mono).count();
  char buf[128];
  int n = std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ mono=%lld.%06lld level=",
                        utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min,
                        utc.tm_sec, micros, static_cast<long long>(mono_us / 1'000'000),
                        static_cast<long long>(mono_us % 1'000'000));
  std::string out(buf, static_cast<size_t>(n));
  out.append(LevelName(level));
  if (node_id != 0) out.append(" node=").append(std::to_string(node_id));
  out.push_back(' ');
  return out;
}

}  // namespace raftlab::log
