#!/bin/sh
# SPDX-License-Identifier: MIT
# Batch ingest through a running sensorhubd (started with --no-auth):
# creates one sensor, then POSTs /api/v1/lecturas/batch REQUESTS times with
# READINGS readings each (one curl per request, sequential) and prints
#   batch_ingest readings=N seconds=S readings_per_s=R
# Usage: batch_ingest_curl.sh URL [REQUESTS=10] [READINGS=10000]
set -eu
url=${1:?usage: batch_ingest_curl.sh URL [REQUESTS] [READINGS]}
requests=${2:-10}
readings=${3:-10000}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
id=$(curl -sf -X POST -H 'Content-Type: application/json' \
  -d '{"tipo":"temperatura","modelo":"DHT22","ubicacion":"lab"}' "$url/api/v1/sensores" |
  sed -n 's/^{"id":\([0-9]*\).*/\1/p')
[ -n "$id" ] || { echo "cannot create a sensor at $url" >&2; exit 1; }
awk -v id="$id" -v n="$readings" 'BEGIN {
  printf "[";
  for (i = 0; i < n; i++) printf "%s{\"sensor_id\":%d,\"valor\":%d.5,\"unidad\":\"C\"}", (i ? "," : ""), id, i % 1000;
  printf "]" }' > "$tmp/body.json"
start=$(date +%s.%N)
i=0
while [ "$i" -lt "$requests" ]; do
  curl -sf -o /dev/null -X POST -H 'Content-Type: application/json' \
    --data-binary "@$tmp/body.json" "$url/api/v1/lecturas/batch"
  i=$((i + 1))
done
end=$(date +%s.%N)
awk -v n=$((requests * readings)) -v s="$start" -v e="$end" \
  'BEGIN { printf "batch_ingest readings=%d seconds=%.3f readings_per_s=%.0f\n", n, e - s, n / (e - s) }'
