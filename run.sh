#!/usr/bin/env bash
# The main job: install what it needs on a fresh Debian 12 machine (./setup.sh main), build
# rnnopt-bench in Release, and benchmark the shipped models (models/*.safetensors) against the
# baselines with rnnopt-bench --preset quick (a few minutes on 2 cores). It ends with the summary
# table and the paths of report.md and the plots. Extra arguments go to rnnopt-bench instead of the
# default ones, e.g.
#   ./run.sh --preset paper --out out/paper
# RNNOPT_WITH_TORCH=ON ./run.sh also installs LibTorch and configures the meta-trainer (default
# OFF: rnnopt-bench does not need it). RNNOPT_NATIVE=ON ./run.sh builds with -march=native
# (AVX2/FMA where the CPU has them: the engine's step about 2x faster; traces then may differ in
# the last bits from other machines').
set -euo pipefail
cd "$(dirname "$0")"
export RNNOPT_WITH_TORCH=${RNNOPT_WITH_TORCH:-OFF}
./setup.sh main

BUILD_DIR=${BUILD_DIR:-build-release}
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release -DRNNOPT_BUILD_TESTS=OFF \
  -DRNNOPT_WITH_TORCH="$RNNOPT_WITH_TORCH" -DRNNOPT_BUILD_BENCH=ON -DRNNOPT_BUILD_PYTHON=OFF \
  -DRNNOPT_NATIVE="${RNNOPT_NATIVE:-OFF}"
# Only what the main job runs: the whole tree (LibTorch trainer included) is test.sh's business.
cmake --build "$BUILD_DIR" --target rnnopt-bench -j "$(nproc)"

if (($# == 0)); then set -- --preset quick --out out/bench; fi
exec "$BUILD_DIR/bench/rnnopt-bench" "$@"
