#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs dependencies, builds sensorhubd (Release) and runs it on its
# embedded default: SQLite file ./sensorhub.db, http://127.0.0.1:8000.
# Extra arguments go to the daemon, e.g. ./scripts/run.sh --test-endpoints
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
cmake -S . -B build-release -G Ninja -DCMAKE_BUILD_TYPE=Release \
      -DSENSORHUB_BUILD_TESTS=OFF -DSENSORHUB_BUILD_BENCH=OFF >/dev/null
cmake --build build-release -j "$(nproc)" --target sensorhubd
exec ./build-release/apps/sensorhubd/sensorhubd "$@"
