#!/usr/bin/env bash
# The sanitizer build (AddressSanitizer + UBSan, any report fails its test)
# of the unit and single-rank tests, in build-asan/.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$SECONDS
bash scripts/install-deps.sh
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
# Leak checking is off: MPI and OpenMP keep their allocations until exit. Set
# before the build too: test discovery runs each test binary (MPI_Init) then.
export ASAN_OPTIONS=detect_leaks=0:halt_on_error=1:abort_on_error=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
# Only the targets the selected tests need (not the multi-rank test binaries).
# -O1 for our code (the kernels keep their -O3): the sanitizers' checks are
# the same, and the build took 1,122 s instead of 1,977 s at -O3 on the
# 2-core machine, with the tests 117 s instead of 108 s.
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE="-O1 -DNDEBUG" -DPARATRAIN_SANITIZE=ON
cmake --build build-asan -j "$(nproc)" --target paratrain core_test kernels_test io_test model_test \
  cli_test layout_test comm_test parallel_test parts_test report_test record_test host_sweep_test \
  bf16_kernels_test plan_test
echo "test-sanitized.sh: build took $((SECONDS - start)) s"
ctest --test-dir build-asan --output-on-failure -j "$(nproc)" -L 'unit|single_rank'
echo "test-sanitized.sh: all tests passed in $((SECONDS - start)) s"
