#include "checkers/jsonl.h"

#include <simdjson.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>

namespace raftlab::checkers {
namespace {

namespace dom = simdjson::dom;

// Parses lines with simdjson's DOM parser, whose kernel is chosen at run time for the CPU.
class LineParser {
 public:
  explicit LineParser(History* history) : history_(history) {}

  // Parses one line held in a buffer readable for at least SIMDJSON_PADDING bytes past
  // its end. Blank lines are skipped.
  Status Parse(const char* data, size_t len, size_t capacity, int64_t line) {
    line_ = line;
    size_t start = 0;
    while (start < len && (data[start] == ' ' || data[start] == '\t' || data[start] == '\r')) {
      ++start;
    }
    if (start == len) return Status::Ok();
    (void)capacity;
    dom::element doc;
    if (auto err = parser_.parse(data, len, false).get(doc); err) return Malformed(err);
    dom::object obj;
    if (doc.get_object().get(obj) != simdjson::SUCCESS) {
      return Error("", "each line must be one JSON object");
    }
    Event ev;
    ev.line = line;
    const int64_t position = file_position_++;
    EventExtra extra;
    bool has_type = false, has_process = false, has_f = false, has_time = false;
    bool is_nemesis = false;
    {
      dom::element p;
      if (obj["process"].get(p) == simdjson::SUCCESS && p.is_string()) {
        if (std::string_view(p) != "nemesis") {
          return Error("process", "must be an integer, or \"nemesis\" for fault events");
        }
        is_nemesis = true;
        int64_t index = position;
        dom::element iv;
        if (obj["index"].get(iv) == simdjson::SUCCESS) {
          if (auto st = GetInt(iv, "index", &index); !st.ok()) return st;
        }
        if (index != position) {
          return Error("index", "is " + std::to_string(index) + " but the event is number " +
                                    std::to_string(position) + " in the file");
        }
      }
    }
    for (dom::key_value_pair field : obj) {
      if (is_nemesis) break;
      std::string_view name = field.key;
      dom::element v = field.value;
      Status st;
      if (name == "index") {
        int64_t index = 0;
        st = GetInt(v, "index", &index);
        if (st.ok() && index != position) {
          return Error("index", "is " + std::to_string(index) + " but the event is number " +
                                    std::to_string(position) + " in the file");
        }
      } else if (name == "type") {
        std::string_view s;
        st = GetString(v, "type", &s);
        if (st.ok()) {
          auto type = ParseEventType(s);
          if (!type) {
            return Error("type", "unknown type \"" + std::string(s) +
                                     "\" (expected invoke, ok, fail or info)");
          }
          ev.type = *type;
          has_type = true;
        }
      } else if (name == "process") {
        st = GetInt(v, "process", &ev.process);
        has_process = true;
      } else if (name == "f") {
        std::string_view s;
        st = GetString(v, "f", &s);
        if (st.ok()) ev.f = history_->strings.Intern(s);
        has_f = true;
      } else if (name == "key") {
        st = GetName(v, "key", &ev.key);
      } else if (name == "value") {
        st = GetValue(v, &ev.value);
      } else if (name == "time") {
        st = GetInt(v, "time", &ev.time);
        has_time = true;
      } else if (name == "node") {
        st = GetName(v, "node", &extra.node);
      } else if (name == "read_mode") {
        st = GetName(v, "read_mode", &extra.read_mode);
      } else if (name == "error") {
        if (v.is_string()) {
          extra.error = history_->strings.Intern(std::string_view(v));
        } else {
          extra.error = history_->strings.Intern(simdjson::minify(v));
        }
      } else if (name == "term") {
        int64_t x = 0;
        st = GetInt(v, "term", &x);
        extra.term = x;
      } else if (name == "applied_index") {
        int64_t x = 0;
        st = GetInt(v, "applied_index", &x);
        extra.applied_index = x;
      }
      if (!st.ok()) return st;
    }
    if (is_nemesis) {
      // Fault events describe the test, not the system: they keep their file index but are
      // not operations to check.
      if (history_->file_index.empty()) {
        for (size_t i = 0; i < history_->events.size(); ++i) {
          history_->file_index.push_back(static_cast<int64_t>(i));
        }
      }
      skipped_any_ = true;
      return Status::Ok();
    }
    if (!has_type) return Error("type", "missing");
    if (!has_process) return Error("process", "missing");
    if (!has_f) return Error("f", "missing");
    if (!has_time) return Error("time", "missing");
    if (skipped_any_) history_->file_index.push_back(position);
    ev.extra = history_->AddExtra(extra);
    history_->events.push_back(std::move(ev));
    return Status::Ok();
  }

 private:
  Status Error(std::string_view field, const std::string& what) const {
    std::string msg = history_->source + ":" + std::to_string(line_) + ": ";
    if (!field.empty()) msg += "field \"" + std::string(field) + "\": ";
    return Status::Error(msg + what);
  }
  Status Malformed(simdjson::error_code err) const {
    return Error("", std::string("malformed JSON: ") + simdjson::error_message(err));
  }

  Status GetInt(dom::element v, std::string_view field, int64_t* out) {
    if (v.get_int64().get(*out) == simdjson::SUCCESS) return Status::Ok();
    if (v.is_number()) return Error(field, "must be an integer that fits in 64 bits");
    return Error(field, "must be an integer");
  }

  Status GetString(dom::element v, std::string_view field, std::string_view* out) {
    if (v.get_string().get(*out) != simdjson::SUCCESS) return Error(field, "must be a string");
    return Status::Ok();
  }

  // A string, or an integer kept as its decimal text (some harnesses number keys).
  Status GetName(dom::element v, std::string_view field, int32_t* out) {
    if (v.is_null()) return Status::Ok();
    if (v.is_number()) {
      int64_t x = 0;
      if (auto st = GetInt(v, field, &x); !st.ok()) return st;
      *out = history_->strings.Intern(std::to_string(x));
      return Status::Ok();
    }
    std::string_view s;
    if (auto st = GetString(v, field, &s); !st.ok()) return st;
    *out = history_->strings.Intern(s);
    return Status::Ok();
  }

  Status GetValue(dom::element v, Value* out) {
    if (v.is_null()) {
      *out = Value::Null();
      return Status::Ok();
    }
    if (v.is_number()) {
      int64_t x = 0;
      if (auto st = GetInt(v, "value", &x); !st.ok()) return st;
      *out = Value::Int(x);
      return Status::Ok();
    }
    dom::array arr;
    if (v.get_array().get(arr) != simdjson::SUCCESS) {
      return Error("value", "must be null, an integer or a list of integers");
    }
    if (arr.size() > 0 && arr.at(0).is_array()) return GetTxn(arr, out);
    std::vector<std::optional<int64_t>> items;
    items.reserve(arr.size());
    for (dom::element item : arr) {
      if (item.is_null()) {
        items.emplace_back();
        continue;
      }
      if (!item.is_number()) return Error("value", "list elements must be integers or null");
      int64_t x = 0;
      if (auto st = GetInt(item, "value", &x); !st.ok()) return st;
      items.emplace_back(x);
    }
    *out = Value::List(std::move(items));
    return Status::Ok();
  }

  // A transaction: a list of micro-ops ["r", key, list-or-null] / ["append", key, int].
  Status GetTxn(dom::array arr, Value* out) {
    std::vector<MicroOp> ops;
    ops.reserve(arr.size());
    size_t i = 0;
    for (dom::element item : arr) {
      const std::string field = "value[" + std::to_string(i++) + "]";
      dom::array m;
      if (item.get_array().get(m) != simdjson::SUCCESS || m.size() != 3) {
        return Error(field, "a micro-op must be [\"r\", key, list or null] or [\"append\", key, integer]");
      }
      MicroOp op;
      std::string_view f;
      if (m.at(0).get_string().get(f) != simdjson::SUCCESS || (f != "r" && f != "append")) {
        return Error(field, "a micro-op's first element must be \"r\" or \"append\"");
      }
      dom::element key = m.at(1);
      if (key.is_string()) {
        op.key = std::string(std::string_view(key));
      } else if (key.is_int64()) {
        op.key = std::to_string(int64_t(key));
      } else {
        return Error(field, "a micro-op's key must be a string or an integer");
      }
      dom::element arg = m.at(2);
      if (f == "append") {
        op.kind = MicroOp::Kind::kAppend;
        if (auto st = GetInt(arg, field, &op.element); !st.ok()) return st;
      } else if (!arg.is_null()) {
        dom::array list;
        if (arg.get_array().get(list) != simdjson::SUCCESS) {
          return Error(field, "a read's result must be a list of integers or null");
        }
        op.read.emplace();
        op.read->reserve(list.size());
        for (dom::element x : list) {
          int64_t e = 0;
          if (auto st = GetInt(x, field, &e); !st.ok()) return st;
          op.read->push_back(e);
        }
      }
      ops.push_back(std::move(op));
    }
    *out = Value::Txn(std::move(ops));
    return Status::Ok();
  }

  History* history_;
  int64_t file_position_ = 0;  // events seen so far, skipped ones included
  bool skipped_any_ = false;
  dom::parser parser_;
  int64_t line_ = 0;
};

}  // namespace

Result<History> ParseJsonl(std::string_view text, const std::string& source) {
  History history;
  history.source = source;
  LineParser parser(&history);
  std::string buf(text);
  buf.append(simdjson::SIMDJSON_PADDING, ' ');
  size_t pos = 0;
  int64_t line = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    ++line;
    if (auto st = parser.Parse(buf.data() + pos, end - pos, buf.size() - pos, line); !st.ok()) {
      return st;
    }
    pos = end + 1;
  }
  return history;
}

Result<History> ReadJsonlFile(const std::string& path) {
  std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!file) return Status::Error(path + ": cannot open: " + std::strerror(errno));
  History history;
  history.source = path;
  LineParser parser(&history);
  constexpr size_t kChunk = 4 << 20;
  std::vector<char> buf(kChunk + simdjson::SIMDJSON_PADDING);
  size_t have = 0;  // bytes of unparsed data at the front of buf
  int64_t line = 0;
  bool eof = false;
  bool reserved = false;
  std::fseek(file.get(), 0, SEEK_END);
  const long file_size = std::ftell(file.get());
  std::fseek(file.get(), 0, SEEK_SET);
  while (!eof || have > 0) {
    if (!eof) {
      if (buf.size() - have < kChunk / 2 + simdjson::SIMDJSON_PADDING) {
        buf.resize(buf.size() * 2);  // a line longer than the free space
      }
      size_t want = buf.size() - have - simdjson::SIMDJSON_PADDING;
      size_t got = std::fread(buf.data() + have, 1, want, file.get());
      if (got < want) {
        if (std::ferror(file.get())) return Status::Error(path + ": read error");
        eof = true;
      }
      have += got;
    }
    size_t pos = 0;
    while (pos < have) {
      const char* nl = static_cast<const char*>(std::memchr(buf.data() + pos, '\n', have - pos));
      if (nl == nullptr && !eof) break;
      size_t end = nl ? static_cast<size_t>(nl - buf.data()) : have;
      ++line;
      if (auto st = parser.Parse(buf.data() + pos, end - pos, buf.size() - pos, line); !st.ok()) {
        return st;
      }
      pos = end + 1;
    }
    if (!reserved && line > 0 && file_size > 0) {
      // Reserve once from the first chunk's line length, so the event vector does not
      // double (and briefly triple its memory) while a big file loads.
      reserved = true;
      double per_line = static_cast<double>(pos) / static_cast<double>(line);
      history.events.reserve(static_cast<size_t>(static_cast<double>(file_size) / per_line * 1.02) + 16);
    }
    if (pos >= have) {
      have = 0;
    } else {
      std::memmove(buf.data(), buf.data() + pos, have - pos);
      have -= pos;
    }
  }
  return history;
}

void AppendJsonString(std::string& out, std::string_view s) {
  out += '"';
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char esc[8];
          std::snprintf(esc, sizeof esc, "\\u%04x", c);
          out += esc;
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

void WriteJsonl(const History& h, std::ostream& out) {
  std::string line;
  for (size_t i = 0; i < h.events.size(); ++i) {
    const Event& e = h.events[i];
    line.clear();
    line += "{\"index\":" + std::to_string(i);
    line += ",\"type\":\"";
    line += EventTypeName(e.type);
    line += "\",\"process\":" + std::to_string(e.process);
    line += ",\"f\":";
    AppendJsonString(line, h.Str(e.f));
    if (e.key != kNoString) {
      line += ",\"key\":";
      AppendJsonString(line, h.Str(e.key));
    }
    line += ",\"value\":" + ValueToString(e.value);
    line += ",\"time\":" + std::to_string(e.time);
    const EventExtra& x = h.ExtraOf(e);
    if (x.node != kNoString) {
      line += ",\"node\":";
      AppendJsonString(line, h.Str(x.node));
    }
    if (x.read_mode != kNoString) {
      line += ",\"read_mode\":";
      AppendJsonString(line, h.Str(x.read_mode));
    }
    if (x.error != kNoString) {
      line += ",\"error\":";
      AppendJsonString(line, h.Str(x.error));
    }
    if (x.term) line += ",\"term\":" + std::to_string(*x.term);
    if (x.applied_index) line += ",\"applied_index\":" + std::to_string(*x.applied_index);
    line += "}\n";
    out << line;
  }
}

Status WriteJsonlFile(const History& history, const std::string& path) {
  std::ofstream out(path, std::ios::binary);
  if (!out) return Status::Error(path + ": cannot create");
  WriteJsonl(history, out);
  out.flush();
  if (!out) return Status::Error(path + ": write failed");
  return Status::Ok();
}

}  // namespace raftlab::checkers
