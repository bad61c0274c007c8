#include "server/storage/kv_command.h"

namespace raftlab::storage {
namespace {

void PutVarint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

void PutBytes(std::string* out, std::string_view s) {
  PutVarint(out, s.size());
  out->append(s);
}

void PutMutations(std::string* out, const std::vector<KvMutation>& ms) {
  PutVarint(out, ms.size());
  for (const KvMutation& m : ms) {
    out->push_back(static_cast<char>(m.kind));
    PutBytes(out, m.key);
    if (m.kind == KvMutation::Kind::kPut || m.kind == KvMutation::Kind::kAppend) PutBytes(out, m.value);
  }
}

// Reads fields front to back; the first failure sticks and names field and offset.
class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}

  bool Varint(const char* field, uint64_t* v) {
    *v = 0;
    for (int shift = 0; shift < 70; shift += 7) {
      if (pos_ >= data_.size()) return Fail(field, "truncated varint");
      const auto b = static_cast<uint8_t>(data_[pos_++]);
      if (shift == 63 && b > 1) return Fail(field, "varint overflows 64 bits");
      *v |= static_cast<uint64_t>(b & 0x7F) << shift;
      if ((b & 0x80) == 0) return true;
    }
    return Fail(field, "varint longer than 10 bytes");
  }
  bool Byte(const char* field, uint8_t* b) {
    if (pos_ >= data_.size()) return Fail(field, "truncated");
    *b = static_cast<uint8_t>(data_[pos_++]);
    return true;
  }
  bool Bytes(const char* field, std::string* s) {
    uint64_t n = 0;
    if (!Varint(field, &n)) return false;
    if (n > data_.size() - pos_) return Fail(field, "length runs past the end");
    s->assign(data_.substr(pos_, static_cast<size_t>(n)));
    pos_ += static_cast<size_t>(n);
    return true;
  }
  // Each element takes at least one byte, so larger counts are damage.
  bool Count(const char* field, uint64_t* n) {
    if (!Varint(field, n)) return false;
    if (*n > data_.size() - pos_) return Fail(field, "count larger than the command");
    return true;
  }
  bool Fail(const char* field, const char* why) {
    if (error_.empty()) {
      error_ = std::string("KV command: ") + field + " at byte " + std::to_string(pos_) + ": " +
               why;
    }
    return false;
  }
  bool AtEnd() const { return pos_ == data_.size(); }
  const std::string& error() const { return error_; }

 private:
  std::string_view data_;
  size_t pos_ = 0;
  std::string error_;
};

bool ReadMutations(Reader* r, const char* which, std::vector<KvMutation>* out) {
  uint64_t n = 0;
  if (!r->Count(which, &n)) return false;
  for (uint64_t i = 0; i < n; ++i) {
    KvMutation m;
    uint8_t kind = 0;
    if (!r->Byte("mutation kind", &kind)) return false;
    if (kind < 1 || kind > 4) return r->Fail("mutation kind", "unknown kind");
    m.kind = static_cast<KvMutation::Kind>(kind);
    if (!r->Bytes("mutation key", &m.key)) return false;
    const bool has_value = m.kind == KvMutation::Kind::kPut || m.kind == KvMutation::Kind::kAppend;
    if (has_value && !r->Bytes("mutation value", &m.value)) return false;
    out->push_back(std::move(m));
  }
  return true;
}

}  // namespace

bool IsList(std::string_view value) { return value.starts_with(kListMarker); }

std::string AppendToList(const std::optional<std::string>& current, std::string_view element) {
  std::string out = current ? *current : std::string(kListMarker);
  PutBytes(&out, element);
  return out;
}

absl::StatusOr<std::vector<std::string>> DecodeList(std::string_view value) {
  if (!IsList(value)) return absl::InvalidArgumentError("list: value does not start with the list marker");
  Reader r(value.substr(kListMarker.size()));
  std::vector<std::string> out;
  while (!r.AtEnd()) {
    std::string e;
    if (!r.Bytes("list element", &e)) return absl::InvalidArgumentError(r.error());
    out.push_back(std::move(e));
  }
  return out;
}

KvCommand KvCommand::Put(std::string key, std::string value) {
  KvCommand c;
  c.success.push_back({KvMutation::Kind::kPut, std::move(key), std::move(value)});
  return c;
}

KvCommand KvCommand::Delete(std::string key) {
  KvCommand c;
  c.success.push_back({KvMutation::Kind::kDelete, std::move(key), ""});
  return c;
}

KvCommand KvCommand::Cas(std::string key, std::optional<std::string> expected,
                         std::optional<std::string> new_value) {
  KvCommand c;
  c.compares.push_back({key, std::move(expected)});
  if (new_value) {
    c.success.push_back({KvMutation::Kind::kPut, std::move(key), std::move(*new_value)});
  } else {
    c.success.push_back({KvMutation::Kind::kDelete, std::move(key), ""});
  }
  return c;
}

std::string EncodeKvCommand(const KvCommand& command) {
  std::string out;
  out.push_back(static_cast<char>(kKvCommandVersion));
  PutVarint(&out, command.compares.size());
  for (const KvCompare& c : command.compares) {
    PutBytes(&out, c.key);
    out.push_back(c.expected ? 1 : 0);
    if (c.expected) PutBytes(&out, *c.expected);
  }
  PutMutations(&out, command.success);
  PutMutations(&out, command.failure);
  return out;
}

absl::StatusOr<KvCommand> DecodeKvCommand(std::string_view data) {
  Reader r(data);
  KvCommand c;
  uint8_t version = 0;
  uint64_t n = 0;
  bool ok = r.Byte("version", &version);
  if (ok && version != kKvCommandVersion) {
    return absl::InvalidArgumentError("KV command: version " + std::to_string(version) +
                                      ", this build reads version " +
                                      std::to_string(kKvCommandVersion));
  }
  ok = ok && r.Count("compare count", &n);
  for (uint64_t i = 0; ok && i < n; ++i) {
    KvCompare cmp;
    uint8_t present = 0;
    ok = r.Bytes("compare key", &cmp.key) && r.Byte("compare present flag", &present);
    if (ok && present > 1) ok = r.Fail("compare present flag", "not 0 or 1");
    if (ok && present == 1) {
      cmp.expected.emplace();
      ok = r.Bytes("compare value", &*cmp.expected);
    }
    if (ok) c.compares.push_back(std::move(cmp));
  }
  ok = ok && ReadMutations(&r, "success count", &c.success) &&
       ReadMutations(&r, "failure count", &c.failure);
  if (ok && !r.AtEnd()) ok = r.Fail("end", "trailing bytes after the command");
  if (!ok) return absl::InvalidArgumentError(r.error());
  return c;
}

}  // namespace raftlab::storage
