#!/usr/bin/env bash
# Installs every Debian package rubrika needs to build, test and run. Idempotent: when
# everything is present it only checks and returns (about a second).
# Usage: scripts/setup.sh        (as root, or with sudo available)
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config git
  libtorch-dev              # libtorch (CPU build on Debian; CUDA users bring their own)
  libgloo-dev               # headers of the Gloo transport behind libtorch's c10d (distributed)
  libopenblas0-pthread      # fast BLAS for libtorch; without it GEMM is ~15x slower
  libopenblas0-openmp       # its OpenMP build: compute commands restart on it (one thread pool)
  libblas-dev               # cblas.h + libblas.so: the bert plugin's attention GEMMs (OpenBLAS at run time)
  libboost-dev libboost-program-options-dev   # Boost.DLL (header-only) + Program_options
  libhdf5-dev               # state.h5
  libtomlplusplus-dev       # recipes
  libeigen3-dev             # covariance / Mahalanobis
  libgtest-dev libgmock-dev libbenchmark-dev
  libutf8proc-dev           # Unicode data for the normaliser and tokenizer
  nlohmann-json3-dev        # JSON (configs, HTTP bodies, metrics)
  libcpp-httplib-dev        # HTTP server
  curl                      # used by scripts/run.sh to wait for the server
  chromium                  # headless rendering test of report.html
  clang-format              # house format (.clang-format), checked by scripts/check_format.sh
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done

if (( ${#missing[@]} == 0 )); then
  echo "setup: all ${#packages[@]} packages present"
else
  echo "setup: installing ${missing[*]}"
  SUDO=""
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || { echo "setup: need root or sudo to install packages" >&2; exit 1; }
    SUDO=sudo
  fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The BLAS libtorch loads is chosen through Debian's alternatives: make sure it is OpenBLAS.
blas=$(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3 2>/dev/null || true)
case "$blas" in
  *openblas*) ;;
  *) echo "setup: WARNING: libblas.so.3 is $blas, not OpenBLAS: libtorch will be slow." \
          "Run: update-alternatives --config libblas.so.3-x86_64-linux-gnu" >&2 ;;
esac
