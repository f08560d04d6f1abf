#!/usr/bin/env bash
# Fuzzes the model-file reader, the manifest parser and the engine's loader with libFuzzer for
# SECONDS seconds in all (split between the two targets), and reports what it found.
#
#   optimizer/fuzz/run_fuzz.sh 300                    # five minutes
#   optimizer/fuzz/run_fuzz.sh 60 -only_ascii=1       # extra arguments go to libFuzzer
#   FUZZ_TARGETS=model-file optimizer/fuzz/run_fuzz.sh 120
#   FUZZ_BUILD_DIR=build-fuzz2 optimizer/fuzz/run_fuzz.sh 30
#
# Targets (optimizer/fuzz/CMakeLists.txt):
#   model-file  any bytes as a model file; seeds: tests/data/model_corpus (the corpus the suite replays)
#   manifest    any text as a manifest; seeds: optimizer/fuzz/manifest_seeds
# Builds build-fuzz (clang, -fsanitize=fuzzer-no-link,address,undefined, assertions on), keeps the
# inputs it discovers in build-fuzz/fuzz-work/TARGET/corpus (the seed folders are only read), writes
# crashes, hangs and out-of-memory inputs to build-fuzz/fuzz-work/TARGET/artifacts, and exits
# non-zero if there is any new one. To keep a find: reproduce it with
# `build-fuzz/optimizer/fuzz/rnnopt-fuzz-TARGET ARTIFACT`, fix the bug, then (model-file finds) copy
# it to tests/data/model_corpus/fuzz-NAME.bin, which the test suite replays on every run.
set -euo pipefail
cd "$(dirname "$0")/../.."

if [[ $# -lt 1 || ! "$1" =~ ^[0-9]+$ ]]; then
  echo "usage: optimizer/fuzz/run_fuzz.sh SECONDS [libFuzzer flags...]" >&2
  exit 2
fi
seconds=$1
shift
# clang is not among ./setup.sh's packages: only this script uses it.
if ! command -v clang++ >/dev/null 2>&1; then
  echo "run_fuzz.sh: needs clang++ with libFuzzer (sudo apt-get install clang)" >&2
  exit 2
fi
build=${FUZZ_BUILD_DIR:-build-fuzz}
jobs=${JOBS:-2}
read -r -a targets <<<"${FUZZ_TARGETS:-model-file manifest}"
sanitizers="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all"

echo "run_fuzz.sh: configuring $build (clang++, $sanitizers)"
mkdir -p "$build"
cmake -S . -B "$build" -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=Debug \
  -DCMAKE_CXX_FLAGS="-O1 -g -fno-omit-frame-pointer $sanitizers" \
  -DRNNOPT_BUILD_FUZZ=ON -DRNNOPT_WITH_TORCH=OFF -DRNNOPT_BUILD_TESTS=OFF \
  -DRNNOPT_BUILD_BENCH=OFF >"$build/fuzz-configure.log" 2>&1 || {
  cat "$build/fuzz-configure.log" >&2
  exit 1
}
cmake --build "$build" -j "$jobs" --target "${targets[@]/#/rnnopt-fuzz-}"

per_target=$((seconds / ${#targets[@]}))
((per_target >= 1)) || per_target=1
problems=0
for target in "${targets[@]}"; do
  case $target in
    model-file) seeds=tests/data/model_corpus ;;
    manifest) seeds=optimizer/fuzz/manifest_seeds ;;
    *) echo "run_fuzz.sh: unknown target $target" >&2; exit 2 ;;
  esac
  work=$build/fuzz-work/$target
  mkdir -p "$work/corpus" "$work/artifacts"
  before=$(find "$work/corpus" -type f | wc -l)
  old_artifacts=$(find "$work/artifacts" -type f | wc -l)
  echo "run_fuzz.sh: $target for ${per_target}s, seeds $seeds + $work/corpus ($before inputs)"
  set +e
  # Per-input limits: going over them is a bug (a hang or an unbounded allocation).
  ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=0 \
    "$build/optimizer/fuzz/rnnopt-fuzz-$target" "$work/corpus" "$seeds" \
    -dict=optimizer/fuzz/model_file.dict -max_total_time="$per_target" -max_len=65536 \
    -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=1024 -print_final_stats=1 \
    -artifact_prefix="$work/artifacts/" "$@" >"$work/fuzz.log" 2>&1
  status=$?
  set -e
  after=$(find "$work/corpus" -type f | wc -l)
  new_artifacts=$(find "$work/artifacts" -type f | wc -l)
  echo "run_fuzz.sh: $target: libFuzzer exit status $status; log in $work/fuzz.log"
  grep -E '^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)' "$work/fuzz.log" || true
  grep -E '^#[0-9]+[[:space:]]+DONE' "$work/fuzz.log" | tail -1 || true
  echo "run_fuzz.sh: $target: corpus $before -> $after inputs; artifacts $old_artifacts -> $new_artifacts"
  if ((status != 0 || new_artifacts > old_artifacts)); then
    problems=$((problems + 1))
    echo "run_fuzz.sh: $target: FOUND A PROBLEM:" >&2
    grep -E 'ERROR: |SUMMARY: |Test unit written|terminate called|what\(\)' "$work/fuzz.log" |
      head -20 >&2
  fi
done
if ((problems > 0)); then
  echo "run_fuzz.sh: $problems target(s) found problems (see above)" >&2
  exit 1
fi
echo "run_fuzz.sh: no crash, hang or out-of-memory input found"
