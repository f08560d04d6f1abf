#!/usr/bin/env bash
# Fuzzes the model-file reader and loader for SECONDS seconds with libFuzzer, seeded from the corpus
# the test suite replays (tests/data/model_corpus), and reports what it found.
#
#   optimizer/fuzz/run_fuzz.sh 300                 # five minutes
#   optimizer/fuzz/run_fuzz.sh 60 -jobs=2          # extra arguments go to libFuzzer
#   FUZZ_BUILD_DIR=build-fuzz2 optimizer/fuzz/run_fuzz.sh 30
#
# Builds build-fuzz (clang, -fsanitize=fuzzer-no-link,address,undefined, assertions on), keeps the
# inputs it discovers in build-fuzz/fuzz-work/corpus (the repository corpus is only read), writes
# crashes, hangs and out-of-memory inputs to build-fuzz/fuzz-work/artifacts, and exits non-zero if
# there is any. To keep a find: reproduce it with `build-fuzz/optimizer/fuzz/rnnopt-fuzz-model-file
# ARTIFACT`, fix the bug, then copy it to tests/data/model_corpus/fuzz-NAME.bin (the suite replays it).
set -euo pipefail
cd "$(dirname "$0")/../.."

if [[ $# -lt 1 || ! "$1" =~ ^[0-9]+$ ]]; then
  echo "usage: optimizer/fuzz/run_fuzz.sh SECONDS [libFuzzer flags...]" >&2
  exit 2
fi
seconds=$1
shift
build=${FUZZ_BUILD_DIR:-build-fuzz}
jobs=${JOBS:-2}
sanitizers="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all"

echo "run_fuzz.sh: configuring $build (clang++, $sanitizers)"
cmake -S . -B "$build" -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=Debug \
  -DCMAKE_CXX_FLAGS="-O1 -g -fno-omit-frame-pointer $sanitizers" \
  -DRNNOPT_BUILD_FUZZ=ON -DRNNOPT_WITH_TORCH=OFF -DRNNOPT_BUILD_TESTS=OFF \
  -DRNNOPT_BUILD_BENCH=OFF >"$build.configure.log" 2>&1 || {
  cat "$build.configure.log" >&2
  exit 1
}
cmake --build "$build" --target rnnopt-fuzz-model-file -j "$jobs"

fuzzer=$build/optimizer/fuzz/rnnopt-fuzz-model-file
work=$build/fuzz-work
mkdir -p "$work/corpus" "$work/artifacts"
before=$(find "$work/corpus" -type f | wc -l)
old_artifacts=$(find "$work/artifacts" -type f | wc -l)

echo "run_fuzz.sh: fuzzing for ${seconds}s from tests/data/model_corpus + $work/corpus ($before inputs)"
set +e
# Memory and time limits per input: anything over them is a bug (an absurd allocation or a hang).
ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=0 \
  "$fuzzer" "$work/corpus" tests/data/model_corpus \
  -dict=optimizer/fuzz/model_file.dict -max_total_time="$seconds" -max_len=65536 \
  -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=1024 -print_final_stats=1 \
  -artifact_prefix="$work/artifacts/" "$@" >"$work/fuzz.log" 2>&1
status=$?
set -e

after=$(find "$work/corpus" -type f | wc -l)
new_artifacts=$(find "$work/artifacts" -type f | wc -l)
echo "run_fuzz.sh: libFuzzer exit status $status; log in $work/fuzz.log"
grep -E '^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)' "$work/fuzz.log" || true
grep -E '^#[0-9]+ +(DONE|INITED)' "$work/fuzz.log" | tail -2 || true
echo "run_fuzz.sh: corpus $before -> $after inputs; artifacts $old_artifacts -> $new_artifacts"
if ((status != 0 || new_artifacts > old_artifacts)); then
  echo "run_fuzz.sh: FOUND A PROBLEM:" >&2
  grep -E 'ERROR: |SUMMARY: |Test unit written|terminate called|what\(\)' "$work/fuzz.log" | head -20 >&2
  find "$work/artifacts" -type f -newer "$build.configure.log" -printf '  %p\n' >&2
  exit 1
fi
echo "run_fuzz.sh: no crash, hang or out-of-memory input found"
