// Snapshot image format of one group (what CreateSnapshot streams and InstallSnapshot reads):
//   version (u8 = 1) | applied index (u64 LE) | pair*
//   pair := key length (u32 LE) | key | value length (u32 LE) | value
// Pairs are the group's user keys in ascending order, read from one RocksDB snapshot.
#include "server/storage/state_machine.h"

#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/utilities/checkpoint.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <charconv>

#include "faults/bugs.h"
#include "faults/points.h"
#include "server/storage/file_util.h"

namespace raftlab::storage {
namespace {

constexpr char kDataPrefix = 'd';
constexpr char kDataEnd[] = "e";  // first key after every "d"-prefixed key
constexpr char kAppliedKey[] = "m/applied";
constexpr char kGroupPrefix[] = "group-";
constexpr uint8_t kImageVersion = 1;

std::string GroupName(uint64_t group) { return kGroupPrefix + std::to_string(group); }

std::optional<uint64_t> ParseGroupName(const std::string& name) {
  if (!name.starts_with(kGroupPrefix)) return {};
  uint64_t id = 0;
  const char* b = name.data() + sizeof kGroupPrefix - 1;
  const char* e = name.data() + name.size();
  auto [p, ec] = std::from_chars(b, e, id);
  if (ec != std::errc() || p != e || b == e) return {};
  return id;
}

std::string DataKey(std::string_view key) {
  std::string k(1, kDataPrefix);
  k.append(key);
  return k;
}

absl::Status FromRocks(const rocksdb::Status& s, const std::string& context) {
  if (s.ok()) return absl::OkStatus();
  const std::string msg = context + ": " + s.ToString();
  if (s.IsNotFound()) return absl::NotFoundError(msg);
  if (s.IsCorruption()) return absl::DataLossError(msg);
  if (s.IsInvalidArgument()) return absl::InvalidArgumentError(msg);
  if (s.IsIOError()) return absl::UnavailableError(msg);
  return absl::InternalError(msg);
}

std::string EncodeApplied(uint64_t index) {
  std::string v;
  PutFixed64(&v, index);
  return v;
}

// Why the append m cannot apply to the key's current value, or "" if it can.
std::string AppendError(const KvMutation& m, const std::optional<std::string>& current) {
  if (current && !IsList(*current)) {
    return "append to key '" + m.key.substr(0, 64) + "': its value is not a list";
  }
  const size_t size = (current ? current->size() : kListMarker.size()) + m.value.size() + 10;
  if (size > kMaxListBytes) {
    return "append to key '" + m.key.substr(0, 64) + "': the list would grow to about " + std::to_string(size) +
           " bytes, above the " + std::to_string(kMaxListBytes) + "-byte list limit";
  }
  return "";
}

// "group 1,4,7": named in errors only, so built only on one.
std::string GroupNames(std::span<const GroupEntries> groups) {
  std::string names;
  for (const GroupEntries& ge : groups)
    names += (names.empty() ? "group " : ",") + std::to_string(ge.group);
  return names;
}

}  // namespace

StateMachine::StateMachine(std::string path, SyncMode mode)
    : path_(std::move(path)), sync_mode_(mode) {}

StateMachine::~StateMachine() {
  for (auto& [id, g] : groups_) {
    if (db_ && g->handle) db_->DestroyColumnFamilyHandle(g->handle);
  }
  if (db_) db_->Close().PermitUncheckedError();
}

absl::StatusOr<std::unique_ptr<StateMachine>> StateMachine::Open(
    const StateMachineOptions& options) {
  if (!options.read_only) {
    if (auto s = PrepareDir(options.path, options.create_if_missing); !s.ok()) return s;
  }
  rocksdb::Options db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  db_options.max_background_jobs = 2;
  db_options.keep_log_file_num = 3;
  db_options.db_write_buffer_size = options.memtable_budget_bytes;

  std::vector<std::string> names;
  rocksdb::Status ls = rocksdb::DB::ListColumnFamilies(db_options, options.path, &names);
  if (!ls.ok() && options.read_only) return FromRocks(ls, options.path + ": open state machine read-only");
  if (!ls.ok()) names = {rocksdb::kDefaultColumnFamilyName};  // a new database
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const std::string& n : names) descriptors.emplace_back(n, rocksdb::ColumnFamilyOptions());

  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s =
      options.read_only
          ? rocksdb::DB::OpenForReadOnly(db_options, options.path, descriptors, &handles, &raw)
          : rocksdb::DB::Open(db_options, options.path, descriptors, &handles, &raw);
  if (!s.ok()) return FromRocks(s, options.path + ": open state machine");
  std::unique_ptr<StateMachine> sm(new StateMachine(options.path, options.sync_mode));
  sm->db_.reset(raw);
  for (size_t i = 0; i < handles.size(); ++i) {
    auto id = ParseGroupName(names[i]);
    if (!id) {
      sm->db_->DestroyColumnFamilyHandle(handles[i]);  // default or foreign: unused
      continue;
    }
    auto g = std::make_unique<Group>();
    g->handle = handles[i];
    sm->groups_[*id] = std::move(g);
  }
  for (auto& [id, g] : sm->groups_) {
    if (auto st = sm->ReadApplied(g.get()); !st.ok()) return st;
  }
  return sm;
}

absl::Status StateMachine::ReadApplied(Group* g) {
  std::string v;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), g->handle, kAppliedKey, &v);
  if (s.IsNotFound()) {
    g->applied = 0;
    return absl::OkStatus();
  }
  if (!s.ok()) return FromRocks(s, path_ + ": read applied index of " + g->handle->GetName());
  if (v.size() != 8) {
    return absl::DataLossError(path_ + ": " + g->handle->GetName() + ": applied index has " +
                               std::to_string(v.size()) + " bytes, want 8");
  }
  g->applied = GetFixed64(v.data());
  return absl::OkStatus();
}

absl::Status StateMachine::AddGroup(uint64_t group) {
  std::lock_guard<std::mutex> lock(mu_);
  if (groups_.count(group)) return absl::OkStatus();
  rocksdb::ColumnFamilyHandle* handle = nullptr;
  rocksdb::Status s =
      db_->CreateColumnFamily(rocksdb::ColumnFamilyOptions(), GroupName(group), &handle);
  if (!s.ok()) return FromRocks(s, path_ + ": create column family " + GroupName(group));
  auto g = std::make_unique<Group>();
  g->handle = handle;
  groups_[group] = std::move(g);
  return absl::OkStatus();
}

std::vector<uint64_t> StateMachine::Groups() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<uint64_t> out;
  for (const auto& [id, g] : groups_) out.push_back(id);
  return out;
}

absl::StatusOr<StateMachine::Group*> StateMachine::Find(uint64_t group) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = groups_.find(group);
  if (it == groups_.end()) {
    return absl::NotFoundError(path_ + ": state machine has no group " + std::to_string(group));
  }
  return it->second.get();
}

absl::StatusOr<std::vector<ApplyResult>> StateMachine::Apply(
    uint64_t group, std::span<const raftpb::Entry> entries) {
  const GroupEntries one{group, entries};
  auto results = ApplyGroups({&one, 1});
  if (!results.ok()) return results.status();
  return std::move(results->front());
}

absl::StatusOr<std::vector<std::vector<ApplyResult>>> StateMachine::ApplyGroups(
    std::span<const GroupEntries> groups) {
  rocksdb::WriteBatch batch;
  std::vector<std::vector<ApplyResult>> results;
  std::vector<std::pair<Group*, uint64_t>> staged;  // each group and the applied index it reaches
  for (const GroupEntries& ge : groups) {
    auto found = Find(ge.group);
    if (!found.ok()) return found.status();
    for (const auto& [g, applied] : staged) {
      if (g == *found) {
        return absl::InvalidArgumentError(path_ + ": group " + std::to_string(ge.group) +
                                          ": appears twice in one apply");
      }
    }
    uint64_t applied = 0;
    auto group_results = Stage(ge.group, *found, ge.entries, &batch, &applied);
    if (!group_results.ok()) return group_results.status();
    results.push_back(std::move(*group_results));
    staged.emplace_back(*found, applied);
  }
  if (batch.Count() == 0) return results;  // all skipped
  if (faults::ShouldFail(faults::kFsmCommit)) {
    return absl::UnavailableError(path_ + ": " + GroupNames(groups) +
                                  ": write batch: injected failure (raftlab/fsm/commit)");
  }
  rocksdb::WriteOptions wo;
  wo.sync = sync_mode_ == SyncMode::kSync;
  rocksdb::Status s = db_->Write(wo, &batch);
  if (!s.ok()) return FromRocks(s, path_ + ": " + GroupNames(groups) + ": write batch");
  for (const auto& [g, applied] : staged) g->applied = applied;
  return results;
}

absl::StatusOr<std::vector<ApplyResult>> StateMachine::Stage(uint64_t group, Group* g,
                                                             std::span<const raftpb::Entry> entries,
                                                             rocksdb::WriteBatch* batch, uint64_t* applied_out) {
  uint64_t applied = g->applied.load();
  *applied_out = applied;
  const uint32_t count_before = batch->Count();
  std::vector<ApplyResult> results;
  results.reserve(entries.size());
  // Values written earlier in this batch, so later commands in it read their own writes.
  std::map<std::string, std::optional<std::string>, std::less<>> pending;
  auto current = [&](const std::string& key) -> absl::StatusOr<std::optional<std::string>> {
    if (auto it = pending.find(key); it != pending.end()) return it->second;
    std::string v;
    rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), g->handle, DataKey(key), &v);
    if (s.IsNotFound()) return std::optional<std::string>();
    if (!s.ok()) return FromRocks(s, path_ + ": group " + std::to_string(group) + ": read");
    return std::optional<std::string>(std::move(v));
  };

  for (const raftpb::Entry& e : entries) {
    ApplyResult r;
    r.index = e.index();
    if (e.index() <= applied && !faults::BugOn(faults::Bug::kFsmReplayIgnoresAppliedIndex)) {
      r.outcome = ApplyResult::Outcome::kSkipped;
      results.push_back(std::move(r));
      continue;
    }
    if (e.index() > applied + 1) {
      return absl::InvalidArgumentError("group " + std::to_string(group) + ": entry " +
                                        std::to_string(e.index()) + " applied after index " +
                                        std::to_string(applied) + " (entries must be contiguous)");
    }
    applied = std::max(applied, e.index());
    if (e.type() != raftpb::EntryNormal || e.data().empty()) {
      r.outcome = ApplyResult::Outcome::kNoop;
      results.push_back(std::move(r));
      continue;
    }
    auto command = DecodeKvCommand(e.data());
    if (!command.ok()) {
      r.outcome = ApplyResult::Outcome::kRejected;
      r.error = std::string(command.status().message());
      results.push_back(std::move(r));
      continue;
    }
    r.outcome = ApplyResult::Outcome::kApplied;
    r.succeeded = true;
    for (const KvCompare& c : command->compares) {
      auto value = current(c.key);
      if (!value.ok()) return value.status();
      r.succeeded = r.succeeded && *value == c.expected;
      r.compares.push_back({value->has_value(), value->value_or("")});
    }
    // The branch's writes, staged so an aborting op leaves nothing of the command behind.
    std::map<std::string, std::optional<std::string>, std::less<>> staged;
    auto staged_or_current = [&](const std::string& key) -> absl::StatusOr<std::optional<std::string>> {
      if (auto it = staged.find(key); it != staged.end()) return it->second;
      return current(key);
    };
    for (const KvMutation& m : r.succeeded ? command->success : command->failure) {
      if (m.kind == KvMutation::Kind::kPut) {
        staged[m.key] = m.value;
      } else if (m.kind == KvMutation::Kind::kDelete) {
        staged[m.key] = std::nullopt;
      } else {
        auto value = staged_or_current(m.key);
        if (!value.ok()) return value.status();
        if (m.kind == KvMutation::Kind::kRead) {
          r.reads.push_back({value->has_value(), value->value_or("")});
          continue;
        }
        if (auto why = AppendError(m, *value); !why.empty()) {
          r.outcome = ApplyResult::Outcome::kAborted;
          r.error = why;
          break;
        }
        staged[m.key] = AppendToList(*value, m.value);
      }
    }
    if (r.outcome == ApplyResult::Outcome::kAborted) {
      r.reads.clear();
      results.push_back(std::move(r));
      continue;
    }
    for (auto& [key, value] : staged) {
      if (value) {
        batch->Put(g->handle, DataKey(key), *value);
      } else {
        batch->Delete(g->handle, DataKey(key));
      }
      pending[key] = std::move(value);
    }
    results.push_back(std::move(r));
  }
  if (applied == g->applied.load() && batch->Count() == count_before) return results;  // all skipped
  batch->Put(g->handle, kAppliedKey, EncodeApplied(applied));
  *applied_out = applied;
  return results;
}

absl::StatusOr<uint64_t> StateMachine::AppliedIndex(uint64_t group) const {
  auto g = Find(group);
  if (!g.ok()) return g.status();
  return (*g)->applied.load();
}

uint64_t StateMachine::MemtableBytes() const {
  uint64_t bytes = 0;
  if (!db_->GetAggregatedIntProperty(rocksdb::DB::Properties::kCurSizeAllMemTables, &bytes))
    return 0;
  return bytes;
}

absl::StatusOr<std::optional<std::string>> StateMachine::Get(uint64_t group,
                                                             std::string_view key) const {
  auto g = Find(group);
  if (!g.ok()) return g.status();
  std::string v;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), (*g)->handle, DataKey(key), &v);
  if (s.IsNotFound()) return std::optional<std::string>();
  if (!s.ok()) return FromRocks(s, path_ + ": group " + std::to_string(group) + ": get");
  return std::optional<std::string>(std::move(v));
}

absl::StatusOr<std::vector<std::optional<std::string>>> StateMachine::MultiGet(
    uint64_t group, const std::vector<std::string>& keys) const {
  auto g = Find(group);
  if (!g.ok()) return g.status();
  const rocksdb::Snapshot* snap = db_->GetSnapshot();
  rocksdb::ReadOptions ro;
  ro.snapshot = snap;
  std::vector<std::optional<std::string>> out;
  absl::Status status;
  for (const std::string& key : keys) {
    std::string v;
    rocksdb::Status s = db_->Get(ro, (*g)->handle, DataKey(key), &v);
    if (s.IsNotFound()) {
      out.emplace_back();
      continue;
    }
    if (!s.ok()) {
      status = FromRocks(s, path_ + ": group " + std::to_string(group) + ": multi-get");
      break;
    }
    out.emplace_back(std::move(v));
  }
  db_->ReleaseSnapshot(snap);
  if (!status.ok()) return status;
  return out;
}

absl::StatusOr<std::vector<std::pair<std::string, std::string>>> StateMachine::Scan(
    uint64_t group, std::string_view start, std::string_view end, size_t limit) const {
  auto g = Find(group);
  if (!g.ok()) return g.status();
  const std::string upper = end.empty() ? std::string(kDataEnd) : DataKey(end);
  rocksdb::Slice upper_slice(upper);
  rocksdb::ReadOptions ro;
  ro.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, (*g)->handle));
  std::vector<std::pair<std::string, std::string>> out;
  for (it->Seek(DataKey(start)); it->Valid(); it->Next()) {
    if (limit != 0 && out.size() >= limit) break;
    out.emplace_back(it->key().ToString().substr(1), it->value().ToString());
  }
  if (!it->status().ok()) {
    return FromRocks(it->status(), path_ + ": group " + std::to_string(group) + ": scan");
  }
  return out;
}

absl::StatusOr<uint64_t> StateMachine::CreateSnapshot(
    uint64_t group, const std::function<absl::Status(std::string_view)>& sink,
    size_t chunk_bytes) {
  auto image = PinImage(group);
  if (!image.ok()) return image.status();
  if (auto s = (*image)->Stream(sink, chunk_bytes); !s.ok()) return s;
  return (*image)->applied_index();
}

absl::StatusOr<std::unique_ptr<GroupImage>> StateMachine::PinImage(uint64_t group) {
  auto found = Find(group);
  if (!found.ok()) return found.status();
  std::unique_ptr<GroupImage> image(new GroupImage(db_.get(), (*found)->handle, db_->GetSnapshot(),
                                                   path_ + ": group " + std::to_string(group)));
  rocksdb::ReadOptions ro;
  ro.snapshot = image->snap_;
  std::string v;
  rocksdb::Status s = db_->Get(ro, image->handle_, kAppliedKey, &v);
  if (s.ok() && v.size() == 8) {
    image->applied_ = GetFixed64(v.data());
  } else if (!s.IsNotFound()) {
    return FromRocks(s, image->where_ + ": snapshot applied index");
  }
  return image;
}

GroupImage::~GroupImage() { db_->ReleaseSnapshot(snap_); }

absl::Status GroupImage::Stream(const std::function<absl::Status(std::string_view)>& sink,
                                size_t chunk_bytes) const {
  std::string chunk(1, static_cast<char>(kImageVersion));
  PutFixed64(&chunk, applied_);
  rocksdb::ReadOptions ro;
  ro.snapshot = snap_;
  rocksdb::Slice upper(kDataEnd);
  ro.iterate_upper_bound = &upper;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, handle_));
  for (it->Seek(std::string(1, kDataPrefix)); it->Valid(); it->Next()) {
    const rocksdb::Slice key(it->key().data() + 1, it->key().size() - 1);
    PutFixed32(&chunk, static_cast<uint32_t>(key.size()));
    chunk.append(key.data(), key.size());
    PutFixed32(&chunk, static_cast<uint32_t>(it->value().size()));
    chunk.append(it->value().data(), it->value().size());
    if (chunk.size() >= chunk_bytes) {
      if (auto st = sink(chunk); !st.ok()) return st;
      chunk.clear();
    }
  }
  if (!it->status().ok()) return FromRocks(it->status(), where_ + ": snapshot scan");
  if (!chunk.empty()) return sink(chunk);
  return absl::OkStatus();
}

absl::Status StateMachine::InstallSnapshot(uint64_t group, std::string_view image) {
  auto found = Find(group);
  if (!found.ok()) return found.status();
  Group* g = *found;
  const std::string where = path_ + ": group " + std::to_string(group) + ": snapshot image";
  if (image.size() < 9 || static_cast<uint8_t>(image[0]) != kImageVersion) {
    return absl::InvalidArgumentError(where + ": bad header (want version " +
                                      std::to_string(kImageVersion) + ")");
  }
  const uint64_t applied = GetFixed64(image.data() + 1);
  if (applied < g->applied.load()) {
    return absl::FailedPreconditionError(where + ": covers index " + std::to_string(applied) +
                                         " but the group has applied " +
                                         std::to_string(g->applied.load()));
  }
  rocksdb::WriteBatch batch;
  batch.DeleteRange(g->handle, std::string(1, kDataPrefix), kDataEnd);
  size_t off = 9;
  auto field = [&](std::string_view* out) {
    if (image.size() - off < 4) return false;
    const uint32_t n = GetFixed32(image.data() + off);
    off += 4;
    if (image.size() - off < n) return false;
    *out = image.substr(off, n);
    off += n;
    return true;
  };
  while (off < image.size()) {
    std::string_view key, value;
    if (!field(&key) || !field(&value)) {
      return absl::InvalidArgumentError(where + ": truncated pair at byte " + std::to_string(off));
    }
    batch.Put(g->handle, DataKey(key), rocksdb::Slice(value.data(), value.size()));
  }
  batch.Put(g->handle, kAppliedKey, EncodeApplied(applied));
  rocksdb::WriteOptions wo;
  wo.sync = true;  // rare, and the WAL may be purged behind it
  rocksdb::Status s = db_->Write(wo, &batch);
  if (!s.ok()) return FromRocks(s, where + ": write");
  g->applied = applied;
  return absl::OkStatus();
}

absl::Status StateMachine::Sync() { return FromRocks(db_->SyncWAL(), path_ + ": sync"); }

absl::Status StateMachine::Checkpoint(const std::string& dir) {
  rocksdb::Checkpoint* raw = nullptr;
  rocksdb::Status s = rocksdb::Checkpoint::Create(db_.get(), &raw);
  if (!s.ok()) return FromRocks(s, path_ + ": checkpoint");
  std::unique_ptr<rocksdb::Checkpoint> cp(raw);
  return FromRocks(cp->CreateCheckpoint(dir), dir + ": checkpoint of " + path_);
}

}  // namespace raftlab::storage
