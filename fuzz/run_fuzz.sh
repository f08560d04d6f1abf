#!/usr/bin/env bash
# Fuzzes rnnopt's untrusted-input parsers with libFuzzer (fuzz/targets.h), SECONDS seconds per
# target, and reports what it found. test.sh's sanitizer pass runs it for 60 s per target.
#
#   fuzz/run_fuzz.sh 60                         # every target, one minute each
#   fuzz/run_fuzz.sh 300 -only_ascii=1          # extra arguments go to libFuzzer
#   FUZZ_TARGETS="restore-state bench-spec" fuzz/run_fuzz.sh 120
#   FUZZ_BUILD_DIR=build-sanitize fuzz/run_fuzz.sh 60   # reuse test.sh's sanitizer tree
#
# Targets (seeds, the committed corpus that tests/fuzz/corpus_test.cpp replays in every build):
#   model-file     any bytes as a model file            tests/data/model_corpus
#   manifest       any text as a manifest               fuzz/seeds/manifest
#   restore-state  any text as a saved optimizer state  fuzz/seeds/restore-state
#   bench-spec     rnnopt-bench's spec and list parsers fuzz/seeds/bench-spec
# Configures FUZZ_BUILD_DIR (default build-fuzz) with clang, the whole Torch-free project
# instrumented (-fsanitize=fuzzer-no-link,address,undefined, assertions on), unless it is already
# configured so; keeps the inputs it discovers in FUZZ_BUILD_DIR/fuzz-work/TARGET/corpus (the seed
# folders are only read), writes crashes, hangs and out-of-memory inputs to
# FUZZ_BUILD_DIR/fuzz-work/TARGET/artifacts, and exits 1 if there is any new one (2: usage).
# To keep a find: reproduce it with `FUZZ_BUILD_DIR/fuzz/rnnopt-fuzz-TARGET ARTIFACT`, fix the
# bug, then copy the artifact into the target's seed folder as fuzz-NAME; the suite replays it.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ $# -lt 1 || ! "$1" =~ ^[0-9]+$ ]]; then
  echo "usage: fuzz/run_fuzz.sh SECONDS_PER_TARGET [libFuzzer flags...]" >&2
  exit 2
fi
seconds=$1
shift
if ! command -v clang++ >/dev/null 2>&1; then
  echo "run_fuzz.sh: needs clang++ with libFuzzer (sudo apt-get install clang libclang-rt-14-dev)" >&2
  exit 2
fi
build=${FUZZ_BUILD_DIR:-build-fuzz}
jobs=${JOBS:-$(nproc)}
read -r -a targets <<<"${FUZZ_TARGETS:-model-file manifest restore-state bench-spec}"

if ! grep -qs '^RNNOPT_BUILD_FUZZ:BOOL=ON' "$build/CMakeCache.txt"; then
  sanitizers="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all"
  echo "run_fuzz.sh: configuring $build (clang++, $sanitizers)"
  mkdir -p "$build"
  cmake -S . -B "$build" -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=Debug \
    -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g" -DCMAKE_CXX_FLAGS="-fsanitize=fuzzer-no-link" \
    -DRNNOPT_SANITIZE=address,undefined -DRNNOPT_BUILD_FUZZ=ON -DRNNOPT_WITH_TORCH=OFF \
    -DRNNOPT_BUILD_TESTS=OFF -DRNNOPT_BUILD_BENCH=ON -DRNNOPT_BUILD_PYTHON=OFF \
    >"$build/fuzz-configure.log" 2>&1 || {
    cat "$build/fuzz-configure.log" >&2
    exit 1
  }
fi
cmake --build "$build" -j "$jobs" --target "${targets[@]/#/rnnopt-fuzz-}"

problems=0
for target in "${targets[@]}"; do
  case $target in
    model-file) seeds=tests/data/model_corpus max_len=65536 dict=fuzz/model_file.dict ;;
    manifest) seeds=fuzz/seeds/manifest max_len=16384 dict=fuzz/model_file.dict ;;
    restore-state) seeds=fuzz/seeds/restore-state max_len=16384 dict= ;;
    bench-spec) seeds=fuzz/seeds/bench-spec max_len=512 dict= ;;
    *) echo "run_fuzz.sh: unknown target $target" >&2; exit 2 ;;
  esac
  work=$build/fuzz-work/$target
  mkdir -p "$work/corpus" "$work/artifacts"
  before=$(find "$work/corpus" -type f | wc -l)
  old_artifacts=$(find "$work/artifacts" -type f | wc -l)
  echo "run_fuzz.sh: $target for ${seconds}s, seeds $seeds + $work/corpus ($before inputs)"
  set +e
  # Per-input limits: going over them is a bug (a hang or an unbounded allocation).
  ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=0 \
    "$build/fuzz/rnnopt-fuzz-$target" "$work/corpus" "$seeds" ${dict:+-dict=$dict} \
    -max_total_time="$seconds" -max_len="$max_len" -timeout=10 -rss_limit_mb=2048 \
    -malloc_limit_mb=1024 -print_final_stats=1 -artifact_prefix="$work/artifacts/" "$@" \
    >"$work/fuzz.log" 2>&1
  status=$?
  set -e
  after=$(find "$work/corpus" -type f | wc -l)
  new_artifacts=$(find "$work/artifacts" -type f | wc -l)
  echo "run_fuzz.sh: $target: libFuzzer exit status $status; log in $work/fuzz.log"
  grep -E '^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)' "$work/fuzz.log" || true
  echo "run_fuzz.sh: $target: corpus $before -> $after inputs; artifacts $old_artifacts -> $new_artifacts"
  if ((status != 0 || new_artifacts > old_artifacts)); then
    problems=$((problems + 1))
    echo "run_fuzz.sh: $target: FOUND A PROBLEM:" >&2
    grep -E 'ERROR: |SUMMARY: |Test unit written|terminate called|what\(\)|fuzz target ' \
      "$work/fuzz.log" | head -20 >&2
  fi
done
if ((problems > 0)); then
  echo "run_fuzz.sh: $problems target(s) found problems (see above)" >&2
  exit 1
fi
echo "run_fuzz.sh: no crash, hang or out-of-memory input found"
