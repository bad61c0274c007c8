// The history model: events as recorded (one JSONL line or EDN map each) and operations
// (an invoke paired with its completion). See shared/docs/history-format.md.
//
// A History owns its events and an interner for the repetitive strings in them (f, key,
// node, read_mode, error), so a million-op history costs a few ints per string field.
// Events keep the 1-based source line so later stages can name it in errors.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace raftlab::checkers {

enum class EventType : uint8_t { kInvoke, kOk, kFail, kInfo };

const char* EventTypeName(EventType type);
std::optional<EventType> ParseEventType(std::string_view name);

// One micro-op of a transaction (f "txn"): ["r", key, [elements] or null] reads a key's
// list, ["append", key, element] appends one element to it.
struct MicroOp {
  enum class Kind : uint8_t { kRead, kAppend };
  Kind kind = Kind::kRead;
  std::string key;
  int64_t element = 0;                       // append only
  std::optional<std::vector<int64_t>> read;  // read: the list read; nullopt = not known
  bool operator==(const MicroOp&) const = default;
};

// A JSON value as the format allows it: null, an integer, a list of integers/nulls (cas
// pairs, set reads, bank balances), or a transaction's micro-ops (shared: immutable once
// built, so copies of an event's value cost no allocation).
struct Value {
  enum class Kind : uint8_t { kNull, kInt, kList, kTxn };
  Kind kind = Kind::kNull;
  int64_t num = 0;
  std::vector<std::optional<int64_t>> list;
  std::shared_ptr<const std::vector<MicroOp>> txn;

  static Value Null() { return Value(); }
  static Value Int(int64_t v) {
    Value x;
    x.kind = Kind::kInt;
    x.num = v;
    return x;
  }
  static Value List(std::vector<std::optional<int64_t>> items) {
    Value x;
    x.kind = Kind::kList;
    x.list = std::move(items);
    return x;
  }
  static Value Txn(std::vector<MicroOp> ops) {
    Value x;
    x.kind = Kind::kTxn;
    x.txn = std::make_shared<const std::vector<MicroOp>>(std::move(ops));
    return x;
  }
  bool is_null() const { return kind == Kind::kNull; }
  bool is_int() const { return kind == Kind::kInt; }
  bool is_list() const { return kind == Kind::kList; }
  bool is_txn() const { return kind == Kind::kTxn; }
  const std::vector<MicroOp>& micro_ops() const {
    static const std::vector<MicroOp> kNone;
    return txn ? *txn : kNone;
  }
  bool operator==(const Value& o) const {
    return kind == o.kind && num == o.num && list == o.list && micro_ops() == o.micro_ops();
  }
};

// Renders a value the way the JSONL format writes it: 12, null, [12,13], and a
// transaction as [["append","x",3],["r","y",[1,2]]].
std::string ValueToString(const Value& v);

constexpr int32_t kNoString = -1;

// Maps strings to dense ids. Not thread-safe for Intern; Name may be called concurrently
// once interning is over.
class Interner {
 public:
  int32_t Intern(std::string_view s);
  // Returns kNoString if s was never interned.
  int32_t Find(std::string_view s) const;
  const std::string& Name(int32_t id) const { return names_[static_cast<size_t>(id)]; }
  size_t size() const { return names_.size(); }

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::vector<std::string> names_;
  std::unordered_map<std::string, int32_t, Hash, std::equal_to<>> ids_;
};

// An event's index is its position in History::events.
// The optional pass-through fields, kept beside the events because most have none.
struct EventExtra {
  int32_t node = kNoString;
  int32_t read_mode = kNoString;
  int32_t error = kNoString;
  std::optional<int64_t> term;
  std::optional<int64_t> applied_index;

  bool empty() const {
    return node == kNoString && read_mode == kNoString && error == kNoString && !term &&
           !applied_index;
  }
};

// Fields are ordered largest first to keep padding (and a big history's memory) down.
struct Event {
  Value value;
  int64_t process = 0;
  int64_t time = 0;
  int64_t line = 0;  // 1-based line in the source file
  int32_t f = kNoString;
  int32_t key = kNoString;    // kNoString: the op has no key
  int32_t extra = -1;         // index into History::extras, -1: none
  EventType type = EventType::kInvoke;
};

struct History {
  std::string source;  // file name used in messages
  std::vector<Event> events;
  std::vector<EventExtra> extras;
  Interner strings;
  // Position in the source file of events[i] when the reader skipped lines that are not
  // client operations (nemesis events); empty when positions and file indices agree.
  std::vector<int64_t> file_index;

  // The index in the source file of event position `pos` (-1 stays -1).
  int64_t FileIndex(int64_t pos) const {
    return pos < 0 || file_index.empty() ? pos : file_index[static_cast<size_t>(pos)];
  }

  const std::string& Str(int32_t id) const { return strings.Name(id); }
  // The event's optional fields (all absent if it has none).
  const EventExtra& ExtraOf(const Event& e) const {
    static const EventExtra kNone;
    return e.extra < 0 ? kNone : extras[static_cast<size_t>(e.extra)];
  }
  // Stores x for an event and returns the index for Event::extra (-1 if x is empty).
  int32_t AddExtra(const EventExtra& x) {
    if (x.empty()) return -1;
    extras.push_back(x);
    return static_cast<int32_t>(extras.size() - 1);
  }
};

enum class OpStatus : uint8_t { kOk, kFail, kInfo };

// One operation: an invoke and its completion. An invoke never completed has status
// kInfo and complete_event -1.
struct Op {
  int64_t process = 0;
  int32_t f = kNoString;
  int32_t key = kNoString;
  OpStatus status = OpStatus::kInfo;
  int64_t invoke_event = 0;  // position in History::events
  int64_t value_event = 0;   // the event whose value is the op's: see OpValue
  int64_t complete_event = -1;
  int64_t invoke_time = 0;
  int64_t complete_time = -1;
};

// The value the op was invoked with.
inline const Value& InvokeValue(const History& h, const Op& op) {
  return h.events[static_cast<size_t>(op.invoke_event)].value;
}

// The op's value: what an ok read returned, else the completion's value if it has one,
// else the invoke's.
inline const Value& OpValue(const History& h, const Op& op) {
  return h.events[static_cast<size_t>(op.value_event)].value;
}

}  // namespace raftlab::checkers
