#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# How cost grows (issue 9, item 7): sensorhubd, the Node peer and the raw
# ceiling swept over subscribers (deliveries/s unpaced; event latency at a
# fixed write rate) and over idle connections (server RSS), each point on a
# fresh server. Writes the JSON lines and one .dat per series to OUT_DIR and
# plots PNGs into docs/img/ (gnuplot).
#
#   bench/scripts/sweep.sh BUILD_DIR [OUT_DIR]
#
# Environment: SERVERS ("sensorhubd node ceiling"), SUBSCRIBERS ("100 300
# 1000 3000 10000"), CONNECTIONS ("1000 3000 10000 19000"), LATENCY_RATE (10
# writes/s), DELIVERIES (1000000: unpaced writes = DELIVERIES / subscribers,
# 50..1000), BENCH_THREADS (2), SOURCE_ADDRESSES (4), IMG_DIR (docs/img).
set -uo pipefail
[ $# -ge 1 ] || { sed -n '2,15p' "$0"; exit 2; }
BUILD=$(cd "$1" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${2:-$BUILD/sweep-$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$OUT"
RESULTS="$OUT/sweep.jsonl"
SERVERS=${SERVERS:-"sensorhubd node ceiling"}
SUBSCRIBERS=${SUBSCRIBERS:-"100 300 1000 3000 10000"}
CONNECTIONS=${CONNECTIONS:-"1000 3000 10000 19000"}
LATENCY_RATE=${LATENCY_RATE:-10}
DELIVERIES=${DELIVERIES:-1000000}
IMG_DIR=${IMG_DIR:-$(cd "$HERE/../.." && pwd)/docs/img}
# shellcheck source=lib.sh
source "$HERE/lib.sh"
: >"$RESULTS"
echo "results: $RESULTS" >&2

T=(--threads "$BENCH_THREADS" --connect-batch 500)
has_flag --source-addresses && T+=(--source-addresses "$SOURCE_ADDRESSES")
for kind in $SERVERS; do
  for n in $SUBSCRIBERS; do
    w=$(( DELIVERIES / n )); [ "$w" -gt 1000 ] && w=1000; [ "$w" -lt 50 ] && w=50
    run_case "$kind" "deliveries-$n" fanout --subscribers "$n" --writers 8 --writes "$w" "${T[@]}" --check
    run_case "$kind" "latency-$n" fanout --subscribers "$n" --writers 8 \
      --writes $(( LATENCY_RATE * 10 )) --write-rate "$LATENCY_RATE" "${T[@]}" --check
  done
  for n in $CONNECTIONS; do
    # The bench's idle-rss if it has one; else a fanout without writes whose
    # subscribers stay connected while the sampler reads the server's RSS.
    if has_scenario idle-rss; then
      run_case "$kind" "rss-$n" idle-rss --subscribers "$n" "${T[@]}"
    else
      run_case "$kind" "rss-$n" fanout --subscribers "$n" --writes 0 "${T[@]}"
    fi
  done
done

python3 "$HERE/sweep_data.py" "$RESULTS" "$OUT" && "$HERE/plot.sh" "$OUT" "$IMG_DIR"
