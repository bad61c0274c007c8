#include "harness/matrix/matrix.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "harness/flags.h"
#include "harness/matrix/publish.h"
#include "harness/matrix/results.h"
#include "harness/matrix/spec.h"
#include "harness/process.h"

namespace raftlab::harness {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

int Fail(const std::string& msg) {
  std::fprintf(stderr, "raftlab-harness: %s\n", msg.c_str());
  return 3;
}

std::string UtcStamp() {
  std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", std::gmtime(&t));
  return buf;
}

std::vector<std::string> CellArgs(const MatrixCell& c, const std::string& dir, const std::string& server_binary) {
  std::vector<std::string> args = {c.command};
  args.insert(args.end(), c.flags.begin(), c.flags.end());
  args.insert(args.end(), {"--out", dir});
  if (!server_binary.empty()) args.insert(args.end(), {"--server-binary", server_binary});
  return args;
}

// Every cell's command line goes through the harness's own parser before anything runs.
absl::Status CheckCellFlags(const MatrixSpec& spec, const std::vector<MatrixCell>& cells, const std::string& out,
                            const std::string& server_binary) {
  for (const MatrixCell& c : cells) {
    std::vector<std::string> argv = {"raftlab-harness"};
    for (std::string& a : CellArgs(c, out + "/cells/" + c.id, server_binary)) argv.push_back(std::move(a));
    std::vector<const char*> ptrs;
    for (const auto& a : argv) ptrs.push_back(a.c_str());
    auto parsed = ParseCommandLine(static_cast<int>(ptrs.size()), ptrs.data());
    if (!parsed.ok()) {
      return absl::InvalidArgumentError(spec.path + ": cell " + c.id + ": " + std::string(parsed.status().message()));
    }
  }
  return absl::OkStatus();
}

bool WriteFile(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out) return false;
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  return !ec;
}

bool Publish(const std::string& dir, const MatrixSummary& s) {
  return WriteFile(dir + "/summary.json", SummaryJson(s).dump(2) + "\n") &&
         WriteFile(dir + "/index.html", MatrixIndexHtml(s)) && WriteFile(dir + "/junit.xml", MatrixJunitXml(s));
}

class MatrixRun {
 public:
  MatrixRun(const MatrixOptions& o, const std::atomic<bool>& stop) : o_(o), stop_(stop) {}
  int Go();

 private:
  CellResult RunCell(const MatrixCell& cell, size_t position, size_t total);
  void Progress(const std::string& line, bool final_line);

  const MatrixOptions& o_;
  const std::atomic<bool>& stop_;
  std::string out_;
};

void MatrixRun::Progress(const std::string& line, bool final_line) {
  if (o_.progress_tty) {
    std::fprintf(stderr, "\r%s\x1b[K%s", line.c_str(), final_line ? "\n" : "");
  } else if (final_line) {
    std::fprintf(stderr, "%s\n", line.c_str());
  }
  std::fflush(stderr);
}

CellResult MatrixRun::RunCell(const MatrixCell& cell, size_t position, size_t total) {
  CellResult r;
  r.cell = cell;
  r.dir = "cells/" + cell.id;
  r.log = r.dir + ".log";
  ProcessSpec spec;
  spec.program = SelfExecutable();
  spec.args = CellArgs(cell, out_ + "/" + r.dir, o_.server_binary);
  spec.log_path = out_ + "/" + r.log;
  std::vector<const char*> argv = {"raftlab-harness"};
  for (const auto& a : spec.args) argv.push_back(a.c_str());
  r.command = QuoteCommand(static_cast<int>(argv.size()), argv.data());
  const std::string head = "[" + std::to_string(position) + "/" + std::to_string(total) + "] " + cell.id;
  const auto start = Clock::now();
  int exit_code = 3;
  if (auto child = ChildProcess::Start(spec); !child.ok()) {
    r.summary = std::string(child.status().message());
  } else {
    while (child->Running()) {
      if (stop_.load()) {
        child->Stop(std::chrono::seconds(20));
        break;
      }
      char line[256];
      std::snprintf(line, sizeof line, "%s: %.0f s", head.c_str(),
                    std::chrono::duration<double>(Clock::now() - start).count());
      Progress(line, false);
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
    if (const auto& e = child->exit_info(); e && e->exited) exit_code = e->exit_code;
  }
  r.wall_s = std::chrono::duration<double>(Clock::now() - start).count();
  if (cell.command == "validate") {
    ReadValidateCellResult(out_, exit_code, &r);
  } else {
    ReadTestCellResult(out_, &r);
  }
  char tail[64];
  std::snprintf(tail, sizeof tail, " (%.0f s)", r.wall_s);
  Progress(head + ": " + r.status + " - " + r.summary.substr(0, 140) + tail, true);
  return r;
}

int MatrixRun::Go() {
  auto shard = ParseShard(o_.shard);
  if (!shard.ok()) return Fail(std::string(shard.status().message()));
  double budget_s = 0;
  if (!o_.budget.empty()) {
    auto b = ParseDurationSeconds(o_.budget, "--budget");
    if (!b.ok()) return Fail(std::string(b.status().message()));
    budget_s = *b;
  }
  if (o_.seeds < 0 || o_.seeds > 1000) return Fail("--seeds: must be between 0 and 1000");
  auto spec = ReadMatrixSpec(o_.file);
  if (!spec.ok()) return Fail(std::string(spec.status().message()));
  const auto [index, count] = *shard;
  const int seeds = PlanSeeds(*spec, o_.seeds, budget_s, count);
  const std::vector<MatrixCell> all = ExpandCells(*spec, seeds);
  const std::vector<MatrixCell> mine = ShardCells(all, index, count);
  out_ = o_.out.empty() ? "runs/matrix-" + UtcStamp() : o_.out;
  if (auto s = CheckCellFlags(*spec, all, out_, o_.server_binary); !s.ok()) return Fail(std::string(s.message()));
  double estimate = 0;
  for (const MatrixCell& c : mine) estimate += c.estimate_s;
  std::fprintf(stderr,
               "raftlab-harness: matrix %s: %zu configurations x %d seed(s) = %zu cells; shard %d/%d runs %zu "
               "(estimated %.0f min%s); folder %s\n",
               o_.file.c_str(), ConfigurationCount(*spec), seeds, all.size(), index, count, mine.size(), estimate / 60,
               budget_s > 0 ? (", budget " + std::to_string(static_cast<int>(budget_s / 60)) + " min").c_str() : "",
               out_.c_str());
  if (o_.dry_run) {
    for (const MatrixCell& c : mine) {
      std::string cmd;
      for (const auto& f : c.flags) cmd += " " + f;
      std::printf("%4d  %-48s %6.0f s  %s%s\n", c.order, c.id.c_str(), c.estimate_s, c.command.c_str(), cmd.c_str());
    }
    return 0;
  }
  if (fs::exists(out_ + "/summary.json")) return Fail("--out: " + out_ + " already holds a matrix; choose a fresh folder");
  std::error_code ec;
  fs::create_directories(out_ + "/cells", ec);
  if (ec) return Fail("--out: cannot create " + out_ + ": " + ec.message());

  MatrixSummary summary;
  summary.matrix = o_.file;
  summary.digest = spec->digest;
  summary.seeds = seeds;
  summary.budget_s = budget_s;
  summary.shard_count = count;
  summary.shards = {index};
  summary.planned = static_cast<int>(all.size());
  const auto start = Clock::now();
  for (size_t i = 0; i < mine.size(); ++i) {
    const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    if (stop_.load() || (budget_s > 0 && elapsed + mine[i].estimate_s > budget_s)) {
      CellResult r;
      r.cell = mine[i];
      r.status = r.verdict = "skipped";
      r.summary = stop_.load() ? "not run: the matrix was stopped" : "not run: the shard's budget was spent";
      summary.cells.push_back(std::move(r));
    } else {
      summary.cells.push_back(RunCell(mine[i], i + 1, mine.size()));
    }
    summary.wall_s = std::chrono::duration<double>(Clock::now() - start).count();
    if (!Publish(out_, summary)) return Fail(out_ + ": cannot write summary.json, index.html or junit.xml");
  }
  if (mine.empty() && !Publish(out_, summary)) return Fail(out_ + ": cannot write summary.json");
  const int code = MatrixExitCode(summary.cells);
  int passed = 0;
  for (const auto& r : summary.cells) passed += r.status == "passed";
  std::printf("matrix: %d/%zu cells passed; exit %d\nindex: %s/index.html\njunit: %s/junit.xml\n", passed,
              summary.cells.size(), stop_.load() ? 3 : code, out_.c_str(), out_.c_str());
  return stop_.load() ? 3 : code;
}

std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

int RunMatrix(const MatrixOptions& options, const std::atomic<bool>& stop) {
  MatrixRun run(options, stop);
  return run.Go();
}

int MergeMatrix(const MatrixMergeOptions& o) {
  if (o.shards.empty()) return Fail("matrix-merge: give the shard folders to join");
  if (fs::exists(o.out + "/summary.json")) return Fail("--out: " + o.out + " already holds a matrix; choose a fresh folder");
  MatrixSummary merged;
  std::set<int> seen_shards;
  std::set<std::string> seen_cells;
  for (size_t i = 0; i < o.shards.size(); ++i) {
    const std::string path = o.shards[i] + "/summary.json";
    const std::string text = ReadText(path);
    if (text.empty()) return Fail("matrix-merge: " + path + ": missing or empty (not a matrix folder)");
    auto s = ParseSummaryJson(text, path);
    if (!s.ok()) return Fail("matrix-merge: " + std::string(s.status().message()));
    if (i == 0) {
      merged.matrix = s->matrix;
      merged.digest = s->digest;
      merged.seeds = s->seeds;
      merged.budget_s = s->budget_s;
      merged.shard_count = s->shard_count;
      merged.planned = s->planned;
    } else if (s->digest != merged.digest || s->seeds != merged.seeds || s->shard_count != merged.shard_count ||
               s->planned != merged.planned) {
      return Fail("matrix-merge: " + path + ": another plan (matrix file, seeds or shard count differ from " +
                  o.shards[0] + ")");
    }
    for (int shard : s->shards) {
      if (!seen_shards.insert(shard).second) {
        return Fail("matrix-merge: " + path + ": shard " + std::to_string(shard) + " given twice");
      }
    }
    for (CellResult& r : s->cells) {
      if (!seen_cells.insert(r.cell.id).second) return Fail("matrix-merge: " + path + ": cell " + r.cell.id + " twice");
      merged.cells.push_back(std::move(r));
    }
    merged.wall_s = std::max(merged.wall_s, s->wall_s);
    std::error_code ec;
    fs::create_directories(o.out + "/cells", ec);
    if (fs::exists(o.shards[i] + "/cells")) {
      fs::copy(o.shards[i] + "/cells", o.out + "/cells", fs::copy_options::recursive | fs::copy_options::skip_existing,
               ec);
    }
    if (ec) return Fail("matrix-merge: cannot copy " + o.shards[i] + "/cells to " + o.out + ": " + ec.message());
  }
  merged.shards.assign(seen_shards.begin(), seen_shards.end());
  std::sort(merged.cells.begin(), merged.cells.end(),
            [](const CellResult& a, const CellResult& b) { return a.cell.order < b.cell.order; });
  if (!Publish(o.out, merged)) return Fail(o.out + ": cannot write summary.json, index.html or junit.xml");
  std::string missing;
  for (int i = 1; i <= merged.shard_count; ++i) {
    if (!seen_shards.count(i)) missing += (missing.empty() ? "" : ", ") + std::to_string(i);
  }
  int code = MatrixExitCode(merged.cells);
  if (!missing.empty()) {
    std::fprintf(stderr, "raftlab-harness: matrix-merge: shard(s) %s of %d missing: their cells are not in the result\n",
                 missing.c_str(), merged.shard_count);
    if (code == 0) code = 3;
  }
  std::printf("matrix: %zu of %d planned cells from %zu shard folder(s); exit %d\nindex: %s/index.html\n",
              merged.cells.size(), merged.planned, o.shards.size(), code, o.out.c_str());
  return code;
}

}  // namespace raftlab::harness
