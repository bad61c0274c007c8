// The state-machine command carried in the data of an EntryNormal Raft entry.
//
// Every command is a small transaction: if every compare holds, the `success` mutations
// are applied, otherwise the `failure` mutations; either way the current value of each
// compared key is reported back. That one shape covers put and delete (no compares),
// compare-and-set (one compare), multi-key transactions, and reads through the log (a
// compare with no mutations). A command is applied atomically, in one write batch.
//
// Encoding, version 1 (hand-written so it is stable and independent of proto/):
//   command   := version (u8 = 1) | compares | mutations (success) | mutations (failure)
//   compares  := count (varint) | compare*
//   compare   := key (bytes) | present (u8: 0 = key must be absent, 1 = must equal value)
//                | value (bytes, only when present)
//   mutations := count (varint) | mutation*
//   mutation  := kind (u8: 1 = put, 2 = delete, 3 = append, 4 = read) | key (bytes)
//                | value (bytes, put and append only: the value, or the element appended)
//   bytes     := length (varint) | raw bytes
//   varint    := unsigned LEB128, at most 10 bytes
// Decoding is strict: an unknown version or kind, a truncated field or trailing bytes is
// an error, so a command that is not understood is never half-applied.
//
// Ops run in order; a read reports the key's value at that point of the command (earlier
// ops included). An append turns the key's value into a list: a stored list is
//   list := kListMarker | (length (varint) | element bytes)*
// and an append to a value that is not a list, or past kMaxListBytes, aborts the whole
// command (deterministically: the same on every replica).
#ifndef RAFTLAB_SERVER_STORAGE_KV_COMMAND_H_
#define RAFTLAB_SERVER_STORAGE_KV_COMMAND_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace raftlab::storage {

inline constexpr uint8_t kKvCommandVersion = 1;

// Holds when the key's current value equals `expected`, or the key is absent and
// `expected` is nullopt.
struct KvCompare {
  std::string key;
  std::optional<std::string> expected;
  bool operator==(const KvCompare&) const = default;
};

// One op of a command's branch (named for its first two kinds; reads are ops too).
struct KvMutation {
  enum class Kind : uint8_t { kPut = 1, kDelete = 2, kAppend = 3, kRead = 4 };
  Kind kind = Kind::kPut;
  std::string key;
  std::string value;  // put: the value; append: the element
  bool operator==(const KvMutation&) const = default;
};

// The first bytes of every stored list; a put of a value starting with them is refused by
// the API, so only Append makes lists.
inline constexpr std::string_view kListMarker{"\xFF\x00L", 3};
// The largest encoded list an append may produce.
inline constexpr size_t kMaxListBytes = 1 << 20;

bool IsList(std::string_view value);
// The list with element appended (current nullopt: the key is absent, an empty list).
std::string AppendToList(const std::optional<std::string>& current, std::string_view element);
// The elements of a stored list; InvalidArgument if value is not a well-formed list.
absl::StatusOr<std::vector<std::string>> DecodeList(std::string_view value);

struct KvCommand {
  std::vector<KvCompare> compares;
  std::vector<KvMutation> success;
  std::vector<KvMutation> failure;
  bool operator==(const KvCommand&) const = default;

  static KvCommand Put(std::string key, std::string value);
  static KvCommand Delete(std::string key);
  // Sets key to new_value (deletes it when nullopt) iff its value is `expected`.
  static KvCommand Cas(std::string key, std::optional<std::string> expected,
                       std::optional<std::string> new_value);
};

std::string EncodeKvCommand(const KvCommand& command);
// InvalidArgument naming the field and byte offset where decoding failed.
absl::StatusOr<KvCommand> DecodeKvCommand(std::string_view data);

}  // namespace raftlab::storage

#endif  // RAFTLAB_SERVER_STORAGE_KV_COMMAND_H_
