#include "checkers/list_append_gen.h"

#include <map>
#include <random>

namespace raftlab::checkers {
namespace {

class Generator {
 public:
  explicit Generator(const ListAppendGenOptions& o) : o_(o), rng_(o.seed) {
    h_.source = "generated";
    txn_f_ = h_.strings.Intern("txn");
    for (int c = 0; c < o.clients; ++c) clients_.push_back({next_process_++, {}, false});
    for (int k = 0; k < o.active_keys; ++k) active_.push_back(NewKey());
  }

  History Run() {
    int64_t invoked = 0;
    while (invoked < o_.txns || Running() > 0) {
      Client& c = clients_[Pick(clients_.size())];
      if (!c.busy) {
        if (invoked >= o_.txns) continue;
        ++invoked;
        c.txn = MakeTxn();
        c.busy = true;
        Emit(EventType::kInvoke, c.process, Value::Txn(c.txn));
        continue;
      }
      Complete(c);
    }
    for (const std::string& key : used_) {
      const int64_t p = next_process_++;
      std::vector<MicroOp> read{MicroOp{MicroOp::Kind::kRead, key, 0, std::nullopt}};
      Emit(EventType::kInvoke, p, Value::Txn(read));
      Apply(read);
      Emit(EventType::kOk, p, Value::Txn(read));
    }
    return std::move(h_);
  }

 private:
  struct Client {
    int64_t process;
    std::vector<MicroOp> txn;
    bool busy;
  };

  size_t Pick(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng_); }
  double Coin() { return std::uniform_real_distribution<double>(0, 1)(rng_); }
  size_t Running() const {
    size_t n = 0;
    for (const Client& c : clients_) n += c.busy;
    return n;
  }

  std::string NewKey() {
    used_.push_back(std::to_string(next_key_++));
    return used_.back();
  }

  std::vector<MicroOp> MakeTxn() {
    std::vector<MicroOp> txn(1 + Pick(4));
    for (MicroOp& m : txn) {
      size_t slot = Pick(active_.size());
      m.key = active_[slot];
      if (Coin() < 0.5) {
        m.kind = MicroOp::Kind::kAppend;
        int& n = appends_[m.key];
        m.element = ++n;
        if (n >= o_.appends_per_key) active_[slot] = NewKey();
      }
    }
    return txn;
  }

  void Apply(std::vector<MicroOp>& txn) {
    for (MicroOp& m : txn) {
      auto& list = state_[m.key];
      if (m.kind == MicroOp::Kind::kAppend) {
        list.push_back(m.element);
      } else {
        m.read = list;
      }
    }
  }

  void Complete(Client& c) {
    c.busy = false;
    const double r = Coin();
    if (r < o_.fail_rate) {
      Emit(EventType::kFail, c.process, Value::Txn(c.txn));
    } else if (r < o_.fail_rate + o_.info_rate) {
      if (Coin() < 0.5) {
        std::vector<MicroOp> applied = c.txn;
        Apply(applied);
      }
      Emit(EventType::kInfo, c.process, Value::Txn(c.txn));
      c.process = next_process_++;
    } else {
      Apply(c.txn);
      Emit(EventType::kOk, c.process, Value::Txn(c.txn));
    }
  }

  void Emit(EventType type, int64_t process, Value value) {
    Event e;
    e.type = type;
    e.process = process;
    e.f = txn_f_;
    e.value = std::move(value);
    e.time = static_cast<int64_t>(h_.events.size()) * 1000;
    e.line = static_cast<int64_t>(h_.events.size()) + 1;
    h_.events.push_back(std::move(e));
  }

  const ListAppendGenOptions o_;
  std::mt19937_64 rng_;
  History h_;
  int32_t txn_f_;
  std::vector<Client> clients_;
  std::vector<std::string> active_, used_;
  std::map<std::string, int> appends_;
  std::map<std::string, std::vector<int64_t>> state_;
  int64_t next_process_ = 0;
  int64_t next_key_ = 0;
};

}  // namespace

History GenerateListAppendHistory(const ListAppendGenOptions& options) { return Generator(options).Run(); }

}  // namespace raftlab::checkers
