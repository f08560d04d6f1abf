#!/usr/bin/env bash
# Installs every Debian package rnnopt needs (idempotent). Debian 12 only; nothing is downloaded
# from anywhere but Debian's archive. Set RNNOPT_NO_TORCH=1 to skip LibTorch (engine-only builds).
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git
  libeigen3-dev libboost-math-dev libboost-random-dev
  liblbfgspp-dev libcli11-dev nlohmann-json3-dev libfmt-dev
  catch2 libbenchmark-dev
  libdlib-dev libnlopt-cxx-dev libpagmo-dev
  gnuplot-nox
  libopenblas0-pthread
  clang
  pybind11-dev python3-dev python3-numpy python3-pytest  # the Python module (python/)
)
if [[ "${RNNOPT_NO_TORCH:-0}" != "1" ]]; then
  packages+=(libtorch-dev libgloo-dev)  # Gloo: the headers of c10d's ProcessGroupGloo
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "setup.sh: all ${#packages[@]} packages present"
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
