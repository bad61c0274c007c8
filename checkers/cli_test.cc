// raftlab-check end to end: exit codes, the summary as the last stdout line, and the
// --json / --html outputs.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "checkers/test_util.h"

namespace raftlab::checkers {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;
using testing::HistoryText;

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/checkers_cli_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Write(const std::string& name, const std::string& text) {
    std::string path = (dir_ / name).string();
    std::ofstream(path) << text;
    return path;
  }
  std::string Read(const std::string& name) {
    std::ifstream in(dir_ / name);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

  // Runs raftlab-check with args; returns its exit status, stdout in *out.
  int Run(const std::string& args, std::string* out) {
    std::string cmd = std::string(RAFTLAB_CHECK_BIN) + " " + args + " >" + (dir_ / "stdout").string() +
                      " 2>" + (dir_ / "stderr").string();
    int status = std::system(cmd.c_str());
    *out = Read("stdout");
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  static std::string LastLine(const std::string& s) {
    std::string t = s;
    if (!t.empty() && t.back() == '\n') t.pop_back();
    return t.substr(t.rfind('\n') == std::string::npos ? 0 : t.rfind('\n') + 1);
  }

  std::filesystem::path dir_;
};

TEST_F(CliTest, ValidHistoryExitsZero) {
  std::string h = Write("h.jsonl", HistoryText().Invoke(1, "write", "1").Ok(1, "write", "1").text());
  std::string out;
  EXPECT_EQ(Run("--model cas-register " + h, &out), 0);
  EXPECT_EQ(LastLine(out), "valid: 1 ops on 1 keys are linearizable (cas-register)");
}

TEST_F(CliTest, InvalidHistoryExitsOneWithCounterexampleAndOutputs) {
  std::string h = Write("h.jsonl", HistoryText()
                                       .Invoke(1, "write", "12", "k7").Ok(1, "write", "12", "k7")
                                       .Invoke(1, "write", "13", "k7").Ok(1, "write", "13", "k7")
                                       .Invoke(2, "read", "null", "k7").Ok(2, "read", "12", "k7")
                                       .text());
  std::string out;
  std::string json = (dir_ / "r.json").string(), html = (dir_ / "r.html").string();
  EXPECT_EQ(Run("--model register --json " + json + " --html " + html + " " + h, &out), 1);
  EXPECT_EQ(LastLine(out), "invalid: key k7: read of 12 at index 5 cannot be linearized (3 ops in window)");
  EXPECT_THAT(out, HasSubstr("key k7: not linearizable (lost-write"));
  auto j = nlohmann::json::parse(Read("r.json"));
  EXPECT_EQ(j["verdict"], "invalid");
  EXPECT_THAT(Read("r.html"), StartsWith("<!DOCTYPE html>"));
}

TEST_F(CliTest, UndecidedSearchExitsTwoAndSaysWhatWasVerified) {
  // Concurrent writes of distinct values pass the pre-checks, so the search must run;
  // a deadline of one nanosecond has passed by the time it starts.
  HistoryText t;
  for (int p = 0; p < 6; ++p) t.Invoke(p, "write", std::to_string(p + 1));
  for (int p = 0; p < 6; ++p) t.Ok(p, "write", std::to_string(p + 1));
  t.Invoke(9, "read").Ok(9, "read", "3");
  std::string h = Write("h.jsonl", t.text());
  std::string out;
  EXPECT_EQ(Run("--model cas-register --timeout 0.000000001 " + h, &out), 2);
  EXPECT_EQ(LastLine(out),
            "unknown: 1 of 1 keys undecided (timeout); verified there: unique-writes, "
            "reads-of-written-values, no-future-reads, no-stale-reads, no-lost-writes, "
            "single-cas-per-value");
  EXPECT_EQ(Run("--model cas-register " + h, &out), 0);
}

TEST_F(CliTest, BadInputExitsThreeNamingFileLineAndField) {
  std::string h = Write("bad.jsonl", "{\"type\":\"invoke\",\"process\":1,\"f\":\"read\",\"value\":null,\"time\":1}\n"
                                     "{\"type\":\"done\",\"process\":1,\"f\":\"read\",\"value\":null,\"time\":2}\n");
  std::string out;
  EXPECT_EQ(Run("--model register " + h, &out), 3);
  EXPECT_THAT(LastLine(out), HasSubstr("bad.jsonl:2: field \"type\": unknown type \"done\""));
  EXPECT_EQ(Run("--model nosuch " + h, &out), 3);
  EXPECT_THAT(LastLine(out), HasSubstr("--model: unknown model \"nosuch\""));
  EXPECT_EQ(Run("--model register", &out), 3);
  EXPECT_EQ(Run("--model register " + (dir_ / "missing.jsonl").string(), &out), 3);
}

TEST_F(CliTest, SetBankAndStatsModels) {
  std::string set = Write("set.jsonl", HistoryText()
                                           .Invoke(1, "add", "1").Ok(1, "add", "1")
                                           .Invoke(1, "add", "2").Ok(1, "add", "2")
                                           .Invoke(2, "read").Ok(2, "read", "[1]")
                                           .text());
  std::string out;
  EXPECT_EQ(Run("--model set " + set, &out), 1);
  EXPECT_EQ(LastLine(out), "invalid: set: 1 lost, 0 unexpected, 0 stale, 0 recovered of 2 adds");
  std::string bank = Write("bank.jsonl", HistoryText()
                                             .Invoke(1, "read").Ok(1, "read", "[60,40]")
                                             .Invoke(1, "read").Ok(1, "read", "[70,30]")
                                             .text());
  EXPECT_EQ(Run("--model bank " + bank, &out), 0);
  EXPECT_EQ(LastLine(out), "valid: bank: all 2 reads total 100");
  EXPECT_EQ(Run("--model bank --total 90 " + bank, &out), 1);
  EXPECT_EQ(Run("--model stats " + set, &out), 0);
  EXPECT_EQ(LastLine(out), "valid: stats only: 3 ops (ok 3, fail 0, info 0)");
}

TEST_F(CliTest, ReadsEdnByExtension) {
  std::string h = Write("h.edn",
                        "{:type :invoke, :f :write, :value [1 5], :process 0, :time 1}\n"
                        "{:type :ok, :f :write, :value [1 5], :process 0, :time 2}\n"
                        "{:type :invoke, :f :read, :value [1 nil], :process 1, :time 3}\n"
                        "{:type :ok, :f :read, :value [1 nil], :process 1, :time 4}\n");
  std::string out;
  EXPECT_EQ(Run("--model cas-register " + h, &out), 1);
  EXPECT_THAT(LastLine(out), StartsWith("invalid: key 1: read of null at index 3"));
}

// A stale read in Elle's EDN: T2 begins after T1's append completed and misses it.
constexpr char kStaleTxnEdn[] =
    "{:type :invoke, :f :txn, :value [[:append 1 1]], :process 0, :time 1}\n"
    "{:type :ok, :f :txn, :value [[:append 1 1]], :process 0, :time 2}\n"
    "{:type :invoke, :f :txn, :value [[:r 1 nil]], :process 1, :time 3}\n"
    "{:type :ok, :f :txn, :value [[:r 1 []]], :process 1, :time 4}\n"
    "{:type :invoke, :f :txn, :value [[:r 1 nil]], :process 2, :time 5}\n"
    "{:type :ok, :f :txn, :value [[:r 1 [1]]], :process 2, :time 6}\n";

TEST_F(CliTest, ListAppendJudgesAgainstTheConsistencyModel) {
  std::string h = Write("la.edn", kStaleTxnEdn);
  std::string out;
  std::string json = (dir_ / "la.json").string(), html = (dir_ / "la.html").string();
  EXPECT_EQ(Run("--model list-append --json " + json + " --html " + html + " " + h, &out), 1);
  EXPECT_EQ(LastLine(out),
            "invalid: list-append: 3 txns on 1 keys: G-single-realtime; strongest model: serializable "
            "(checked strict-serializable); first witness at index 3");
  EXPECT_THAT(out, HasSubstr("T1 -rw-> T2: T1 read key 1 = [], without 1, which T2 appended"));
  EXPECT_THAT(out, HasSubstr("T2 -rt-> T1: T2 completed (index 1) before T1 was invoked (index 2)"));
  auto j = nlohmann::json::parse(Read("la.json"));
  const auto& a = j["list_append"]["anomalies"][0];
  EXPECT_EQ(a["type"], "G-single-realtime");
  ASSERT_EQ(a["cycle"].size(), 2u);
  EXPECT_EQ(a["cycle"][0]["kind"], "rw");
  EXPECT_EQ(a["cycle"][1]["kind"], "rt");
  EXPECT_THAT(Read("la.html"), HasSubstr("G-single-realtime"));
  EXPECT_EQ(Run("--model list-append --consistency-model serializable " + h, &out), 0);
  EXPECT_THAT(LastLine(out), StartsWith("valid: list-append"));
  EXPECT_EQ(Run("--model list-append --consistency-model linearizable " + h, &out), 3);
  EXPECT_THAT(LastLine(out), HasSubstr("--consistency-model: unknown model \"linearizable\" (expected read-uncommitted"));
}

}  // namespace
}  // namespace raftlab::checkers
