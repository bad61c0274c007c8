#pragma once
// How a MsgSnap crosses the wire: its snapshot.data (the state-machine image) is cut into
// SnapshotChunks (transport.proto) by SnapshotChunker on the sender and put back together
// by SnapshotAssembler on the receiver.
//
//   chunk 0      header = the MsgSnap without its image, offset 0
//   chunk i      offset = i * chunk_bytes, data = the image bytes at offset
//   every chunk  group_id, from_node, to_node, total_size
//   last chunk   last = true, crc32c = CRC-32C of the whole image
//
// An empty image is one chunk carrying the header and last = true. The assembler refuses
// anything else (a gap, an overrun of total_size or of its configured maximum, a missing
// header) before buffering it, and checks size and CRC before handing the message out.
// Neither class is thread-safe; each belongs to one stream.

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "raft.pb.h"
#include "transport.pb.h"

namespace raftlab::transport {

// msg without snapshot.data: every other field, snapshot metadata included, is copied.
raftpb::Message SnapshotHeader(const raftpb::Message& msg);

class SnapshotChunker {
 public:
  // msg (a MsgSnap) must outlive the chunker; chunk_bytes 0 is taken as 1.
  SnapshotChunker(uint64_t group_id, uint64_t from_node, uint64_t to_node,
                  const raftpb::Message& msg, std::size_t chunk_bytes);

  // Chunks in the stream: at least 1.
  std::size_t count() const { return count_; }
  // Chunk i (< count()), built on demand so the image is never held twice in full.
  SnapshotChunk Chunk(std::size_t i) const;
  uint64_t total_size() const { return msg_.snapshot().data().size(); }

 private:
  const uint64_t group_id_;
  const uint64_t from_node_;
  const uint64_t to_node_;
  const raftpb::Message& msg_;
  const std::size_t chunk_bytes_;
  const std::size_t count_;
  const uint32_t crc_;
};

class SnapshotAssembler {
 public:
  // Images above max_bytes are refused on the first chunk, from its total_size.
  explicit SnapshotAssembler(uint64_t max_bytes) : max_bytes_(max_bytes) {}

  // Takes the next chunk, moving its data out. InvalidArgument, naming the field, when the
  // chunk does not continue the stream; the assembler is then unusable.
  absl::Status Add(SnapshotChunk& chunk);

  // True once the chunk marked last was added.
  bool done() const { return done_; }
  // Requires done(): the MsgSnap with its image, or DataLoss when size or CRC disagree.
  absl::StatusOr<raftpb::Message> Take();

  // From the first chunk (0 before it).
  uint64_t group_id() const { return group_id_; }
  uint64_t from_node() const { return from_node_; }
  uint64_t to_node() const { return to_node_; }
  uint64_t received_bytes() const { return data_.size(); }

 private:
  const uint64_t max_bytes_;
  bool started_ = false;
  bool done_ = false;
  bool failed_ = false;
  uint64_t group_id_ = 0;
  uint64_t from_node_ = 0;
  uint64_t to_node_ = 0;
  uint64_t total_size_ = 0;
  uint32_t crc_ = 0;
  raftpb::Message header_;
  std::string data_;
};

}  // namespace raftlab::transport
