#!/usr/bin/env bash
# The README's test command: installs dependencies, configures, builds and runs every test.
# Usage: bash ci/test.sh   (BUILD_DIR, JOBS and CTEST_ARGS may be set in the environment)
set -euo pipefail
cd "$(dirname "$0")/.."

bash ci/install-deps.sh

BUILD_DIR=${BUILD_DIR:-build/ci}
JOBS=${JOBS:-$(nproc)}
# Let ccache share objects between clones in different directories (CI clones afresh).
export CCACHE_BASEDIR="$PWD"
export CCACHE_NOHASHDIR=1

cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRAFTLAB_WERROR=ON
cmake --build "$BUILD_DIR" -j "$JOBS"
ctest --test-dir "$BUILD_DIR" --output-on-failure -j "$JOBS" ${CTEST_ARGS:-}
