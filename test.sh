#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine (./setup.sh), builds rnnopt with its tests, checks that an
# outside program builds against the installed package, and runs the whole suite.
#   ./test.sh                         everything (LibTorch meta-trainer included)
#   RNNOPT_WITH_TORCH=OFF ./test.sh   without LibTorch: the engine, functions, baselines, bench,
#                                     demos, Python module (neither installed nor built)
set -euo pipefail
cd "$(dirname "$0")"
export RNNOPT_WITH_TORCH=${RNNOPT_WITH_TORCH:-ON}
./setup.sh

BUILD_DIR=${BUILD_DIR:-build}
JOBS=${JOBS:-$(nproc)}
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DRNNOPT_WITH_TORCH="$RNNOPT_WITH_TORCH" -DRNNOPT_BUILD_TESTS=ON -DRNNOPT_BUILD_BENCH=ON \
  -DRNNOPT_BUILD_PYTHON=ON
cmake --build "$BUILD_DIR" -j "$JOBS"

# The outside-program check: install the package and build optimizer/examples against it.
if [[ -f optimizer/examples/CMakeLists.txt ]]; then
  ./optimizer/examples/check_install.sh "$BUILD_DIR"
fi

ctest --test-dir "$BUILD_DIR" --output-on-failure --schedule-random -j "$JOBS" --timeout 600
