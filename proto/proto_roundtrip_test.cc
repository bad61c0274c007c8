// Every message of every raftlab proto survives serialization with all fields set.
// Messages are found by walking the file descriptors, so a new message is covered at once.

#include <gtest/gtest.h>
#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/util/message_differencer.h>

#include <memory>
#include <string>
#include <vector>

#include "admin.pb.h"
#include "kv.pb.h"
#include "raft.pb.h"
#include "transport.pb.h"

namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::FileDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

// Sets every field of m to a non-default value derived from seed; recurses into message
// fields up to a depth so recursive types terminate.
void Fill(Message* m, int seed, int depth) {
  const Descriptor* d = m->GetDescriptor();
  const Reflection* r = m->GetReflection();
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    if (f->containing_oneof() != nullptr && f->index_in_oneof() != seed % f->containing_oneof()->field_count()) {
      continue;
    }
    const int v = seed * 31 + i + 1;
    const int copies = f->is_repeated() ? 2 : 1;
    for (int c = 0; c < copies; ++c) {
      const int x = v + c;
      switch (f->cpp_type()) {
        case FieldDescriptor::CPPTYPE_INT32:
          f->is_repeated() ? r->AddInt32(m, f, -x) : r->SetInt32(m, f, -x);
          break;
        case FieldDescriptor::CPPTYPE_INT64:
          f->is_repeated() ? r->AddInt64(m, f, -x * 1000003LL) : r->SetInt64(m, f, -x * 1000003LL);
          break;
        case FieldDescriptor::CPPTYPE_UINT32:
          f->is_repeated() ? r->AddUInt32(m, f, x) : r->SetUInt32(m, f, x);
          break;
        case FieldDescriptor::CPPTYPE_UINT64:
          f->is_repeated() ? r->AddUInt64(m, f, x * 4294967311ULL) : r->SetUInt64(m, f, x * 4294967311ULL);
          break;
        case FieldDescriptor::CPPTYPE_DOUBLE:
          f->is_repeated() ? r->AddDouble(m, f, x + 0.25) : r->SetDouble(m, f, x + 0.25);
          break;
        case FieldDescriptor::CPPTYPE_FLOAT:
          f->is_repeated() ? r->AddFloat(m, f, x + 0.5f) : r->SetFloat(m, f, x + 0.5f);
          break;
        case FieldDescriptor::CPPTYPE_BOOL:
          f->is_repeated() ? r->AddBool(m, f, true) : r->SetBool(m, f, true);
          break;
        case FieldDescriptor::CPPTYPE_STRING: {
          // bytes fields get raw binary; string fields must stay valid UTF-8.
          std::string s = "value-" + std::to_string(x);
          s += f->type() == FieldDescriptor::TYPE_BYTES ? std::string("\0\xff", 2) : "\u00e9";
          f->is_repeated() ? r->AddString(m, f, s) : r->SetString(m, f, s);
          break;
        }
        case FieldDescriptor::CPPTYPE_ENUM: {
          const auto* e = f->enum_type();
          const auto* val = e->value(e->value_count() - 1 - (x % e->value_count()));
          if (val->number() == 0 && e->value_count() > 1) val = e->value(1);
          f->is_repeated() ? r->AddEnum(m, f, val) : r->SetEnum(m, f, val);
          break;
        }
        case FieldDescriptor::CPPTYPE_MESSAGE:
          if (depth < 4) {
            Message* sub = f->is_repeated() ? r->AddMessage(m, f) : r->MutableMessage(m, f);
            Fill(sub, x, depth + 1);
          }
          break;
      }
    }
  }
}

std::vector<const Descriptor*> AllMessages() {
  std::vector<const Descriptor*> out;
  const FileDescriptor* files[] = {
      raftlab::raftpb::Message::descriptor()->file(),
      raftlab::transport::MessageBatch::descriptor()->file(),
      raftlab::kv::GetRequest::descriptor()->file(),
      raftlab::admin::StatusRequest::descriptor()->file(),
  };
  for (const FileDescriptor* file : files) {
    std::vector<const Descriptor*> stack;
    for (int i = 0; i < file->message_type_count(); ++i) stack.push_back(file->message_type(i));
    while (!stack.empty()) {
      const Descriptor* d = stack.back();
      stack.pop_back();
      if (d->options().map_entry()) continue;
      out.push_back(d);
      for (int i = 0; i < d->nested_type_count(); ++i) stack.push_back(d->nested_type(i));
    }
  }
  return out;
}

TEST(ProtoRoundTrip, EveryMessageSurvivesSerializationWithAllFieldsSet) {
  google::protobuf::DynamicMessageFactory factory;
  const auto messages = AllMessages();
  ASSERT_GE(messages.size(), 50u) << "the descriptor walk found too few messages";
  for (const Descriptor* d : messages) {
    for (int seed = 0; seed < 3; ++seed) {
      std::unique_ptr<Message> original(factory.GetPrototype(d)->New());
      Fill(original.get(), seed, 0);
      const std::string wire = original->SerializeAsString();
      if (d->field_count() > 0) {
        EXPECT_FALSE(wire.empty()) << d->full_name() << " serialized to nothing";
      }
      std::unique_ptr<Message> parsed(factory.GetPrototype(d)->New());
      ASSERT_TRUE(parsed->ParseFromString(wire)) << d->full_name();
      EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(*original, *parsed))
          << d->full_name() << " changed in a round trip:\n"
          << original->DebugString() << "\nvs\n"
          << parsed->DebugString();
    }
  }
}

TEST(ProtoRoundTrip, GeneratedRaftMessageKeepsEntriesAndSnapshot) {
  raftlab::raftpb::Message m;
  m.set_type(raftlab::raftpb::MsgApp);
  m.set_to(2);
  m.set_from(1);
  m.set_term(7);
  m.set_log_term(6);
  m.set_index(41);
  m.set_commit(40);
  for (int i = 0; i < 3; ++i) {
    auto* e = m.add_entries();
    e->set_term(7);
    e->set_index(42 + i);
    e->set_data("payload-" + std::to_string(i));
  }
  m.mutable_snapshot()->mutable_metadata()->set_index(10);
  m.mutable_snapshot()->mutable_metadata()->mutable_conf_state()->add_voters(3);

  raftlab::raftpb::Message back;
  ASSERT_TRUE(back.ParseFromString(m.SerializeAsString()));
  ASSERT_EQ(back.entries_size(), 3);
  EXPECT_EQ(back.entries(2).index(), 44u);
  EXPECT_EQ(back.entries(1).data(), "payload-1");
  EXPECT_EQ(back.snapshot().metadata().conf_state().voters(0), 3u);
  EXPECT_EQ(back.commit(), 40u);
}

TEST(ProtoRoundTrip, TruncatedWireBytesAreRejected) {
  raftlab::raftpb::Entry e;
  e.set_term(3);
  e.set_index(9);
  e.set_data(std::string(100, 'x'));
  std::string wire = e.SerializeAsString();
  wire.resize(wire.size() - 10);
  raftlab::raftpb::Entry parsed;
  EXPECT_FALSE(parsed.ParseFromString(wire));
}

}  // namespace
