#include "server/transport/snapshot_stream.h"

#include <google/protobuf/field_mask.pb.h>
#include <google/protobuf/util/field_mask_util.h>

#include <algorithm>
#include <string>
#include <utility>

#include "server/storage/crc32c.h"

namespace raftlab::transport {
namespace {

// Every field of Message except snapshot.data, derived from the descriptor so a field added
// to raft.proto later is carried in the header without touching this file.
const google::protobuf::FieldMask& HeaderMask() {
  static const google::protobuf::FieldMask mask = [] {
    google::protobuf::FieldMask m;
    const auto* d = raftpb::Message::descriptor();
    for (int i = 0; i < d->field_count(); ++i) {
      if (d->field(i)->number() != raftpb::Message::kSnapshotFieldNumber) {
        m.add_paths(d->field(i)->name());
      }
    }
    const auto* s = raftpb::Snapshot::descriptor();
    for (int i = 0; i < s->field_count(); ++i) {
      if (s->field(i)->number() != raftpb::Snapshot::kDataFieldNumber) {
        m.add_paths("snapshot." + s->field(i)->name());
      }
    }
    return m;
  }();
  return mask;
}

std::string Err(std::string_view what, uint64_t got, uint64_t want) {
  return std::string("snapshot chunk: ") + std::string(what) + " is " + std::to_string(got) +
         ", expected " + std::to_string(want);
}

}  // namespace

raftpb::Message SnapshotHeader(const raftpb::Message& msg) {
  raftpb::Message header;
  google::protobuf::util::FieldMaskUtil::MergeMessageTo(
      msg, HeaderMask(), google::protobuf::util::FieldMaskUtil::MergeOptions(), &header);
  return header;
}

SnapshotChunker::SnapshotChunker(uint64_t group_id, uint64_t from_node, uint64_t to_node,
                                 const raftpb::Message& msg, std::size_t chunk_bytes)
    : group_id_(group_id),
      from_node_(from_node),
      to_node_(to_node),
      msg_(msg),
      chunk_bytes_(std::max<std::size_t>(chunk_bytes, 1)),
      count_(std::max<std::size_t>(
          1, (msg.snapshot().data().size() + chunk_bytes_ - 1) / chunk_bytes_)),
      crc_(storage::Crc32c(msg.snapshot().data())) {}

SnapshotChunk SnapshotChunker::Chunk(std::size_t i) const {
  const std::string& image = msg_.snapshot().data();
  SnapshotChunk c;
  c.set_group_id(group_id_);
  c.set_from_node(from_node_);
  c.set_to_node(to_node_);
  c.set_total_size(image.size());
  if (i == 0) *c.mutable_header() = SnapshotHeader(msg_);
  const std::size_t offset = std::min(i * chunk_bytes_, image.size());
  c.set_offset(offset);
  c.set_data(image.substr(offset, chunk_bytes_));
  if (i + 1 == count_) {
    c.set_last(true);
    c.set_crc32c(crc_);
  }
  return c;
}

absl::Status SnapshotAssembler::Add(SnapshotChunk& chunk) {
  auto fail = [this](std::string message) {
    failed_ = true;
    data_.clear();
    return absl::InvalidArgumentError(std::move(message));
  };
  if (failed_) return absl::FailedPreconditionError("snapshot stream already refused");
  if (done_) return fail("snapshot chunk after the chunk marked last");
  if (!started_) {
    if (!chunk.has_header()) return fail("snapshot chunk: the first chunk has no header");
    if (chunk.header().type() != raftpb::MsgSnap) {
      return fail("snapshot chunk: header type is " +
                  raftpb::MessageType_Name(chunk.header().type()) + ", expected MsgSnap");
    }
    if (chunk.total_size() > max_bytes_) {
      return fail(Err("total_size (above the receiver's maximum)", chunk.total_size(), max_bytes_));
    }
    started_ = true;
    group_id_ = chunk.group_id();
    from_node_ = chunk.from_node();
    to_node_ = chunk.to_node();
    total_size_ = chunk.total_size();
    header_ = std::move(*chunk.mutable_header());
    data_.reserve(total_size_);
  } else if (chunk.total_size() != total_size_) {
    return fail(Err("total_size", chunk.total_size(), total_size_));
  }
  if (chunk.offset() != data_.size()) return fail(Err("offset", chunk.offset(), data_.size()));
  if (chunk.data().size() > total_size_ - data_.size()) {
    return fail(Err("offset + data size (beyond total_size)", data_.size() + chunk.data().size(),
                    total_size_));
  }
  data_.append(chunk.data());
  chunk.clear_data();
  if (chunk.last()) {
    done_ = true;
    crc_ = chunk.crc32c();
  }
  return absl::OkStatus();
}

absl::StatusOr<raftpb::Message> SnapshotAssembler::Take() {
  if (!done_ || failed_) return absl::FailedPreconditionError("snapshot stream is not complete");
  if (data_.size() != total_size_) {
    return absl::DataLossError(Err("received size at the last chunk", data_.size(), total_size_));
  }
  const uint32_t crc = storage::Crc32c(data_);
  if (crc != crc_) {
    return absl::DataLossError("snapshot image CRC32C mismatch: computed " + std::to_string(crc) +
                               ", last chunk says " + std::to_string(crc_));
  }
  raftpb::Message msg = std::move(header_);
  msg.mutable_snapshot()->set_data(std::move(data_));
  failed_ = true;  // taken: the assembler holds nothing any more
  return msg;
}

}  // namespace raftlab::transport
