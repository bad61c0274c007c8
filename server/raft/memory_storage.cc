#include "server/raft/storage.h"

#include <string>
#include <utility>

#include "server/raft/errors.h"

namespace raftlab::raft {

void LimitSize(std::vector<Entry>& ents, uint64_t max_bytes) {
  if (ents.empty()) return;
  uint64_t size = EntrySize(ents[0]);
  size_t limit = 1;
  for (; limit < ents.size(); ++limit) {
    size += EntrySize(ents[limit]);
    if (size > max_bytes) break;
  }
  ents.resize(limit);
}

MemoryStorage::MemoryStorage() { ents_.emplace_back(); }

absl::StatusOr<InitialState> MemoryStorage::GetInitialState() const {
  return InitialState{hard_state_, snapshot_.metadata().conf_state()};
}

absl::StatusOr<std::vector<Entry>> MemoryStorage::Entries(uint64_t lo, uint64_t hi,
                                                          uint64_t max_bytes) const {
  const uint64_t offset = ents_[0].index();
  if (lo <= offset) {
    return MakeError(RaftError::kCompacted, "entries from " + std::to_string(lo) +
                                                " requested, first is " +
                                                std::to_string(offset + 1));
  }
  if (hi > last_index() + 1) {
    return MakeError(RaftError::kUnavailable, "entries up to " + std::to_string(hi) +
                                                  " requested, last is " +
                                                  std::to_string(last_index()));
  }
  if (ents_.size() == 1) return MakeError(RaftError::kUnavailable, "log is empty");
  std::vector<Entry> out;
  uint64_t size = 0;
  for (uint64_t i = lo; i < hi; ++i) {
    const Entry& e = ents_[i - offset];
    size += EntrySize(e);
    if (!out.empty() && size > max_bytes) break;
    out.push_back(e);
  }
  return out;
}

absl::StatusOr<uint64_t> MemoryStorage::Term(uint64_t i) const {
  const uint64_t offset = ents_[0].index();
  if (i < offset) return MakeError(RaftError::kCompacted, "term of " + std::to_string(i));
  if (i - offset >= ents_.size()) {
    return MakeError(RaftError::kUnavailable, "term of " + std::to_string(i));
  }
  return ents_[i - offset].term();
}

absl::StatusOr<uint64_t> MemoryStorage::FirstIndex() const { return first_index(); }
absl::StatusOr<uint64_t> MemoryStorage::LastIndex() const { return last_index(); }
absl::StatusOr<raftpb::Snapshot> MemoryStorage::GetSnapshot() const { return snapshot_; }

absl::Status MemoryStorage::ApplySnapshot(const raftpb::Snapshot& snap) {
  if (snapshot_.metadata().index() >= snap.metadata().index()) {
    return MakeError(RaftError::kSnapshotOutOfDate,
                     "applying snapshot at " + std::to_string(snap.metadata().index()) +
                         ", have " + std::to_string(snapshot_.metadata().index()));
  }
  snapshot_ = snap;
  ents_.assign(1, Entry());
  ents_[0].set_index(snap.metadata().index());
  ents_[0].set_term(snap.metadata().term());
  return absl::OkStatus();
}

absl::StatusOr<raftpb::Snapshot> MemoryStorage::CreateSnapshot(uint64_t i, const ConfState* cs,
                                                               std::string data) {
  if (i <= snapshot_.metadata().index()) {
    return MakeError(RaftError::kSnapshotOutOfDate,
                     "creating snapshot at " + std::to_string(i) + ", have " +
                         std::to_string(snapshot_.metadata().index()));
  }
  if (i > last_index()) {
    return MakeError(RaftError::kUnavailable, "snapshot index " + std::to_string(i) +
                                                  " beyond last " + std::to_string(last_index()));
  }
  snapshot_.mutable_metadata()->set_index(i);
  snapshot_.mutable_metadata()->set_term(ents_[i - ents_[0].index()].term());
  if (cs != nullptr) *snapshot_.mutable_metadata()->mutable_conf_state() = *cs;
  snapshot_.set_data(std::move(data));
  return snapshot_;
}

absl::Status MemoryStorage::Compact(uint64_t compact_index) {
  const uint64_t offset = ents_[0].index();
  if (compact_index <= offset) {
    return MakeError(RaftError::kCompacted, "compact to " + std::to_string(compact_index));
  }
  if (compact_index > last_index()) {
    return MakeError(RaftError::kUnavailable, "compact to " + std::to_string(compact_index) +
                                                  " beyond last " + std::to_string(last_index()));
  }
  const uint64_t i = compact_index - offset;
  std::vector<Entry> ents;
  ents.reserve(ents_.size() - i);
  ents.emplace_back();
  ents[0].set_index(ents_[i].index());
  ents[0].set_term(ents_[i].term());
  for (size_t k = i + 1; k < ents_.size(); ++k) ents.push_back(std::move(ents_[k]));
  ents_ = std::move(ents);
  return absl::OkStatus();
}

absl::Status MemoryStorage::Append(const std::vector<Entry>& entries) {
  return Append(std::vector<Entry>(entries));
}

absl::Status MemoryStorage::Append(std::vector<Entry>&& entries) {
  if (entries.empty()) return absl::OkStatus();
  const uint64_t first = first_index();
  const uint64_t last = entries.back().index();
  if (last < first) return absl::OkStatus();  // entirely compacted already
  size_t skip = entries.front().index() < first ? first - entries.front().index() : 0;
  const uint64_t start = entries[skip].index();
  if (start > last_index() + 1) {
    return MakeError(RaftError::kUnavailable, "append at " + std::to_string(start) +
                                                  " leaves a gap after " +
                                                  std::to_string(last_index()));
  }
  ents_.resize(start - ents_[0].index());
  for (size_t k = skip; k < entries.size(); ++k) ents_.push_back(std::move(entries[k]));
  return absl::OkStatus();
}

}  // namespace raftlab::raft
