#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs dependencies, builds, and runs the whole test suite twice (a
# RelWithDebInfo build and an ASan+UBSan build), then once more under
# ThreadSanitizer, then runs every libFuzzer harness for FUZZ_SECONDS
# (default 30; scripts/fuzz.sh, docs/testing.md). Exits non-zero on failure.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh

jobs=$(nproc)
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

echo "== release build"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSENSORHUB_WERROR=ON >/dev/null
cmake --build build -j "$jobs"
ctest --test-dir build --output-on-failure -j "$jobs"

echo "== ASan+UBSan build"
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DSENSORHUB_SANITIZE=ON \
      -DSENSORHUB_BUILD_BENCH=OFF -DSENSORHUB_WERROR=ON >/dev/null
cmake --build build-asan -j "$jobs"
ctest --test-dir build-asan --output-on-failure -j "$jobs"

# The whole suite again under ThreadSanitizer: the network threads, the bus,
# the sessions and the end-to-end tests against the TSan-built daemon (a
# report fails the test: the test binaries exit non-zero, the e2e helpers
# find it in the daemon's stderr). About 100 s of tests on 2 cores.
echo "== TSan build"
cmake -S . -B build-tsan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSENSORHUB_SANITIZE=thread \
      -DSENSORHUB_BUILD_BENCH=OFF -DSENSORHUB_BUILD_EXAMPLES=OFF -DSENSORHUB_BUILD_FUZZ=OFF \
      -DSENSORHUB_WERROR=ON >/dev/null
cmake --build build-tsan -j "$jobs"
TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" \
  ctest --test-dir build-tsan --output-on-failure -j "$jobs"

# libFuzzer (clang build in build-fuzz): each harness for FUZZ_SECONDS on a
# temp copy of fuzz/corpus/<harness> and fuzz/regressions/<harness>; any
# crash, leak or timeout fails. About 2.5 min plus the clang build.
echo "== fuzz"
FUZZ_SECONDS=${FUZZ_SECONDS:-30} ./scripts/fuzz.sh
