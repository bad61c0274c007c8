// raftlab-check: checks a recorded history (shared/docs/history-format.md).
// Exit status: 0 valid, 1 invalid, 2 unknown, 3 bad input or command line. The last
// line on stdout is always the one-line summary.
#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>

#include "checkers/edn.h"
#include "checkers/html_report.h"
#include "checkers/jsonl.h"
#include "checkers/report.h"

namespace raftlab::checkers {
namespace {

constexpr int kExitValid = 0, kExitInvalid = 1, kExitUnknown = 2, kExitBadInput = 3;

int BadInput(const std::string& message) {
  std::cerr << "raftlab-check: " << message << "\n";
  std::cout << "error: " << message << std::endl;
  return kExitBadInput;
}

Status WriteFile(const std::string& path, const std::string& text, const char* flag) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  out.flush();
  if (!out) return Status::Error(std::string(flag) + ": cannot write " + path);
  return Status::Ok();
}

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

int Run(int argc, char** argv) {
  CLI::App app{"raftlab-check: check a recorded history for linearizability and more"};
  std::string model_name, json_path, html_path, history_path, format = "auto";
  double timeout = 120;
  int64_t memory_mb = 1024;
  int threads = 0;
  bool stop_at_first_invalid = false;
  std::optional<int64_t> total;
  std::string consistency_name = "strict-serializable";
  app.add_option("--model", model_name,
                 "register, cas-register, map, set, bank, list-append or stats")
      ->required();
  app.add_option("--timeout", timeout, "seconds the linearizability search may run (default 120)");
  app.add_option("--memory-limit-mb", memory_mb,
                 "memory the search caches may use, all workers together (default 1024)");
  app.add_option("--threads", threads, "worker threads for keys (default: all cores)");
  app.add_flag("--stop-at-first-invalid", stop_at_first_invalid,
               "stop checking other keys once one key is invalid (they report unknown)");
  app.add_option("--json", json_path, "write the JSON result here");
  app.add_option("--html", html_path, "write the HTML report here");
  app.add_option("--format", format, "auto (by extension), jsonl or edn");
  app.add_option("--total", total, "bank: the invariant total (default: the first read's)");
  app.add_option("--consistency-model", consistency_name,
                 "list-append: the model the verdict is judged against (default strict-serializable)");
  app.add_option("history", history_path, "HISTORY.jsonl or HISTORY.edn")->required();
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return BadInput(std::string("command line: ") + e.what());
  }
  auto model = ParseModelKind(model_name);
  if (!model) {
    return BadInput("--model: unknown model \"" + model_name +
                    "\" (expected register, cas-register, map, set, bank, list-append or stats)");
  }
  auto consistency = ParseConsistencyModel(consistency_name);
  if (!consistency) {
    return BadInput("--consistency-model: unknown model \"" + consistency_name + "\" (expected " +
                    ConsistencyModelNames() + ")");
  }
  if (!(timeout > 0)) return BadInput("--timeout: must be a positive number of seconds");
  if (memory_mb <= 0) return BadInput("--memory-limit-mb: must be positive");
  if (threads < 0) return BadInput("--threads: must not be negative");
  bool edn;
  if (format == "auto") {
    edn = EndsWith(history_path, ".edn");
  } else if (format == "jsonl" || format == "edn") {
    edn = format == "edn";
  } else {
    return BadInput("--format: unknown format \"" + format + "\" (expected auto, jsonl or edn)");
  }

  auto started = std::chrono::steady_clock::now();
  Result<History> history = edn ? ReadEdnFile(history_path) : ReadJsonlFile(history_path);
  if (!history.ok()) return BadInput(history.status().message());
  auto ops = BuildOps(*history, *model);
  if (!ops.ok()) return BadInput(ops.status().message());

  CheckReport report;
  report.model = *model;
  report.history_path = history_path;
  switch (*model) {
    case ModelKind::kRegister:
    case ModelKind::kCasRegister:
    case ModelKind::kMap: {
      LinearizabilityOptions options;
      options.model = *model;
      options.timeout_seconds = timeout;
      options.memory_limit_bytes = static_cast<size_t>(memory_mb) << 20;
      options.threads = threads;
      options.stop_at_first_invalid = stop_at_first_invalid;
      report.linearizability = CheckLinearizability(*history, *ops, options);
      report.verdict = report.linearizability->verdict;
      break;
    }
    case ModelKind::kSet:
      report.set = CheckSet(*history, *ops);
      report.verdict = report.set->verdict;
      break;
    case ModelKind::kBank:
      report.bank = CheckBank(*history, *ops, total);
      report.verdict = report.bank->verdict;
      break;
    case ModelKind::kStats:
      report.verdict = Verdict::kValid;
      break;
    case ModelKind::kListAppend: {
      ListAppendOptions options;
      options.model = *consistency;
      auto result = CheckListAppend(*history, *ops, options);
      if (!result.ok()) return BadInput(result.status().message());
      report.list_append = std::move(*result);
      report.verdict = report.list_append->verdict;
      break;
    }
  }
  report.stats = ComputeStats(*history, *ops);
  report.check_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  if (!json_path.empty()) {
    if (auto st = WriteFile(json_path, ReportJson(report, *history, *ops), "--json"); !st.ok()) {
      return BadInput(st.message());
    }
  }
  if (!html_path.empty()) {
    if (auto st = WriteFile(html_path, ReportHtml(report, *history, *ops), "--html"); !st.ok()) {
      return BadInput(st.message());
    }
  }
  std::cout << ReportText(report, *history, *ops);
  std::cout << SummaryLine(report, *history, *ops) << std::endl;
  switch (report.verdict) {
    case Verdict::kValid: return kExitValid;
    case Verdict::kInvalid: return kExitInvalid;
    case Verdict::kUnknown: return kExitUnknown;
  }
  return kExitUnknown;
}

}  // namespace
}  // namespace raftlab::checkers

int main(int argc, char** argv) { return raftlab::checkers::Run(argc, argv); }
