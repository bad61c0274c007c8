#include "checkers/history.h"

#include "checkers/jsonl.h"

namespace raftlab::checkers {

const char* EventTypeName(EventType type) {
  switch (type) {
    case EventType::kInvoke: return "invoke";
    case EventType::kOk: return "ok";
    case EventType::kFail: return "fail";
    case EventType::kInfo: return "info";
  }
  return "?";
}

std::optional<EventType> ParseEventType(std::string_view name) {
  if (name == "invoke") return EventType::kInvoke;
  if (name == "ok") return EventType::kOk;
  if (name == "fail") return EventType::kFail;
  if (name == "info") return EventType::kInfo;
  return std::nullopt;
}

std::string ValueToString(const Value& v) {
  switch (v.kind) {
    case Value::Kind::kNull: return "null";
    case Value::Kind::kInt: return std::to_string(v.num);
    case Value::Kind::kList: {
      std::string out = "[";
      for (size_t i = 0; i < v.list.size(); ++i) {
        if (i > 0) out += ',';
        out += v.list[i] ? std::to_string(*v.list[i]) : "null";
      }
      return out + "]";
    }
    case Value::Kind::kTxn: {
      std::string out = "[";
      for (const MicroOp& m : v.micro_ops()) {
        if (out.size() > 1) out += ',';
        out += m.kind == MicroOp::Kind::kAppend ? "[\"append\"," : "[\"r\",";
        AppendJsonString(out, m.key);
        out += ',';
        if (m.kind == MicroOp::Kind::kAppend) {
          out += std::to_string(m.element);
        } else if (!m.read) {
          out += "null";
        } else {
          out += '[';
          for (size_t i = 0; i < m.read->size(); ++i) {
            if (i > 0) out += ',';
            out += std::to_string((*m.read)[i]);
          }
          out += ']';
        }
        out += ']';
      }
      return out + "]";
    }
  }
  return "?";
}

int32_t Interner::Intern(std::string_view s) {
  auto it = ids_.find(s);
  if (it != ids_.end()) return it->second;
  auto id = static_cast<int32_t>(names_.size());
  names_.emplace_back(s);
  ids_.emplace(names_.back(), id);
  return id;
}

int32_t Interner::Find(std::string_view s) const {
  auto it = ids_.find(s);
  return it == ids_.end() ? kNoString : it->second;
}

}  // namespace raftlab::checkers
