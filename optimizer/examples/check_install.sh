#!/usr/bin/env bash
# The outside-program check (test.sh runs it after the build):
#
#   optimizer/examples/check_install.sh BUILD_DIR
#
# installs BUILD_DIR into a temporary prefix, checks the package (headers, rnnoptConfig.cmake, no
# LibTorch anywhere in it), writes a small random-weights model with the installed
# rnnopt-random-model (or BUILD_DIR's), configures and builds optimizer/examples against the
# installed package alone, runs it on Branin and checks that it found an in-box point, then builds
# and runs the README's example (optimizer/examples/minimal) the same way, and asks the installed
# rnnopt-serve (when built) for a point. Exits
# non-zero with one clear line on the first failure. KEEP_TMP=1 keeps the temporary folder.
set -euo pipefail

fail() {
  echo "check_install.sh: FAILED: $*" >&2
  exit 1
}

[[ $# -eq 1 ]] || { echo "usage: optimizer/examples/check_install.sh BUILD_DIR" >&2; exit 2; }
root=$(cd "$(dirname "$0")/../.." && pwd)
[[ -d "$1" ]] || fail "no build folder $1"
build=$(cd "$1" && pwd)
[[ -f "$build/CMakeCache.txt" ]] || fail "$build is not a configured CMake build folder"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/rnnopt-check-install.XXXXXX")
if [[ "${KEEP_TMP:-0}" == "1" ]]; then
  echo "check_install.sh: keeping $tmp"
else
  trap 'rm -rf "$tmp"' EXIT
fi
prefix=$tmp/prefix
log=$tmp/log.txt

step() { echo "check_install.sh: $*"; }

step "installing $build into $prefix"
cmake --install "$build" --prefix "$prefix" >"$log" 2>&1 || { cat "$log" >&2; fail "cmake --install"; }

# The package: headers at <prefix>/include/rnnopt/optimizer, the config and version files.
for h in optimizer.h rnn_optimizer.h model_file.h random.h; do
  [[ -f "$prefix/include/rnnopt/optimizer/$h" ]] || fail "header optimizer/$h is not installed"
done
config=$(find "$prefix" -name rnnoptConfig.cmake -print -quit)
[[ -n "$config" ]] || fail "rnnoptConfig.cmake is not installed"
[[ -f "$(dirname "$config")/rnnoptConfigVersion.cmake" ]] || fail "rnnoptConfigVersion.cmake missing"
if grep -rIil torch "$(dirname "$config")" ||
  grep -rIElq '#include *[<"](torch|ATen|c10)/' "$prefix/include/rnnopt/optimizer"; then
  fail "the installed engine package depends on LibTorch"
fi

# A small model: the installed tool if there is one, else the build's.
generator=""
for candidate in "$prefix/bin/rnnopt-random-model" "$build/optimizer/tools/rnnopt-random-model"; do
  if [[ -x "$candidate" ]]; then generator=$candidate; break; fi
done
[[ -n "$generator" ]] || fail "no rnnopt-random-model in $prefix/bin or $build/optimizer/tools"
model=$tmp/branin-lstm.safetensors
step "writing a random model with $generator"
"$generator" --out "$model" --arch lstm --d 2 --hidden 16 --layers 1 --horizon 30 \
  --features x,y,budget --seed 3 >"$log" 2>&1 || { cat "$log" >&2; fail "rnnopt-random-model"; }

# The outside project, configured against the installed package only.
generator_flag=()
if command -v ninja >/dev/null 2>&1; then generator_flag=(-G Ninja); fi
step "configuring optimizer/examples against $prefix"
cmake -S "$root/optimizer/examples" -B "$tmp/example" "${generator_flag[@]}" \
  -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_FIND_PACKAGE_NO_PACKAGE_REGISTRY=ON \
  >"$log" 2>&1 || { cat "$log" >&2; fail "configuring the example"; }
grep -q "rnnopt_DIR:PATH=$prefix/" "$tmp/example/CMakeCache.txt" ||
  fail "the example did not find rnnopt in $prefix ($(grep rnnopt_DIR "$tmp/example/CMakeCache.txt"))"
step "building the example"
cmake --build "$tmp/example" >"$log" 2>&1 || { cat "$log" >&2; fail "building the example"; }
example=$tmp/example/rnnopt-example-branin
if command -v ldd >/dev/null 2>&1 && ldd "$example" | grep -i torch; then
  fail "the example links LibTorch"
fi

step "running the example (30 evaluations of Branin)"
"$example" "$model" 30 >"$tmp/run.txt" 2>&1 || { tail -5 "$tmp/run.txt" >&2; fail "the example run"; }
grep -q '^best y = ' "$tmp/run.txt" || fail "the example printed no best point"
[[ $(grep -c '^t ' "$tmp/run.txt") -eq 30 ]] || fail "the example did not make 30 evaluations"
step "$(grep '^best y = ' "$tmp/run.txt")"

# The README's embedding example (README.md includes minimal/CMakeLists.txt and minimal/main.cpp
# verbatim; tests/readme/readme_test.py checks that they stay equal), built the same way.
step "configuring and building optimizer/examples/minimal (the README's example)"
cmake -S "$root/optimizer/examples/minimal" -B "$tmp/minimal" "${generator_flag[@]}" \
  -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_FIND_PACKAGE_NO_PACKAGE_REGISTRY=ON \
  -DCMAKE_CXX_FLAGS="-Wall -Wextra -Werror" >"$log" 2>&1 ||
  { cat "$log" >&2; fail "configuring the README example"; }
cmake --build "$tmp/minimal" >"$log" 2>&1 || { cat "$log" >&2; fail "building the README example"; }
minimal_models=("$model")
shipped=$root/models/acq-std-d2.safetensors
if [[ -f "$shipped" ]]; then minimal_models+=("$shipped"); fi
for m in "${minimal_models[@]}"; do
  "$tmp/minimal/my_app" "$m" >"$tmp/minimal.txt" 2>&1 ||
    { cat "$tmp/minimal.txt" >&2; fail "the README example on $m"; }
  grep -q '^best y = ' "$tmp/minimal.txt" || fail "the README example printed no best point on $m"
  step "README example on $(basename "$m"): $(cat "$tmp/minimal.txt")"
done
# rnnopt-serve, when the build has it: installed into <prefix>/bin and answering on stdin.
if [[ -x "$build/serve/rnnopt-serve" ]]; then
  serve=$prefix/bin/rnnopt-serve
  [[ -x "$serve" ]] || fail "rnnopt-serve is not installed in $prefix/bin"
  serve_model=$model
  if [[ -f "$shipped" ]]; then serve_model=$shipped; fi
  printf '{"ask": 1}\n{"best": true}\n' |
    "$serve" --optimizer "rnn:$serve_model" --box "[[-5,10],[0,15]]" >"$tmp/serve.txt" 2>&1 ||
    { cat "$tmp/serve.txt" >&2; fail "the installed rnnopt-serve"; }
  grep -q '"trials":\[{"id":1,' "$tmp/serve.txt" ||
    { cat "$tmp/serve.txt" >&2; fail "the installed rnnopt-serve answered no trial"; }
  step "installed rnnopt-serve: $(head -1 "$tmp/serve.txt")"
fi
step "OK: the installed package builds and runs an outside program without LibTorch"
