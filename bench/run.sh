#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs the sensorhub benchmark suite against fresh daemons and prints one
# JSON object per line on stdout (progress goes to stderr). See
# docs/performance.md for what each figure means.
#
#   bench/run.sh [BUILD_DIR]        (default BUILD_DIR: build)
#
# The build needs -DSENSORHUB_BUILD_APPS=ON -DSENSORHUB_BUILD_BENCH=ON
# (Release for meaningful figures). Environment overrides:
#   SENSORHUBD, SENSORHUB_BENCH   binaries (default: found in BUILD_DIR)
#   WRITERS (4)  THREADS (1)  TIMEOUT (60)  RESUME_EVENTS (100000)
#   HEALTHZ_REQUESTS (4000)  SCOPED_SHARE (0.5: scoped subscribers in the scoped 1000 runs)
#   SOURCES (4: subscribers spread over 127.0.0.1..127.0.0.SOURCES)
#   REST_CLIENTS (32)  REST_REQUESTS (20000)  INGEST_READINGS (100000)
#   LATENCY_WRITES (250: writes of the write-latency runs at 50 writes/s)
#   IDLE_CONNECTIONS ("10000 19000": idle-rss runs)
#   per subscriber count N in 1, 100, 1000:
#     WRITES_N        closed-loop writes (20000, 6000, 400)
#     RATE_N          paced writes/s (200, 100, 10)
#     PACED_WRITES_N  paced writes (2000, 1000, 100)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
build=${1:-"$here/../build"}
daemon=${SENSORHUBD:-"$build/apps/sensorhubd/sensorhubd"}
bench=${SENSORHUB_BENCH:-"$build/bench/sensorhub_bench"}
writers=${WRITERS:-4}
threads=${THREADS:-1}
timeout=${TIMEOUT:-60}
sources=${SOURCES:-4}
rest_clients=${REST_CLIENTS:-32}
rest_requests=${REST_REQUESTS:-20000}

for bin in "$daemon" "$bench"; do
  if [[ ! -x "$bin" ]]; then
    echo "run.sh: $bin not found; build the sensorhubd and sensorhub_bench targets" >&2
    exit 2
  fi
done
command -v jq >/dev/null || { echo "run.sh: jq is required" >&2; exit 2; }

work=$(mktemp -d /tmp/sensorhub-bench-run.XXXXXX)
keep_work=0
cleanup() {
  if [[ $keep_work == 0 ]]; then rm -rf "$work"; else echo "run.sh: logs kept in $work" >&2; fi
}
trap cleanup EXIT
run_no=0
last='{}'

# emit NAME JSON: prints the JSON line with the load average and the command.
emit() {
  jq -c --arg load "$(cut -d' ' -f1-3 /proc/loadavg)" --arg cmd "$1" \
     '. + {loadavg: $load, args: $cmd}' <<<"$2" 2>/dev/null || printf '%s\n' "$2"
}

# run NAME ARGS...: one bench process against a fresh daemon and database.
run() {
  local name=$1
  shift
  run_no=$((run_no + 1))
  echo "run.sh: [$run_no] $*" >&2
  local out status=0
  last='{}'
  out=$("$bench" --daemon "$daemon" --db "$work/$run_no-$name.db" \
          --daemon-log "$work/$run_no-$name.log" "$@") || status=$?
  local how=none
  [[ -n "$out" ]] && how=$(jq -r '.daemon.exit // "exit 0"' <<<"$out" 2>/dev/null || echo unparsable)
  if [[ $status != 0 || $how != "exit 0" ]]; then
    keep_work=1
    echo "run.sh: $name: bench exit $status; daemon log tail:" >&2
    tail -n 20 "$work/$run_no-$name.log" >&2 || true
  fi
  [[ -n "$out" ]] || return 0
  emit "$*" "$out"
  last=$out
}

# baseline ARGS...: broadcast-baseline (no daemon).
baseline() {
  echo "run.sh: [baseline] $*" >&2
  local out
  out=$("$bench" --scenario broadcast-baseline --threads "$threads" --timeout "$timeout" "$@") || true
  [[ -n "$out" ]] && emit "broadcast-baseline $*" "$out"
  return 0
}

# suite N: closed-loop fanout (throughput) + baseline at the rate it reached,
# then paced fanout (latency at a sustainable load) + baseline at that pace.
suite() {
  local subs=$1 writes=$2 rate=$3 paced=$4
  run fanout --scenario fanout --subscribers "$subs" --writers "$writers" --writes "$writes" \
      --threads "$threads" --timeout "$timeout" --source-addresses "$sources"
  local reached
  reached=$(jq -r '.writes_per_s // 0' <<<"$last" 2>/dev/null || echo 0)
  if [[ $reached != 0 && $reached != 0.0 ]]; then
    baseline --subscribers "$subs" --writes "$writes" --rate "$reached"
  fi
  run fanout --scenario fanout --subscribers "$subs" --writers "$writers" --writes "$paced" \
      --write-rate "$rate" --threads "$threads" --timeout "$timeout" --source-addresses "$sources"
  baseline --subscribers "$subs" --writes "$paced" --rate "$rate"
}

echo "run.sh: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $(uname -sr)" >&2
run healthz --scenario healthz-baseline --writers "$writers" --writes "${HEALTHZ_REQUESTS:-4000}"
suite 1 "${WRITES_1:-20000}" "${RATE_1:-200}" "${PACED_WRITES_1:-2000}"
suite 100 "${WRITES_100:-6000}" "${RATE_100:-100}" "${PACED_WRITES_100:-1000}"
suite 1000 "${WRITES_1000:-400}" "${RATE_1000:-10}" "${PACED_WRITES_1000:-100}"
# The same 1000-subscriber fan-out with half of them on a scoped read token
# (SPEC 7.1; every write is in its scope), to set beside the unscoped runs.
run fanout-scoped --scenario fanout --subscribers 1000 --writers "$writers" \
    --writes "${WRITES_1000:-400}" --threads "$threads" --timeout "$timeout" \
    --scoped-share "${SCOPED_SHARE:-0.5}"
run fanout-scoped --scenario fanout --subscribers 1000 --writers "$writers" \
    --writes "${PACED_WRITES_1000:-100}" --write-rate "${RATE_1000:-10}" --threads "$threads" \
    --timeout "$timeout" --scoped-share "${SCOPED_SHARE:-0.5}"
# Strict: one connection must receive all M events.
run resume --scenario resume --events "${RESUME_EVENTS:-100000}" --timeout "$timeout"
# As a client following SPEC §3: reconnect with since=<last seq> when dropped.
run resume --scenario resume --events "${RESUME_EVENTS:-100000}" --timeout "$timeout" --reconnect
# REST on keep-alive connections and batch ingest.
run rest-create --scenario rest-create --writers "$rest_clients" --writes "$rest_requests"
run rest-get --scenario rest-get --writers "$rest_clients" --writes "$rest_requests"
run ingest --scenario ingest --writers 1 --events "${INGEST_READINGS:-100000}" --batch-size 10000
# A write's latency at 50 writes/s without subscribers and while 1,000 receive the fan-out.
for subs in 0 1000; do
  run write-latency --scenario write-latency --subscribers "$subs" --writers "$writers" \
      --writes "${LATENCY_WRITES:-250}" --write-rate 50 --threads "$threads" \
      --source-addresses "$sources" --timeout "$timeout"
done
# Memory per idle, greeted WebSocket on a fresh daemon.
for n in ${IDLE_CONNECTIONS:-10000 19000}; do
  run idle-rss --scenario idle-rss --subscribers "$n" --source-addresses 8 --connect-batch 500 \
      --threads 2
done
