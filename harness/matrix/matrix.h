#pragma once
// raftlab-harness matrix: runs the cells of a matrix file (spec.h) one after another, each a
// `raftlab-harness test` (or `validate`) child with its folder under DIR/cells/, within a
// time budget, and leaves one folder a CI job can publish: index.html, junit.xml,
// summary.json (rewritten after every cell, so a job killed at its limit still has them).
//
// --shard i/n runs its slice of the plan (cells dealt by estimated time); the plan (seeds included) depends only on
// the file, --seeds and --budget x n, so `matrix-merge` of the n shard folders gives what
// one run with n times the budget gives.
//
// Threads: the caller's thread runs everything, one child at a time.

#include <atomic>

#include "harness/matrix/options.h"

namespace raftlab::harness {

// Exit status: 0 every cell passed, 1 a cell failed (invalid, unknown, a finding, not
// meaningful, a planted bug missed), 3 a harness error, a bad matrix file or flag, or stopped.
int RunMatrix(const MatrixOptions& options, const std::atomic<bool>& stop);

// Joins shard folders into one; the same exit status as RunMatrix over the merged cells
// (3 also when a shard of the plan is missing).
int MergeMatrix(const MatrixMergeOptions& options);

}  // namespace raftlab::harness
