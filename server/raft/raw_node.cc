#include "server/raft/raw_node.h"

#include <algorithm>
#include <utility>

#include "proto/raft_message_types.h"
#include "server/raft/check.h"
#include "server/raft/errors.h"

namespace raftlab::raft {
namespace {

bool HardStateEqual(const raftpb::HardState& a, const raftpb::HardState& b) {
  return a.term() == b.term() && a.vote() == b.vote() && a.commit() == b.commit();
}

bool SameTermAndVote(const raftpb::HardState& a, const raftpb::HardState& b) {
  return a.term() == b.term() && a.vote() == b.vote();
}

bool MayLeaveEarly(raftpb::MessageType t) {
  switch (t) {
    case raftpb::MsgApp:
    case raftpb::MsgSnap:
    case raftpb::MsgHeartbeat:
    case raftpb::MsgTimeoutNow:
    case raftpb::MsgReadIndexResp: return true;
    default: return false;
  }
}

}  // namespace

bool MaySendBeforePersist(const Ready& rd, const raftpb::Message& m) {
  return rd.term_vote_durable && MayLeaveEarly(m.type());
}

absl::StatusOr<std::unique_ptr<RawNode>> RawNode::Create(Config config) {
  auto r = Raft::Create(std::move(config));
  if (!r.ok()) return r.status();
  return std::unique_ptr<RawNode>(new RawNode(std::move(*r)));
}

RawNode::RawNode(std::unique_ptr<Raft> r) : raft_(std::move(r)) {
  prev_soft_ = CurrentSoftState();
  // Compare against what is persisted, so a bootstrap commit is reported in the first Ready.
  auto init = raft_->config().storage->GetInitialState();
  if (init.ok()) prev_hard_ = init->hard_state;
  durable_hard_ = prev_hard_;
  prev_term_ = raft_->term();
}

absl::Status RawNode::Campaign() {
  raftpb::Message m;
  m.set_type(raftpb::MsgHup);
  return raft_->Step(std::move(m));
}

absl::Status RawNode::Step(raftpb::Message m) {
  const int t = static_cast<int>(m.type());
  if (!raftpb::MessageType_IsValid(t)) {
    return MakeError(RaftError::kStepLocalMessage, "unknown message type " + std::to_string(t));
  }
  const auto& info = raftpb::Info(m.type());
  if (info.local_only) {
    return MakeError(RaftError::kStepLocalMessage, std::string(info.name));
  }
  if (info.response && raft_->tracker().Get(m.from()) == nullptr &&
      m.type() != raftpb::MsgReadIndexResp) {
    return MakeError(RaftError::kStepPeerNotFound,
                     std::string(info.name) + " from " + std::to_string(m.from()));
  }
  return raft_->Step(std::move(m));
}

absl::Status RawNode::Propose(std::string data) {
  raftpb::Message m;
  m.set_type(raftpb::MsgProp);
  m.set_from(raft_->id());
  m.add_entries()->set_data(std::move(data));
  return raft_->Step(std::move(m));
}

absl::Status RawNode::ProposeBatch(std::vector<std::string> data) {
  if (data.empty()) return absl::OkStatus();
  raftpb::Message m;
  m.set_type(raftpb::MsgProp);
  m.set_from(raft_->id());
  m.mutable_entries()->Reserve(static_cast<int>(data.size()));
  for (std::string& d : data) m.add_entries()->set_data(std::move(d));
  return raft_->Step(std::move(m));
}

absl::Status RawNode::ProposeConfChange(const raftpb::ConfChange& cc) {
  raftpb::Message m;
  m.set_type(raftpb::MsgProp);
  m.set_from(raft_->id());
  Entry* e = m.add_entries();
  e->set_type(raftpb::EntryConfChange);
  e->set_data(cc.SerializeAsString());
  return raft_->Step(std::move(m));
}

absl::Status RawNode::ReadIndex(std::string context) {
  raftpb::Message m;
  m.set_type(raftpb::MsgReadIndex);
  m.set_from(raft_->id());
  m.set_context(std::move(context));
  return raft_->Step(std::move(m));
}

void RawNode::TransferLeader(uint64_t transferee) {
  raftpb::Message m;
  m.set_type(raftpb::MsgTransferLeader);
  m.set_from(transferee);
  (void)raft_->Step(std::move(m));
}

void RawNode::ForgetLeader() {
  raftpb::Message m;
  m.set_type(raftpb::MsgForgetLeader);
  (void)raft_->Step(std::move(m));
}

void RawNode::ReportUnreachable(uint64_t id) {
  raftpb::Message m;
  m.set_type(raftpb::MsgUnreachable);
  m.set_from(id);
  (void)raft_->Step(std::move(m));
}

void RawNode::ReportSnapshot(uint64_t id, bool success) {
  raftpb::Message m;
  m.set_type(raftpb::MsgSnapStatus);
  m.set_from(id);
  m.set_reject(!success);
  (void)raft_->Step(std::move(m));
}

bool RawNode::HasReady() const {
  const Raft& r = *raft_;
  if (!(CurrentSoftState() == prev_soft_)) return true;
  if (!HardStateEqual(r.HardState(), prev_hard_)) return true;
  if (r.log().UnstableSnapshot()) return true;
  if (!r.log().UnstableEntries().empty() || r.log().HasNextEntries()) return true;
  if (!r.messages().empty() || !r.read_states().empty()) return true;
  return r.LeaseRound() != prev_lease_round_ || r.CommittedInTerm() != prev_committed_in_term_ ||
         LeadTransferee() != prev_lead_transferee_ || LeaseVoid() != prev_lease_void_;
}

Ready RawNode::GetReady() {
  RAFT_CHECK(!ready_outstanding_, "GetReady called again before Advance");
  Raft& r = *raft_;
  Ready rd;
  rd.entries = r.log().UnstableEntries();
  rd.committed_entries = r.log().NextEntries();
  rd.messages = r.TakeMessages();
  rd.read_states.swap(r.read_states());
  if (const auto& s = r.log().UnstableSnapshot()) rd.snapshot = *s;
  const SoftState soft = CurrentSoftState();
  if (!(soft == prev_soft_)) {
    rd.soft_state = soft;
    prev_soft_ = soft;
  }
  const raftpb::HardState hs = r.HardState();
  if (!HardStateEqual(hs, prev_hard_)) {
    rd.must_sync = !rd.entries.empty() || hs.term() != prev_hard_.term() ||
                   hs.vote() != prev_hard_.vote();
    rd.hard_state = hs;
    prev_hard_ = hs;
  }
  if (!rd.entries.empty()) rd.must_sync = true;
  rd.term_vote_durable = SameTermAndVote(hs, durable_hard_);
  pending_hard_ = rd.hard_state;
  rd.term = r.term();
  rd.lease_round = r.LeaseRound();
  rd.committed_in_term = r.CommittedInTerm();
  rd.lead_transferee = LeadTransferee();
  rd.lease_void = LeaseVoid();
  if (r.term() != prev_term_) prev_heartbeat_round_ = 0;
  if (r.heartbeat_round() > prev_heartbeat_round_) rd.heartbeat_round = r.heartbeat_round();
  prev_heartbeat_round_ = r.heartbeat_round();
  prev_term_ = r.term();
  prev_lease_round_ = rd.lease_round;
  prev_committed_in_term_ = rd.committed_in_term;
  prev_lead_transferee_ = rd.lead_transferee;
  prev_lease_void_ = rd.lease_void;

  ready_outstanding_ = true;
  pending_applied_ = 0;
  if (!rd.committed_entries.empty()) {
    pending_applied_ = rd.committed_entries.back().index();
  } else if (rd.snapshot) {
    pending_applied_ = rd.snapshot->metadata().index();
  }
  pending_stable_index_ = rd.entries.empty() ? 0 : rd.entries.back().index();
  pending_stable_term_ = rd.entries.empty() ? 0 : rd.entries.back().term();
  pending_snap_index_ = rd.snapshot ? rd.snapshot->metadata().index() : 0;
  pending_committed_bytes_ = 0;
  for (const Entry& e : rd.committed_entries) pending_committed_bytes_ += e.data().size();
  return rd;
}

void RawNode::Advance() {
  RAFT_CHECK(ready_outstanding_, "Advance without GetReady");
  ready_outstanding_ = false;
  if (pending_hard_) durable_hard_ = *pending_hard_;
  raft_->Advance(pending_applied_, pending_committed_bytes_, pending_stable_index_,
                 pending_stable_term_, pending_snap_index_);
}

std::vector<raftpb::Message> RawNode::TakeMessagesBeforePersist() {
  std::vector<raftpb::Message> out;
  if (!SameTermAndVote(raft_->HardState(), durable_hard_)) return out;
  std::vector<raftpb::Message>& queued = raft_->messages();
  auto keep = std::stable_partition(queued.begin(), queued.end(), [](const raftpb::Message& m) {
    return m.type() == raftpb::MsgHeartbeat || !MayLeaveEarly(m.type());
  });
  out.assign(std::make_move_iterator(keep), std::make_move_iterator(queued.end()));
  queued.erase(keep, queued.end());
  return out;
}

}  // namespace raftlab::raft
