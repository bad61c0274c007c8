#pragma once
// A matrix file: the cells of a nightly fault-injection matrix, as JSON.
//
//   {
//     "time_limit_s": 30,          each run's main phase (a cell may override it)
//     "overhead_s": 15,            start-up, teardown and check per run, for --budget
//     "seeds": {"default": 1, "max": 10},
//     "flags": "--nodes 3",        test flags every generated cell gets
//     "axes": {                    the cross product, in this order (cell ids follow it)
//       "workload": ["register", "set"],            a list: --workload register, ...
//       "dispatcher-lanes": [2, 4],                  (the axis name is the test flag)
//       "nemesis": {"partitions": "--nemesis partition,partition-leader"}   label -> flags
//     },
//     "exclude": [{"workload": "set", "nemesis": "clock"}],  combinations left out
//     "cells": [                   extra cells, run as they are
//       {"name": "validate-quick", "command": "validate", "flags": "--quick", "estimate_s": 1500},
//       {"name": "follower-read-bug", "flags": "--workload register ... --unsafe-bug follower-local-read",
//        "expect": "invalid"}
//     ]
//   }
//
// A "test" cell (the default command) runs once per seed; a "validate" cell runs once (its
// own flags choose its seeds). "expect": "invalid" makes a planted-bug cell pass when the
// harness catches it. Errors name the file and the field.

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace raftlab::harness {

struct ExtraCell {
  std::string name;
  std::string command = "test";  // test or validate
  std::string flags;
  std::string expect = "valid";  // test cells: valid or invalid
  double time_limit_s = 0;       // 0 = the file's
  double estimate_s = 0;         // 0 = time limit + overhead
};

struct MatrixAxis {
  std::string name;
  std::vector<std::pair<std::string, std::string>> values;  // label -> flags
};

struct MatrixSpec {
  std::string path;
  std::string digest;  // of the file's text: shards of one plan must agree on it
  double time_limit_s = 30;
  double overhead_s = 15;
  int default_seeds = 1;
  int max_seeds = 10;
  std::string flags;
  std::vector<MatrixAxis> axes;
  std::vector<std::map<std::string, std::string>> excludes;
  std::vector<ExtraCell> cells;
};

// One run of the matrix: `raftlab-harness <args>` with its run folder at `id` under cells/.
struct MatrixCell {
  int order = 0;  // position in the whole plan (all shards)
  std::string id;  // file-name safe, unique
  std::string command;  // test or validate
  std::vector<std::pair<std::string, std::string>> axes;  // axis -> label (generated cells)
  uint64_t seed = 0;  // 0 for validate cells
  std::vector<std::string> flags;  // without --out (and for test cells with --seed, --time-limit)
  std::string expect = "valid";
  double estimate_s = 0;
};

absl::StatusOr<MatrixSpec> ParseMatrixSpec(const std::string& text, const std::string& path);
absl::StatusOr<MatrixSpec> ReadMatrixSpec(const std::string& path);

// The generated configurations (axes product minus excludes), then the extra cells.
size_t ConfigurationCount(const MatrixSpec& spec);

// Seeds per configuration: `requested` if positive; else with a budget (seconds of one
// shard, > 0) as many rounds over every cell as fit in budget x shards, within
// [1, max_seeds]; else the file's default.
int PlanSeeds(const MatrixSpec& spec, int requested, double budget_s, int shards);

// Every cell of the plan, seed-major (all configurations with seed 1 first, so a run cut
// short by its budget still covers every configuration), validate cells first.
std::vector<MatrixCell> ExpandCells(const MatrixSpec& spec, int seeds);

// The cells of shard i of n (1-based): the plan dealt in order, each cell to the shard with
// the least estimated time so far.
std::vector<MatrixCell> ShardCells(const std::vector<MatrixCell>& all, int index, int count);

// "90s", "60m", "2h", "1h30m" or plain seconds; an error names the flag.
absl::StatusOr<double> ParseDurationSeconds(const std::string& text, const std::string& flag);
// "i/n" with 1 <= i <= n.
absl::StatusOr<std::pair<int, int>> ParseShard(const std::string& text);

}  // namespace raftlab::harness
