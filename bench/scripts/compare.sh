#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Issue 9's targets, measured in one run against sensorhubd, the Node peer
# and the raw ceiling (bench/ceiling), each scenario on a fresh server, the
# three servers one after the other. Prints a markdown table of ratios and
# pass/fail per target; keeps every JSON line.
#
#   bench/scripts/compare.sh BUILD_DIR [RESULTS.jsonl]
#
# Environment: SERVERS (default "sensorhubd node ceiling"), ONLY (labels to
# run, e.g. "fanout-unpaced latency-100"), BENCH_THREADS (2),
# SOURCE_ADDRESSES (4), PEER_DIR (/tmp/sensorhub-peer: the Node peer is
# copied there and `npm ci`-ed once), IDLE_SIZES ("10000 19000").
# Scenarios the bench binary does not know are skipped with a message.
set -uo pipefail
[ $# -ge 1 ] || { sed -n '2,14p' "$0"; exit 2; }
BUILD=$(cd "$1" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
RESULTS=${2:-$BUILD/compare-$(date -u +%Y%m%dT%H%M%SZ).jsonl}
SERVERS=${SERVERS:-"sensorhubd node ceiling"}
ONLY=${ONLY:-}
IDLE_SIZES=${IDLE_SIZES:-"10000 19000"}
# shellcheck source=lib.sh
source "$HERE/lib.sh"
: >"$RESULTS"
echo "results: $RESULTS" >&2

wanted() { [ -z "$ONLY" ] || grep -qw -- "$1" <<<"$ONLY"; }
# each LABEL SCENARIO ARGS...: the case on every server, one after the other.
each() {
  local label=$1 kind; shift
  wanted "$label" || return 0
  for kind in $SERVERS; do run_case "$kind" "$label" "$@"; done
}

T=(--threads "$BENCH_THREADS")
has_flag --writer-threads && W=(--writer-threads 2) || W=()
has_flag --source-addresses && S=(--source-addresses "$SOURCE_ADDRESSES") || S=()
# REST write latency while fanning out: its own scenario if the bench has it.
wl=fanout; has_scenario write-latency && wl=write-latency

each fanout-unpaced fanout --subscribers 1000 --writers 8 --writes 1000 "${T[@]}" "${S[@]}" --check
each latency-100 fanout --subscribers 1000 --writers 8 --writes 1000 --write-rate 100 "${T[@]}" "${S[@]}" --check
each latency-10 fanout --subscribers 1000 --writers 8 --writes 200 --write-rate 10 "${T[@]}" "${S[@]}" --check
each write-latency-1000 "$wl" --subscribers 1000 --writers 8 --writes 500 --write-rate 50 "${T[@]}" "${S[@]}"
each write-latency-0 "$wl" --subscribers 0 --writers 8 --writes 500 --write-rate 50 "${T[@]}"
each cpu-50 fanout --subscribers 1000 --writers 8 --writes 1000 --write-rate 50 "${T[@]}" "${S[@]}" --check
for n in $IDLE_SIZES; do
  each "idle-rss-$n" idle-rss --subscribers "$n" "${T[@]}" "${S[@]}" --connect-batch 500
done
each rest-create rest-create --writers 32 --writes 20000 "${W[@]}"
each rest-get rest-get --writers 32 --writes 20000 "${W[@]}"
if wanted ingest; then
  SERVERS=sensorhubd each ingest ingest --events 100000 --batch-size 10000 --writers 1
  RAW="$BUILD/bench/sensorhub_raw_sqlite_ingest"
  if [ -x "$RAW" ]; then
    d=$(mktemp -d)
    # Prints: raw_sqlite_ingest readings=N seconds=S readings_per_s=R
    "$RAW" --readings 100000 --db "$d/raw.db" | python3 -c '
import json, sys
f = dict(kv.split("=") for kv in sys.stdin.read().split()[1:])
print(json.dumps({"server_kind": "raw-sqlite", "label": "ingest", "scenario": "raw-sqlite-ingest",
                  "readings": int(f["readings"]), "readings_per_s": float(f["readings_per_s"])}))' \
      >>"$RESULTS"
    rm -rf "$d"
  else
    echo "skip the raw SQLite ingest baseline: no $RAW" >&2
  fi
fi

python3 "$HERE/summarize.py" "$RESULTS"
