#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine (./setup.sh), builds rnnopt with its tests, checks that an
# outside program builds against the installed package, and runs the whole suite.
#   ./test.sh                         everything (LibTorch meta-trainer included)
#   RNNOPT_WITH_TORCH=OFF ./test.sh   without LibTorch: the engine, functions, baselines, bench,
#                                     demos, Python module (neither installed nor built)
#   RNNOPT_SANITIZE=ON ./test.sh      adds a second pass: the Torch-free tree built with asserts on
#                                     and AddressSanitizer + UndefinedBehaviorSanitizer
#                                     (build-sanitize/), its suite run under them (not yet in CI:
#                                     its time on 2 cores is not measured)
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

# The sanitizer pass: the Torch-free tree with asserts on (Debug, at -O1 so that the suite runs in
# minutes), AddressSanitizer and UndefinedBehaviorSanitizer; any report fails its test. LibTorch
# and the Python module stay out (neither is built with the sanitizers' runtime).
if [[ "${RNNOPT_SANITIZE:-OFF}" == ON ]]; then
  SAN_DIR=${SAN_DIR:-build-sanitize}
  cmake -S . -B "$SAN_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g" \
    -DRNNOPT_WITH_TORCH=OFF -DRNNOPT_BUILD_TESTS=ON -DRNNOPT_BUILD_BENCH=ON \
    -DRNNOPT_BUILD_PYTHON=OFF -DRNNOPT_SANITIZE=address,undefined
  cmake --build "$SAN_DIR" -j "$JOBS"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir "$SAN_DIR" --output-on-failure --schedule-random -j "$JOBS" --timeout 900
fi
