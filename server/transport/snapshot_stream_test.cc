// A snapshot image survives chunking and reassembly byte for byte; the header keeps every
// field but the image; malformed or corrupted streams are refused with the field named.

#include "server/transport/snapshot_stream.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

namespace raftlab::transport {
namespace {

raftpb::Message SnapMsg(std::size_t bytes, uint64_t seed = 1) {
  raftpb::Message m;
  m.set_type(raftpb::MsgSnap);
  m.set_to(2);
  m.set_from(1);
  m.set_term(5);
  auto* meta = m.mutable_snapshot()->mutable_metadata();
  meta->set_index(1000);
  meta->set_term(4);
  std::mt19937_64 rng(seed);
  std::string data(bytes, '\0');
  for (char& c : data) c = static_cast<char>(rng());
  m.mutable_snapshot()->set_data(std::move(data));
  return m;
}

std::vector<SnapshotChunk> ChunksOf(const raftpb::Message& m, std::size_t chunk_bytes) {
  SnapshotChunker chunker(7, 1, 2, m, chunk_bytes);
  std::vector<SnapshotChunk> out;
  for (std::size_t i = 0; i < chunker.count(); ++i) out.push_back(chunker.Chunk(i));
  return out;
}

absl::StatusOr<raftpb::Message> Assemble(std::vector<SnapshotChunk> chunks, uint64_t max) {
  SnapshotAssembler a(max);
  for (SnapshotChunk& c : chunks) {
    if (absl::Status s = a.Add(c); !s.ok()) return s;
  }
  if (!a.done()) return absl::AbortedError("no last chunk");
  return a.Take();
}

TEST(SnapshotStream, FiveMebibytesRoundTripThroughOneMebibyteChunks) {
  const raftpb::Message m = SnapMsg(5 << 20);
  auto chunks = ChunksOf(m, 1 << 20);
  ASSERT_EQ(chunks.size(), 5u);
  EXPECT_TRUE(chunks[0].has_header());
  EXPECT_TRUE(chunks[0].header().snapshot().data().empty());
  for (std::size_t i = 0; i < chunks.size(); ++i) {
    EXPECT_EQ(chunks[i].total_size(), 5u << 20);
    EXPECT_EQ(chunks[i].last(), i + 1 == chunks.size());
  }
  auto out = Assemble(std::move(chunks), 64 << 20);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->SerializeAsString(), m.SerializeAsString());
}

TEST(SnapshotStream, AnImageThatIsNotAMultipleOfTheChunkSizeKeepsItsTail) {
  const raftpb::Message m = SnapMsg(2500);
  auto out = Assemble(ChunksOf(m, 1000), 1 << 20);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->snapshot().data(), m.snapshot().data());
}

TEST(SnapshotStream, AnEmptyImageIsOneChunk) {
  const raftpb::Message m = SnapMsg(0);
  auto chunks = ChunksOf(m, 1 << 20);
  ASSERT_EQ(chunks.size(), 1u);
  EXPECT_TRUE(chunks[0].last());
  auto out = Assemble(std::move(chunks), 1 << 20);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->SerializeAsString(), m.SerializeAsString());
}

TEST(SnapshotStream, TheHeaderCopiesEveryMessageFieldButTheImage) {
  raftpb::Message m = SnapMsg(10);
  // Set every scalar field through reflection, so a field added to raft.proto is covered.
  const auto* d = raftpb::Message::descriptor();
  const auto* r = m.GetReflection();
  for (int i = 0; i < d->field_count(); ++i) {
    const auto* f = d->field(i);
    if (f->is_repeated() || f->type() == google::protobuf::FieldDescriptor::TYPE_MESSAGE) continue;
    switch (f->cpp_type()) {
      case google::protobuf::FieldDescriptor::CPPTYPE_UINT64:
        r->SetUInt64(&m, f, 100 + i);
        break;
      case google::protobuf::FieldDescriptor::CPPTYPE_BOOL:
        r->SetBool(&m, f, true);
        break;
      case google::protobuf::FieldDescriptor::CPPTYPE_STRING:
        r->SetString(&m, f, "ctx");
        break;
      case google::protobuf::FieldDescriptor::CPPTYPE_ENUM:
        break;
      default:
        ADD_FAILURE() << "field " << f->name() << " has a type this test does not set";
    }
  }
  m.add_entries()->set_index(3);
  raftpb::Message want = m;
  want.mutable_snapshot()->clear_data();
  EXPECT_EQ(SnapshotHeader(m).SerializeAsString(), want.SerializeAsString());
}

TEST(SnapshotStream, ACorruptedByteIsRefusedByTheCrc) {
  auto chunks = ChunksOf(SnapMsg(3000), 1000);
  (*chunks[1].mutable_data())[5] ^= 1;
  auto out = Assemble(std::move(chunks), 1 << 20);
  EXPECT_EQ(out.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(out.status().message().find("CRC32C"), std::string_view::npos) << out.status();
}

TEST(SnapshotStream, AnImageAboveTheMaximumIsRefusedOnTheFirstChunk) {
  auto chunks = ChunksOf(SnapMsg(3000), 1000);
  SnapshotAssembler a(2999);
  const absl::Status s = a.Add(chunks[0]);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("total_size"), std::string_view::npos) << s;
  EXPECT_EQ(a.received_bytes(), 0u);
}

TEST(SnapshotStream, AGapOverrunOrChangedSizeIsRefusedNamingTheField) {
  {
    auto chunks = ChunksOf(SnapMsg(3000), 1000);
    chunks.erase(chunks.begin() + 1);
    const auto out = Assemble(std::move(chunks), 1 << 20);
    EXPECT_NE(out.status().message().find("offset"), std::string_view::npos) << out.status();
  }
  {
    auto chunks = ChunksOf(SnapMsg(3000), 1000);
    chunks[2].mutable_data()->append("extra");
    const auto out = Assemble(std::move(chunks), 1 << 20);
    EXPECT_NE(out.status().message().find("beyond total_size"), std::string_view::npos)
        << out.status();
  }
  {
    auto chunks = ChunksOf(SnapMsg(3000), 1000);
    chunks[1].set_total_size(1 << 30);
    const auto out = Assemble(std::move(chunks), 2u << 30);
    EXPECT_NE(out.status().message().find("total_size"), std::string_view::npos) << out.status();
  }
  {
    auto chunks = ChunksOf(SnapMsg(3000), 1000);
    chunks[0].clear_header();
    const auto out = Assemble(std::move(chunks), 1 << 20);
    EXPECT_NE(out.status().message().find("header"), std::string_view::npos) << out.status();
  }
}

TEST(SnapshotStream, AStreamThatEndsShortOfTotalSizeIsRefused) {
  auto chunks = ChunksOf(SnapMsg(3000), 1000);
  chunks.pop_back();
  chunks.back().set_last(true);
  const auto out = Assemble(std::move(chunks), 1 << 20);
  EXPECT_EQ(out.status().code(), absl::StatusCode::kDataLoss) << out.status();
}

}  // namespace
}  // namespace raftlab::transport
