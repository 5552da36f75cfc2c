#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds the libFuzzer harnesses (clang, build-fuzz/) and runs each for
# FUZZ_SECONDS (default 30) on a temporary copy of its seed corpus and its
# regression inputs; the repository is never written to. Fails on any crash,
# leak, timeout or out-of-memory and prints the input that caused it (to be
# added to fuzz/regressions/<harness>/, docs/testing.md).
#   ./scripts/fuzz.sh                          all harnesses, 30 s each (the CI stage)
#   FUZZ_SECONDS=600 ./scripts/fuzz.sh         longer, on demand
#   FUZZ_SECONDS=600 ./scripts/fuzz.sh fuzz_query fuzz_http1
# Other settings: FUZZ_BUILD_DIR (build-fuzz), FUZZ_WORK_DIR (a new temp dir,
# removed on success unless given), FUZZ_JOBS (build jobs, nproc).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${FUZZ_SECONDS:-30}
build=${FUZZ_BUILD_DIR:-build-fuzz}
jobs=${FUZZ_JOBS:-$(nproc)}

echo "== fuzz: configuring and building the harnesses in $build (clang)"
CC=${FUZZ_CC:-clang} CXX=${FUZZ_CXX:-clang++} \
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSENSORHUB_BUILD_FUZZ=ON \
        -DSENSORHUB_BUILD_TESTS=OFF -DSENSORHUB_BUILD_BENCH=OFF -DSENSORHUB_BUILD_EXAMPLES=OFF \
        -DSENSORHUB_INSTALL=OFF -DSENSORHUB_WERROR=ON >/dev/null
cmake --build "$build" -j "$jobs" --target fuzz_harnesses

if [ $# -gt 0 ]; then
  harnesses=("$@")
else
  IFS=";" read -r -a harnesses <"$build/fuzz/harnesses.txt" || true
fi

# Longest input worth trying: a little above what the seeds need.
max_len() {
  case "$1" in
    fuzz_query) echo 1024 ;;
    fuzz_client_message) echo 2048 ;;
    *) echo 4096 ;;
  esac
}

if [ -n "${FUZZ_WORK_DIR:-}" ]; then
  work=$FUZZ_WORK_DIR
  mkdir -p "$work"
else
  work=$(mktemp -d "${TMPDIR:-/tmp}/sensorhub-fuzz.XXXXXX")
fi
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1

failed=()
for h in "${harnesses[@]}"; do
  bin=$build/fuzz/$h
  [ -x "$bin" ] || { echo "fuzz: no harness $h in $build/fuzz" >&2; exit 2; }
  mkdir -p "$work/$h/corpus" "$work/$h/regressions" "$work/$h/artifacts"
  cp -r fuzz/corpus/"$h"/. "$work/$h/corpus/" 2>/dev/null || true
  cp -r fuzz/regressions/"$h"/. "$work/$h/regressions/" 2>/dev/null || true
  args=(-max_total_time="$seconds" -max_len="$(max_len "$h")" -timeout=10 -rss_limit_mb=2048
        -print_final_stats=1 -artifact_prefix="$work/$h/artifacts/")
  [ -f "fuzz/dict/$h.dict" ] && args+=(-dict="fuzz/dict/$h.dict")
  echo "== fuzz: $h for ${seconds}s"
  # New inputs go to the first directory (the temp copy); the regressions
  # are replayed as part of the initial corpus.
  if "$bin" "${args[@]}" "$work/$h/corpus" "$work/$h/regressions" >"$work/$h/log" 2>&1; then
    grep -E '^#[0-9]+[[:space:]]+(INITED|DONE)|^stat::number_of_executed_units|^stat::peak_rss_mb' "$work/$h/log" || true
  else
    tail -n 60 "$work/$h/log"
    echo "fuzz: $h FAILED; the input is in $work/$h/artifacts/:" >&2
    ls -l "$work/$h/artifacts/" >&2
    echo "fuzz: fix it, then add it as fuzz/regressions/$h/<name> (docs/testing.md)" >&2
    failed+=("$h")
  fi
done

if [ ${#failed[@]} -ne 0 ]; then
  echo "fuzz: failed: ${failed[*]} (logs and inputs kept in $work)" >&2
  exit 1
fi
[ -z "${FUZZ_WORK_DIR:-}" ] && rm -rf "$work"
echo "== fuzz: all harnesses clean"
