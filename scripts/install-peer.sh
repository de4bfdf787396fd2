#!/usr/bin/env bash
# The PyTorch peer's needs (Debian's python3-torch), for bench/compare_peer.sh only.
set -euo pipefail
if ! /usr/bin/python3 -c "import torch" 2>/dev/null; then
  SUDO=""; [[ $(id -u) -eq 0 ]] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq python3-torch python3-numpy
fi
