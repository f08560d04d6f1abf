#!/usr/bin/env bash
# The main job: set up a fresh Debian 12 machine, build rnnopt in Release, and benchmark the
# shipped models against the baselines (rnnopt-bench --preset quick). Extra arguments go to
# rnnopt-bench, e.g. ./run.sh --preset paper --out out/paper
set -euo pipefail
cd "$(dirname "$0")"
./setup.sh

BUILD_DIR=${BUILD_DIR:-build-release}
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release -DRNNOPT_BUILD_TESTS=OFF \
  -DRNNOPT_WITH_TORCH="${RNNOPT_WITH_TORCH:-ON}" -DRNNOPT_BUILD_BENCH=ON
cmake --build "$BUILD_DIR" -j "$(nproc)"

if [[ -x "$BUILD_DIR/bench/rnnopt-bench" ]]; then
  if (($# == 0)); then set -- --preset quick --out out/bench; fi
  exec "$BUILD_DIR/bench/rnnopt-bench" "$@"
else
  exec "$BUILD_DIR/functions/rnnopt-functions-demo" "$@"
fi
