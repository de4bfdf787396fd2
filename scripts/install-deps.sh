#!/usr/bin/env bash
# Installs what paratrain needs from Debian's packages, only what is missing.
# Safe to run again; needs root (or sudo) on a fresh Debian 12 machine.
set -euo pipefail

packages=(
  build-essential cmake          # compiler and build
  libdnnl-dev                    # oneDNN: the GEMM library (bench/gemm/RESULTS.md)
  libopenblas-dev libblis-dev    # the other GEMM libraries, kept as build options
  libopenmpi-dev openmpi-bin     # the distributed runtime
  libcli11-dev nlohmann-json3-dev libgtest-dev
  gnuplot-nox                    # graphs of the report
  iproute2                       # ip and tc: namespace hosts with shaped links (scripts/hosts.sh)
)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" ||
    missing+=("$package")
done
if ((${#missing[@]} == 0)); then
  echo "install-deps: everything is installed"
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
SUDO=""
[[ $(id -u) -eq 0 ]] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
