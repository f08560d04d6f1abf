#!/usr/bin/env bash
# Installs the Debian packages rnnopt needs (idempotent; Debian 12 only; nothing is downloaded from
# anywhere but Debian's archive).
#
#   ./setup.sh main    what ./run.sh needs: build and run rnnopt-bench (the main job)
#   ./setup.sh         everything ./test.sh needs: the above, Catch2, Google Benchmark, the Python
#                      module's build and test packages, scikit-learn and Optuna for its HPO demo,
#                      clang with its sanitizer and libFuzzer runtimes (test.sh's sanitizer pass,
#                      unless RNNOPT_SANITIZE=OFF)
#
# RNNOPT_WITH_TORCH=ON|OFF adds LibTorch (the meta-trainer, meta_train/) or not; the default is ON
# without an argument and OFF for `main` (./run.sh and ./test.sh pass their own value).
set -euo pipefail

what=${1:-all}
case "$what" in
  main | all) ;;
  *) echo "usage: ./setup.sh [main]" >&2; exit 2 ;;
esac
if [[ -n "${RNNOPT_NO_TORCH:-}" ]]; then
  echo "setup.sh: RNNOPT_NO_TORCH is no longer read; use RNNOPT_WITH_TORCH=OFF" >&2
  exit 2
fi
if [[ "$what" == main ]]; then torch=${RNNOPT_WITH_TORCH:-OFF}; else torch=${RNNOPT_WITH_TORCH:-ON}; fi
case "$torch" in
  ON | OFF) ;;
  *) echo "setup.sh: RNNOPT_WITH_TORCH must be ON or OFF, got '$torch'" >&2; exit 2 ;;
esac

# The main job: the engine, functions, baselines with their peers, rnnopt-bench and its plots.
packages=(
  build-essential cmake ninja-build git
  libeigen3-dev libboost-math-dev libboost-random-dev liblbfgspp-dev
  libcli11-dev nlohmann-json3-dev
  libdlib-dev libnlopt-cxx-dev libpagmo-dev
  gnuplot-nox
)
if [[ "$what" == all ]]; then
  packages+=(
    catch2 libbenchmark-dev                                # tests/, rnnopt-microbench
    pybind11-dev python3-dev python3-numpy python3-pytest  # the Python module (python/)
    python3-sklearn python3-optuna                         # its HPO demo (demos/hpo/)
  )
  # test.sh's sanitizer and fuzzing pass (RNNOPT_SANITIZE=OFF skips it, and these).
  if [[ "${RNNOPT_SANITIZE:-ON}" == ON ]]; then packages+=(clang libclang-rt-14-dev); fi
fi
if [[ "$torch" == ON ]]; then
  # Gloo: the headers of c10d's ProcessGroupGloo; OpenBLAS's pthread build for the trainers.
  packages+=(libtorch-dev libgloo-dev libopenblas0-pthread)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "setup.sh: all ${#packages[@]} packages present ($what, RNNOPT_WITH_TORCH=$torch)"
  exit 0
fi

SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
echo "setup.sh: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Refresh the package lists only when they are missing or a package cannot be found.
if ! $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"; then
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
