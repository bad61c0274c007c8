#pragma once
// The command lines of `raftlab-harness matrix` and `raftlab-harness matrix-merge`, parsed by
// harness/flags.cc and checked by RunMatrix / MergeMatrix (matrix.h).

#include <string>
#include <vector>

namespace raftlab::harness {

struct MatrixOptions {
  std::string file = "ci/matrix/nightly.json";  // the matrix file (spec.h)
  std::string budget;       // wall time of this shard, "90s", "60m", "2h" or seconds; "" = none
  int seeds = 0;            // seeds per configuration; 0 = the file's, or what --budget fits
  std::string shard = "1/1";  // "i/n": run the i-th of n slices
  std::string out;          // the matrix folder; default runs/matrix-<UTC time>
  std::string server_binary;  // passed to every cell; default: beside the harness
  bool dry_run = false;       // print the planned cells and exit
  bool progress_tty = false;
};

struct MatrixMergeOptions {
  std::string out;                  // the merged matrix folder to create
  std::vector<std::string> shards;  // shard folders (each written by `matrix --shard i/n`)
};

}  // namespace raftlab::harness
