#include "checkers/history_gen.h"

#include <random>

namespace raftlab::checkers {
namespace {

constexpr int64_t kAbsent = INT64_MIN;

struct OpRecord {
  int64_t invoke_pos = -1;
  int64_t complete_pos = -1;  // -1 until it completes ok
};

// What a producer replaced: a stale read may return `old_value` once `producer` has
// completed, provided `old_value`'s own producer completed before `producer` began.
struct Overwrite {
  int64_t old_value;
  int64_t old_producer;  // -1: the initial absent value
  int64_t producer;
};

struct Client {
  int64_t process;
  enum class Phase { kIdle, kInvoked, kApplied } phase = Phase::kIdle;
  int32_t f = 0, key = 0;
  int64_t a = 0, b = 0;  // write value / cas expected, cas new
  int64_t result = kAbsent;
  bool ok = true, will_info = false, skip_apply = false, stale = false;
  int64_t op = -1;
};

Value RegValue(int64_t v) { return v == kAbsent ? Value::Null() : Value::Int(v); }

}  // namespace

GeneratedHistory GenerateCasHistory(const HistoryGenOptions& o) {
  GeneratedHistory out;
  History& h = out.history;
  h.source = "generated";
  const int32_t read_f = h.strings.Intern("read");
  const int32_t write_f = h.strings.Intern("write");
  const int32_t cas_f = h.strings.Intern("cas");
  std::vector<int32_t> key_ids;
  for (int k = 0; k < o.keys; ++k) key_ids.push_back(h.strings.Intern("k" + std::to_string(k)));
  h.events.reserve(static_cast<size_t>(o.ops) * 2);

  std::mt19937_64 rng(o.seed);
  std::uniform_real_distribution<double> unit(0, 1);
  std::vector<int64_t> state(static_cast<size_t>(o.keys), kAbsent);
  std::vector<int64_t> producer_of_state(static_cast<size_t>(o.keys), -1);
  std::vector<Overwrite> last_overwrite(static_cast<size_t>(o.keys), Overwrite{0, -2, -1});
  std::vector<OpRecord> records;
  records.reserve(static_cast<size_t>(o.ops));
  std::vector<Client> clients;
  for (int c = 0; c < o.clients; ++c) clients.push_back(Client{c});
  int64_t next_process = o.clients;
  int64_t next_value = 1;
  int64_t invoked = 0, time = 0;
  bool stale_pending = o.stale_read;

  auto emit = [&](EventType type, const Client& c, Value v) {
    Event e;
    e.line = static_cast<int64_t>(h.events.size()) + 1;
    e.type = type;
    e.process = c.process;
    e.f = c.f;
    e.key = key_ids[static_cast<size_t>(c.key)];
    e.value = std::move(v);
    time += 1000 + static_cast<int64_t>(rng() % 200000);  // ~0.1 ms a step
    e.time = time;
    if (type == EventType::kInfo) {
      EventExtra x;
      x.error = h.strings.Intern("timeout");
      e.extra = h.AddExtra(x);
    }
    h.events.push_back(std::move(e));
    return h.events.size() - 1;
  };
  auto cas_value = [](int64_t a, int64_t b) {
    return Value::List({a == kAbsent ? std::optional<int64_t>() : a, b});
  };

  int64_t busy = 0;
  while (invoked < o.ops || busy > 0) {
    Client& c = clients[rng() % clients.size()];
    switch (c.phase) {
      case Client::Phase::kIdle: {
        if (invoked >= o.ops) break;
        ++invoked;
        ++busy;
        c.key = static_cast<int32_t>(rng() % static_cast<uint64_t>(o.keys));
        double r = unit(rng);
        c.f = r < o.read_ratio ? read_f : r < o.read_ratio + (1 - o.read_ratio) / 2 ? write_f : cas_f;
        c.will_info = unit(rng) < o.info_rate;
        c.skip_apply = c.will_info && unit(rng) < 0.5;
        c.stale = false;
        c.op = static_cast<int64_t>(records.size());
        records.push_back(OpRecord{});
        Value v;
        if (c.f == write_f) {
          c.a = next_value++;
          v = Value::Int(c.a);
        } else if (c.f == cas_f) {
          int64_t cur = state[static_cast<size_t>(c.key)];
          c.a = unit(rng) < 0.7 || cur == kAbsent ? cur : cur - 1 - static_cast<int64_t>(rng() % 3);
          c.b = next_value++;
          v = cas_value(c.a, c.b);
        }
        records.back().invoke_pos = static_cast<int64_t>(emit(EventType::kInvoke, c, std::move(v)));
        c.phase = Client::Phase::kInvoked;
        break;
      }
      case Client::Phase::kInvoked: {
        c.phase = Client::Phase::kApplied;
        if (c.skip_apply) break;
        auto k = static_cast<size_t>(c.key);
        if (c.f == read_f) {
          c.result = state[k];
          c.ok = true;
          const Overwrite& w = last_overwrite[k];
          if (stale_pending && !c.will_info && invoked > o.ops / 2 && w.producer >= 0 &&
              records[static_cast<size_t>(w.producer)].complete_pos >= 0 &&
              records[static_cast<size_t>(w.producer)].complete_pos < records[static_cast<size_t>(c.op)].invoke_pos &&
              (w.old_producer == -1 ||
               (records[static_cast<size_t>(w.old_producer)].complete_pos >= 0 &&
                records[static_cast<size_t>(w.old_producer)].complete_pos <
                    records[static_cast<size_t>(w.producer)].invoke_pos))) {
            c.result = w.old_value;
            c.stale = true;
            stale_pending = false;
          }
          break;
        }
        bool applies = c.f == write_f || state[k] == c.a;
        c.ok = applies;
        if (applies) {
          last_overwrite[k] = Overwrite{state[k], producer_of_state[k], c.op};
          state[k] = c.f == write_f ? c.a : c.b;
          producer_of_state[k] = c.op;
        }
        break;
      }
      case Client::Phase::kApplied: {
        --busy;
        c.phase = Client::Phase::kIdle;
        Value v = c.f == read_f ? RegValue(c.result) : c.f == write_f ? Value::Int(c.a) : cas_value(c.a, c.b);
        if (c.will_info) {
          emit(EventType::kInfo, c, c.f == read_f ? Value::Null() : std::move(v));
          c.process = next_process++;
          break;
        }
        if (!c.ok) {
          emit(EventType::kFail, c, std::move(v));
          break;
        }
        size_t pos = emit(EventType::kOk, c, std::move(v));
        records[static_cast<size_t>(c.op)].complete_pos = static_cast<int64_t>(pos);
        if (c.stale) out.stale_read_event = static_cast<int64_t>(pos);
        break;
      }
    }
  }
  return out;
}

}  // namespace raftlab::checkers
