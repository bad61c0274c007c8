// gen-history: writes a generated cas-register history (see history_gen.h), or with
// --model list-append a list-append history (list_append_gen.h), as JSONL or EDN, for
// benchmarks and for comparing raftlab-check with other checkers (Knossos, Elle).
#include <CLI/CLI.hpp>

#include <iostream>

#include "checkers/edn.h"
#include "checkers/history_gen.h"
#include "checkers/jsonl.h"
#include "checkers/list_append_gen.h"

int main(int argc, char** argv) {
  using namespace raftlab::checkers;
  CLI::App app{"gen-history: generate a linearizable cas-register history"};
  HistoryGenOptions o;
  std::string out_path, format = "jsonl", model = "cas-register";
  int active_keys = 40;
  app.add_option("--ops", o.ops, "operations (default 100000)");
  app.add_option("--clients", o.clients, "concurrent clients (default 10)");
  app.add_option("--keys", o.keys, "independent keys (default 100)");
  app.add_option("--info-rate", o.info_rate, "fraction of ops ending info (default 0)");
  app.add_option("--read-ratio", o.read_ratio, "fraction of reads (default 0.5)");
  app.add_flag("--stale-read", o.stale_read, "make one read in the second half stale");
  app.add_option("--seed", o.seed, "random seed (default 1)");
  app.add_option("--format", format, "jsonl or edn (default jsonl)");
  app.add_option("--out", out_path, "output file")->required();
  app.add_option("--model", model, "cas-register or list-append (default cas-register)");
  app.add_option("--active-keys", active_keys, "list-append: keys in use at once (default 40)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return 3;
  }
  if (o.ops <= 0 || o.clients <= 0 || o.keys <= 0 || o.info_rate < 0 || o.info_rate > 1) {
    std::cerr << "gen-history: --ops, --clients, --keys must be positive and --info-rate in [0,1]\n";
    return 3;
  }
  if (format != "jsonl" && format != "edn") {
    std::cerr << "gen-history: --format: expected jsonl or edn, not \"" << format << "\"\n";
    return 3;
  }
  if (model != "cas-register" && model != "list-append") {
    std::cerr << "gen-history: --model: expected cas-register or list-append, not \"" << model << "\"\n";
    return 3;
  }
  GeneratedHistory g;
  if (model == "list-append") {
    ListAppendGenOptions la;
    la.txns = o.ops;
    la.clients = o.clients;
    la.active_keys = active_keys;
    la.info_rate = o.info_rate;
    la.seed = o.seed;
    g.history = GenerateListAppendHistory(la);
  } else {
    g = GenerateCasHistory(o);
  }
  Status st = format == "edn" ? WriteEdnFile(g.history, out_path) : WriteJsonlFile(g.history, out_path);
  if (!st.ok()) {
    std::cerr << "gen-history: " << st.message() << "\n";
    return 3;
  }
  std::cout << g.history.events.size() << " events written to " << out_path;
  if (o.stale_read) {
    std::cout << (g.stale_read_event >= 0 ? "; stale read completes at index " + std::to_string(g.stale_read_event)
                                          : std::string("; no stale read could be placed"));
  }
  std::cout << "\n";
  return 0;
}
