#include "checkers/edn.h"

#include <cerrno>
#include <cctype>
#include <charconv>
#include <cstring>
#include <fstream>
#include <sstream>

#include "checkers/jsonl.h"

namespace raftlab::checkers {
namespace {

struct Edn {
  enum class Kind { kNil, kBool, kInt, kFloat, kString, kKeyword, kSymbol, kVector, kList, kMap, kSet };
  Kind kind = Kind::kNil;
  int64_t num = 0;
  std::string text;         // string contents, keyword/symbol name (no colon), raw float
  std::vector<Edn> items;   // vector/list/set elements; map keys and values alternating
  int64_t line = 0;

  bool IsSeq() const { return kind == Kind::kVector || kind == Kind::kList; }
};

std::string Print(const Edn& e) {
  switch (e.kind) {
    case Edn::Kind::kNil: return "nil";
    case Edn::Kind::kBool: return e.num ? "true" : "false";
    case Edn::Kind::kInt: return std::to_string(e.num);
    case Edn::Kind::kFloat: return e.text;
    case Edn::Kind::kString: return e.text;
    case Edn::Kind::kKeyword: return ":" + e.text;
    case Edn::Kind::kSymbol: return e.text;
    default: break;
  }
  const char* open = e.kind == Edn::Kind::kVector ? "[" : e.kind == Edn::Kind::kList ? "(" : e.kind == Edn::Kind::kMap ? "{" : "#{";
  const char* close = e.kind == Edn::Kind::kVector ? "]" : e.kind == Edn::Kind::kList ? ")" : "}";
  std::string out = open;
  for (size_t i = 0; i < e.items.size(); ++i) out += (i ? " " : "") + Print(e.items[i]);
  return out + close;
}

class Parser {
 public:
  Parser(std::string_view text, const std::string& source) : t_(text), source_(source) {}

  Status Error(const std::string& what) const {
    return Status::Error(source_ + ":" + std::to_string(line_) + ": " + what);
  }

  // Reads the next op form into *out; returns false at the end of input. A history
  // wrapped in one top-level vector or list is read element by element, so forms are
  // never all held at once.
  Result<bool> Next(Edn* out) {
    SkipSpace();
    if (!started_) {
      started_ = true;
      if (pos_ < t_.size() && (t_[pos_] == '[' || t_[pos_] == '(')) {
        close_ = t_[pos_] == '[' ? ']' : ')';
        ++pos_;
        SkipSpace();
      }
    }
    if (close_ != 0 && pos_ < t_.size() && t_[pos_] == close_) {
      ++pos_;
      close_ = 0;
      SkipSpace();
      if (pos_ < t_.size()) return Error("unexpected data after the history's closing bracket");
      return false;
    }
    if (pos_ >= t_.size()) {
      if (close_ != 0) return Error(std::string("missing '") + close_ + "'");
      return false;
    }
    if (auto st = Form(out, 0); !st.ok()) return st;
    return true;
  }

 private:
  void SkipSpace() {
    while (pos_ < t_.size()) {
      char c = t_[pos_];
      if (c == '\n') {
        ++line_;
        ++pos_;
      } else if (c == ' ' || c == '\t' || c == '\r' || c == ',') {
        ++pos_;
      } else if (c == ';') {
        while (pos_ < t_.size() && t_[pos_] != '\n') ++pos_;
      } else {
        break;
      }
    }
  }

  static bool Delimiter(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == ',' || c == '(' || c == ')' ||
           c == '[' || c == ']' || c == '{' || c == '}' || c == '"' || c == ';';
  }

  Status Form(Edn* out, int depth) {
    if (depth > 64) return Error("EDN nested too deeply");
    SkipSpace();
    if (pos_ >= t_.size()) return Error("unexpected end of EDN input");
    out->line = line_;
    char c = t_[pos_];
    if (c == '(' || c == '[' || c == '{') {
      ++pos_;
      out->kind = c == '(' ? Edn::Kind::kList : c == '[' ? Edn::Kind::kVector : Edn::Kind::kMap;
      return Seq(out, c == '(' ? ')' : c == '[' ? ']' : '}', depth);
    }
    if (c == ')' || c == ']' || c == '}') return Error(std::string("unexpected '") + c + "'");
    if (c == '"') return String(out);
    if (c == '#') {
      ++pos_;
      if (pos_ < t_.size() && t_[pos_] == '{') {
        ++pos_;
        out->kind = Edn::Kind::kSet;
        return Seq(out, '}', depth);
      }
      if (pos_ < t_.size() && t_[pos_] == '_') {  // discard the next form
        ++pos_;
        Edn ignored;
        if (auto st = Form(&ignored, depth + 1); !st.ok()) return st;
        return Form(out, depth);
      }
      Token();  // a tag such as #jepsen.history.Op: read the tagged form as is
      return Form(out, depth + 1);
    }
    std::string_view tok = Token();
    if (tok.empty()) return Error(std::string("unexpected character '") + c + "'");
    if (tok[0] == ':') {
      out->kind = Edn::Kind::kKeyword;
      out->text = std::string(tok.substr(1));
      return Status::Ok();
    }
    if (tok == "nil") {
      out->kind = Edn::Kind::kNil;
      return Status::Ok();
    }
    if (tok == "true" || tok == "false") {
      out->kind = Edn::Kind::kBool;
      out->num = tok == "true";
      return Status::Ok();
    }
    bool numeric = std::isdigit(static_cast<unsigned char>(tok[0])) ||
                   ((tok[0] == '-' || tok[0] == '+') && tok.size() > 1 &&
                    std::isdigit(static_cast<unsigned char>(tok[1])));
    if (numeric) {
      std::string_view digits = tok;
      if (digits[0] == '+') digits.remove_prefix(1);
      if (digits.back() == 'N') digits.remove_suffix(1);
      int64_t v = 0;
      auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
      if (ec == std::errc() && p == digits.data() + digits.size()) {
        out->kind = Edn::Kind::kInt;
        out->num = v;
        return Status::Ok();
      }
      if (ec == std::errc::result_out_of_range) {
        return Error("integer " + std::string(tok) + " does not fit in 64 bits");
      }
      out->kind = Edn::Kind::kFloat;
      out->text = std::string(tok);
      return Status::Ok();
    }
    out->kind = Edn::Kind::kSymbol;
    out->text = std::string(tok);
    return Status::Ok();
  }

  std::string_view Token() {
    size_t start = pos_;
    while (pos_ < t_.size() && !Delimiter(t_[pos_])) ++pos_;
    return t_.substr(start, pos_ - start);
  }

  Status Seq(Edn* out, char close, int depth) {
    while (true) {
      SkipSpace();
      if (pos_ >= t_.size()) return Error(std::string("missing '") + close + "'");
      if (t_[pos_] == close) {
        ++pos_;
        break;
      }
      Edn item;
      if (auto st = Form(&item, depth + 1); !st.ok()) return st;
      out->items.push_back(std::move(item));
    }
    if (out->kind == Edn::Kind::kMap && out->items.size() % 2 != 0) {
      return Error("a map needs an even number of forms");
    }
    return Status::Ok();
  }

  Status String(Edn* out) {
    ++pos_;
    out->kind = Edn::Kind::kString;
    while (pos_ < t_.size() && t_[pos_] != '"') {
      char c = t_[pos_++];
      if (c == '\n') ++line_;
      if (c == '\\' && pos_ < t_.size()) {
        char e = t_[pos_++];
        c = e == 'n' ? '\n' : e == 't' ? '\t' : e == 'r' ? '\r' : e;
      }
      out->text += c;
    }
    if (pos_ >= t_.size()) return Error("unterminated string");
    ++pos_;
    return Status::Ok();
  }

  std::string_view t_;
  const std::string& source_;
  size_t pos_ = 0;
  int64_t line_ = 1;
  bool started_ = false;
  char close_ = 0;  // the top-level bracket still open, if any
};

const Edn* Get(const Edn& map, std::string_view keyword) {
  for (size_t i = 0; i + 1 < map.items.size(); i += 2) {
    const Edn& k = map.items[i];
    if (k.kind == Edn::Kind::kKeyword && k.text == keyword) return &map.items[i + 1];
  }
  return nullptr;
}

bool IsTuple(const Edn& op) {
  const Edn* v = Get(op, "value");
  const Edn* f = Get(op, "f");
  if (!v || !v->IsSeq() || v->items.size() != 2) return false;
  if (f && f->text == "txn") return false;  // [[:append k 1] [:r k nil]] is no [k v] tuple
  if (f && f->text == "cas") {
    const Edn& inner = v->items[1];
    return inner.IsSeq() || inner.kind == Edn::Kind::kNil;
  }
  return true;
}

bool IsClientOp(const Edn& op) {
  const Edn* p = Get(op, "process");
  return p && p->kind == Edn::Kind::kInt;
}

class Converter {
 public:
  Converter(History* h) : h_(h) {}

  Status Error(const Edn& op, std::string_view field, const std::string& what) const {
    return Status::Error(h_->source + ":" + std::to_string(op.line) + ": field :" +
                         std::string(field) + ": " + what);
  }

  // Elle's list-append micro-ops: [:append k v] and [:r k nil] / [:r k [v ...]].
  Result<Value> ToTxn(const Edn& op, const Edn& v) const {
    std::vector<MicroOp> ops;
    for (const Edn& m : v.items) {
      const bool shape = m.IsSeq() && m.items.size() == 3 && m.items[0].kind == Edn::Kind::kKeyword;
      const std::string f = shape ? m.items[0].text : "";
      if (f != "append" && f != "r") {
        return Error(op, "value", "a micro-op must be [:append k v] or [:r k list-or-nil], not " + Print(m));
      }
      MicroOp mop;
      const Edn& key = m.items[1];
      if (key.kind == Edn::Kind::kInt) {
        mop.key = std::to_string(key.num);
      } else if (key.kind == Edn::Kind::kString || key.kind == Edn::Kind::kKeyword) {
        mop.key = key.text;
      } else {
        return Error(op, "value", "a micro-op's key must be an integer, string or keyword, not " + Print(key));
      }
      const Edn& arg = m.items[2];
      if (f == "append") {
        if (arg.kind != Edn::Kind::kInt) return Error(op, "value", "an append's element must be an integer, not " + Print(arg));
        mop.kind = MicroOp::Kind::kAppend;
        mop.element = arg.num;
      } else if (arg.kind != Edn::Kind::kNil) {
        if (!arg.IsSeq()) return Error(op, "value", "a read's result must be a vector or nil, not " + Print(arg));
        mop.read.emplace();
        for (const Edn& x : arg.items) {
          if (x.kind != Edn::Kind::kInt) return Error(op, "value", "read elements must be integers, not " + Print(x));
          mop.read->push_back(x.num);
        }
      }
      ops.push_back(std::move(mop));
    }
    return Value::Txn(std::move(ops));
  }

  Result<Value> ToValue(const Edn& op, const Edn& v) const {
    if (v.IsSeq() && !v.items.empty() && v.items[0].IsSeq()) return ToTxn(op, v);
    switch (v.kind) {
      case Edn::Kind::kNil: return Value::Null();
      case Edn::Kind::kInt: return Value::Int(v.num);
      case Edn::Kind::kVector:
      case Edn::Kind::kList:
      case Edn::Kind::kSet: {
        std::vector<std::optional<int64_t>> items;
        for (const Edn& x : v.items) {
          if (x.kind == Edn::Kind::kNil) {
            items.emplace_back();
          } else if (x.kind == Edn::Kind::kInt) {
            items.emplace_back(x.num);
          } else {
            return Error(op, "value", "list elements must be integers or nil, not " + Print(x));
          }
        }
        return Value::List(std::move(items));
      }
      default:
        return Error(op, "value", "must be nil, an integer or a vector of integers, not " + Print(v));
    }
  }

  Result<int32_t> Name(const Edn& op, std::string_view field, const Edn& v) const {
    switch (v.kind) {
      case Edn::Kind::kInt: return h_->strings.Intern(std::to_string(v.num));
      case Edn::Kind::kString:
      case Edn::Kind::kKeyword:
      case Edn::Kind::kSymbol: return h_->strings.Intern(v.text);
      default: return Error(op, field, "must be a string, keyword or integer, not " + Print(v));
    }
  }

  Status Convert(const Edn& op, bool keyed) {
    if (op.kind != Edn::Kind::kMap) {
      return Status::Error(h_->source + ":" + std::to_string(op.line) + ": expected an op map, not " +
                           Print(op).substr(0, 60));
    }
    Event ev;
    ev.line = op.line;
    EventExtra extra;
    const Edn* type = Get(op, "type");
    if (!type) return Error(op, "type", "missing");
    auto t = ParseEventType(type->text);
    if (type->kind != Edn::Kind::kKeyword || !t) {
      return Error(op, "type", "unknown type " + Print(*type) + " (expected :invoke, :ok, :fail or :info)");
    }
    ev.type = *t;
    const Edn* process = Get(op, "process");
    if (!process) return Error(op, "process", "missing");
    if (process->kind != Edn::Kind::kInt) return Status::Ok();  // :nemesis and friends
    ev.process = process->num;
    const Edn* f = Get(op, "f");
    if (!f) return Error(op, "f", "missing");
    auto fid = Name(op, "f", *f);
    if (!fid.ok()) return fid.status();
    ev.f = *fid;
    const Edn* time = Get(op, "time");
    if (!time) return Error(op, "time", "missing");
    if (time->kind != Edn::Kind::kInt) return Error(op, "time", "must be an integer");
    ev.time = time->num;
    const Edn* value = Get(op, "value");
    Edn nil;
    if (!value) value = &nil;
    if (keyed) {
      auto k = Name(op, "value", value->items[0]);
      if (!k.ok()) return k.status();
      ev.key = *k;
      value = &value->items[1];
    } else if (const Edn* key = Get(op, "key")) {
      auto k = Name(op, "key", *key);
      if (!k.ok()) return k.status();
      ev.key = *k;
    }
    auto v = ToValue(op, *value);
    if (!v.ok()) return v.status();
    ev.value = std::move(*v);
    if (const Edn* node = Get(op, "node")) {
      auto n = Name(op, "node", *node);
      if (!n.ok()) return n.status();
      extra.node = *n;
    }
    const Edn* mode = Get(op, "read-mode");
    if (!mode) mode = Get(op, "read_mode");
    if (mode) {
      auto n = Name(op, "read-mode", *mode);
      if (!n.ok()) return n.status();
      extra.read_mode = *n;
    }
    if (const Edn* error = Get(op, "error")) {
      extra.error = h_->strings.Intern(error->kind == Edn::Kind::kString ? error->text : Print(*error));
    }
    if (const Edn* term = Get(op, "term"); term && term->kind == Edn::Kind::kInt) extra.term = term->num;
    const Edn* applied = Get(op, "applied-index");
    if (!applied) applied = Get(op, "applied_index");
    if (applied && applied->kind == Edn::Kind::kInt) extra.applied_index = applied->num;
    ev.extra = h_->AddExtra(extra);
    h_->events.push_back(std::move(ev));
    return Status::Ok();
  }

 private:
  History* h_;
};

void AppendEdnString(std::string& out, const std::string& s) {
  out += '"';
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  out += '"';
}

void AppendEdnKey(std::string& out, const std::string& k);

std::string EdnValue(const Value& v) {
  if (v.is_txn()) {
    std::string out = "[";
    for (const MicroOp& m : v.micro_ops()) {
      if (out.size() > 1) out += ' ';
      out += m.kind == MicroOp::Kind::kAppend ? "[:append " : "[:r ";
      AppendEdnKey(out, m.key);
      if (m.kind == MicroOp::Kind::kAppend) {
        out += " " + std::to_string(m.element);
      } else if (!m.read) {
        out += " nil";
      } else {
        out += " [";
        for (size_t i = 0; i < m.read->size(); ++i) out += (i ? " " : "") + std::to_string((*m.read)[i]);
        out += "]";
      }
      out += "]";
    }
    return out + "]";
  }
  std::string s = ValueToString(v);
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s.compare(i, 4, "null") == 0) {
      out += "nil";
      i += 3;
    } else {
      out += s[i] == ',' ? ' ' : s[i];
    }
  }
  return out;
}

bool LooksLikeInteger(const std::string& s) {
  if (s.empty() || s.size() > 18) return false;
  size_t i = s[0] == '-' ? 1 : 0;
  if (i == s.size() || (s[i] == '0' && s.size() > i + 1)) return false;
  for (; i < s.size(); ++i) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
  }
  return true;
}

void AppendEdnKey(std::string& out, const std::string& k) {
  if (LooksLikeInteger(k)) {
    out += k;
  } else {
    AppendEdnString(out, k);
  }
}

}  // namespace

Result<History> ParseEdn(std::string_view text, const std::string& source) {
  // Pass 1 decides whether values are [k v] tuples; pass 2 converts. Each pass holds one
  // form at a time.
  size_t client_ops = 0, tuples = 0;
  {
    Parser parser(text, source);
    Edn op;
    while (true) {
      op = Edn();
      auto more = parser.Next(&op);
      if (!more.ok()) return more.status();
      if (!*more) break;
      if (op.kind != Edn::Kind::kMap || !IsClientOp(op)) continue;
      ++client_ops;
      tuples += IsTuple(op) ? 1 : 0;
    }
  }
  const bool keyed = client_ops > 0 && tuples == client_ops;
  History history;
  history.source = source;
  Converter converter(&history);
  Parser parser(text, source);
  while (true) {
    Edn op;
    auto more = parser.Next(&op);
    if (!more.ok()) return more.status();
    if (!*more) break;
    if (auto st = converter.Convert(op, keyed); !st.ok()) return st;
  }
  return history;
}

Result<History> ReadEdnFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::Error(path + ": cannot open: " + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  return ParseEdn(text.str(), path);
}

void WriteEdn(const History& h, std::ostream& out) {
  std::string line;
  for (size_t i = 0; i < h.events.size(); ++i) {
    const Event& e = h.events[i];
    line = "{:index " + std::to_string(i) + ", :type :" + EventTypeName(e.type) +
           ", :process " + std::to_string(e.process) + ", :f :" + h.Str(e.f) + ", :value ";
    if (e.key != kNoString) {
      line += "[";
      AppendEdnKey(line, h.Str(e.key));
      line += " " + EdnValue(e.value) + "]";
    } else {
      line += EdnValue(e.value);
    }
    line += ", :time " + std::to_string(e.time);
    const EventExtra& x = h.ExtraOf(e);
    if (x.node != kNoString) {
      line += ", :node ";
      AppendEdnString(line, h.Str(x.node));
    }
    if (x.read_mode != kNoString) {
      line += ", :read-mode ";
      AppendEdnString(line, h.Str(x.read_mode));
    }
    if (x.error != kNoString) {
      line += ", :error ";
      AppendEdnString(line, h.Str(x.error));
    }
    if (x.term) line += ", :term " + std::to_string(*x.term);
    if (x.applied_index) line += ", :applied-index " + std::to_string(*x.applied_index);
    line += "}\n";
    out << line;
  }
}

Status WriteEdnFile(const History& history, const std::string& path) {
  std::ofstream out(path, std::ios::binary);
  if (!out) return Status::Error(path + ": cannot create");
  WriteEdn(history, out);
  out.flush();
  if (!out) return Status::Error(path + ": write failed");
  return Status::Ok();
}

}  // namespace raftlab::checkers
