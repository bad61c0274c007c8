#include "server/storage/wal_format.h"

#include <cinttypes>
#include <cstdio>
#include <cstring>

#include "server/storage/crc32c.h"
#include "server/storage/file_util.h"

namespace raftlab::storage {
namespace {

constexpr char kMagic[8] = {'R', 'L', 'A', 'B', 'W', 'A', 'L', '\n'};
// Larger lengths are damage, not records: a Ready is bounded well below this.
constexpr uint32_t kMaxRecordPayload = 256u << 20;

std::optional<uint64_t> ParseHex16(std::string_view s) {
  if (s.size() != 16) return {};
  uint64_t v = 0;
  for (char c : s) {
    int d = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
    if (d < 0) return {};
    v = v << 4 | static_cast<uint64_t>(d);
  }
  return v;
}

bool KnownType(uint8_t t, bool node_log) { return t >= 1 && t <= (node_log ? 5 : 3); }

uint32_t RecordCrc(char type, const char* payload, size_t len) {
  return Crc32cExtend(Crc32c(&type, 1), payload, len);
}

bool ParsePayload(WalRecordType type, const char* p, uint32_t len, bool node_log, WalRecord* out) {
  if (node_log) {
    if (len < 8) return false;
    out->group = GetFixed64(p);
    p += 8;
    len -= 8;
  }
  const int n = static_cast<int>(len);
  switch (type) {
    case WalRecordType::kEntry:
      return out->entry.ParseFromArray(p, n);
    case WalRecordType::kHardState:
      return out->hard_state.ParseFromArray(p, n);
    case WalRecordType::kSnapshot:
      return out->snapshot.ParseFromArray(p, n);
    case WalRecordType::kBatchEnd:
    case WalRecordType::kGroupBase:
      if (len != 8) return false;
      out->value = GetFixed64(p);
      return true;
  }
  return false;
}

// Decodes the frame at `at`; on damage returns false and says why in *why.
bool DecodeAt(std::string_view data, uint64_t at, bool node_log, WalRecord* out, std::string* why) {
  if (data.size() - at < kWalRecordHeaderSize) {
    *why = "record header cut short";
    return false;
  }
  const char* frame = data.data() + at;
  const uint32_t len = GetFixed32(frame);
  if (len > kMaxRecordPayload) {
    *why = "record length " + std::to_string(len) + " is implausible";
    return false;
  }
  if (data.size() - at - kWalRecordHeaderSize < len) {
    *why = "record of " + std::to_string(len) + " bytes cut short by the end of the file";
    return false;
  }
  const char* payload = frame + kWalRecordHeaderSize;
  if (RecordCrc(frame[8], payload, len) != GetFixed32(frame + 4)) {
    *why = "record CRC mismatch";
    return false;
  }
  const auto type = static_cast<uint8_t>(frame[8]);
  if (!KnownType(type, node_log)) {
    *why = "unknown record type " + std::to_string(type);
    return false;
  }
  *out = WalRecord();
  out->type = static_cast<WalRecordType>(type);
  if (!ParsePayload(out->type, payload, len, node_log, out)) {
    *why = std::string(WalRecordTypeName(out->type)) + " record payload unparsable";
    return false;
  }
  out->offset = at;
  out->end = at + kWalRecordHeaderSize + len;
  return true;
}

}  // namespace

std::string_view WalRecordTypeName(WalRecordType type) {
  switch (type) {
    case WalRecordType::kEntry:
      return "entry";
    case WalRecordType::kHardState:
      return "hard-state";
    case WalRecordType::kSnapshot:
      return "snapshot";
    case WalRecordType::kBatchEnd:
      return "batch-end";
    case WalRecordType::kGroupBase:
      return "group-base";
  }
  return "unknown";
}

std::string WalSegmentName(uint64_t seq, uint64_t first_index) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%016" PRIx64 "-%016" PRIx64 ".wal", seq, first_index);
  return buf;
}

std::optional<std::pair<uint64_t, uint64_t>> ParseWalSegmentName(const std::string& name) {
  if (name.size() != 37 || name[16] != '-' || name.compare(33, 4, ".wal") != 0) return {};
  auto seq = ParseHex16(std::string_view(name).substr(0, 16));
  auto first = ParseHex16(std::string_view(name).substr(17, 16));
  if (!seq || !first) return {};
  return std::make_pair(*seq, *first);
}

std::string NodeWalSegmentName(uint64_t seq) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%016" PRIx64 ".wal", seq);
  return buf;
}

std::optional<uint64_t> ParseNodeWalSegmentName(const std::string& name) {
  if (name.size() != 20 || name.compare(16, 4, ".wal") != 0) return {};
  return ParseHex16(std::string_view(name).substr(0, 16));
}

std::string WalSegmentHeader(uint32_t version) {
  std::string buf(kMagic, sizeof kMagic);
  PutFixed32(&buf, version);
  PutFixed32(&buf, Crc32c(buf.data(), buf.size()));
  return buf;
}

absl::Status CheckWalSegmentHeader(const std::string& path, std::string_view data, uint32_t expected) {
  if (data.size() < kWalHeaderSize || std::memcmp(data.data(), kMagic, sizeof kMagic) != 0) {
    return absl::DataLossError(path + ": offset 0: not a raftlab WAL segment (bad or missing header)");
  }
  if (GetFixed32(data.data() + 12) != Crc32c(data.data(), 12)) {
    return absl::DataLossError(path + ": offset 0: WAL segment header fails its CRC");
  }
  const uint32_t version = GetFixed32(data.data() + 8);
  if (version != expected) {
    return absl::FailedPreconditionError(path + ": WAL format version " + std::to_string(version) +
                                         ", expected version " + std::to_string(expected) +
                                         (expected == kNodeWalFormatVersion ? " (the node's shared log)"
                                                                            : " (a group's own log)"));
  }
  return absl::OkStatus();
}

void AppendWalRecord(WalRecordType type, const std::string& payload, std::string* out) {
  PutFixed32(out, static_cast<uint32_t>(payload.size()));
  const char t = static_cast<char>(type);
  PutFixed32(out, RecordCrc(t, payload.data(), payload.size()));
  out->push_back(t);
  out->append(payload);
}

void AppendNodeWalRecord(WalRecordType type, uint64_t group, std::string_view body, std::string* out) {
  std::string payload;
  payload.reserve(8 + body.size());
  PutFixed64(&payload, group);
  payload.append(body);
  AppendWalRecord(type, payload, out);
}

WalSegmentReader::WalSegmentReader(std::string_view data, uint64_t resync_budget)
    : data_(data),
      node_log_(data.size() >= kWalHeaderSize && GetFixed32(data.data() + 8) == kNodeWalFormatVersion),
      resync_budget_(resync_budget) {}

WalSegmentReader::Item WalSegmentReader::Next(WalRecord* record, WalDamage* damage) {
  if (offset_ >= data_.size()) return Item::kEnd;
  std::string why;
  if (DecodeAt(data_, offset_, node_log_, record, &why)) {
    offset_ = record->end;
    return Item::kRecord;
  }
  *damage = WalDamage();
  damage->offset = offset_;
  damage->reason = why;
  // Cheap filters first (type, length) so that only plausible frames are hashed.
  uint64_t hashed = 0;
  for (uint64_t at = offset_ + 1; at + kWalRecordHeaderSize <= data_.size(); ++at) {
    const char* frame = data_.data() + at;
    const uint32_t len = GetFixed32(frame);
    if (!KnownType(static_cast<uint8_t>(frame[8]), node_log_) || len > data_.size() - at - kWalRecordHeaderSize) {
      continue;
    }
    if (hashed + len > resync_budget_) {
      damage->undecided = true;
      break;
    }
    hashed += len;
    if (DecodeAt(data_, at, node_log_, record, &why)) {
      damage->end = at;
      damage->valid_after = true;
      offset_ = at;
      return Item::kDamage;
    }
  }
  damage->end = data_.size();
  offset_ = data_.size();
  return Item::kDamage;
}

}  // namespace raftlab::storage
