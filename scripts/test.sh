#!/usr/bin/env bash
# The whole test suite from a fresh machine: install, build, run every test.
# Then the sanitizer build (ASan + UBSan) of the unit and single-rank tests.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$SECONDS
bash scripts/install-deps.sh
bash scripts/build.sh
# MPI as root (CI runs as root) and more ranks than cores in the multi-rank tests.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
ctest --test-dir build --output-on-failure -j "$(nproc)"
echo "test.sh: release build and tests took $((SECONDS - start)) s"
bash scripts/test-sanitized.sh
echo "test.sh: everything took $((SECONDS - start)) s"

