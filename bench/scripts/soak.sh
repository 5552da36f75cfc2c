#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The soak run (docs/reliability.md): mixed load against the real daemon with
# a kill -9 every --kill-every seconds, then every acknowledged write and
# every event accounted for. Builds nothing: needs build/bench/sensorhub_soak
# and build/apps/sensorhubd/sensorhubd. Writes samples.csv, summary.txt, the
# daemon log and database to OUT (default /tmp/sensorhub-soak), and plots
# RSS and fds over time into docs/img/soak.png (gnuplot-nox).
#   bench/scripts/soak.sh [--duration S] [--kill-every S] [--out DIR] [driver flags...]
#   bench/scripts/soak.sh --plot-only [--out DIR]   (plot an earlier run again)
# Defaults: an hour, a kill every 180 s. Exit status: the driver's (0 = PASS).
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$ROOT/build}
OUT=/tmp/sensorhub-soak
IMG=${IMG:-$ROOT/docs/img/soak.png}
args=()
plot_only=0
while [ $# -gt 0 ]; do
  case "$1" in
    --out) OUT=$2; shift 2 ;;
    --plot-only) plot_only=1; shift ;;
    *) args+=("$1"); shift ;;
  esac
done
mkdir -p "$OUT"
ulimit -n "$(ulimit -Hn)"
status=0
if [ "$plot_only" = 0 ]; then
  "$BUILD/bench/sensorhub_soak" --daemon "$BUILD/apps/sensorhubd/sensorhubd" --out "$OUT" \
    --duration 3600 --kill-every 180 "${args[@]}"
  status=$?
fi
command -v gnuplot >/dev/null || { echo "no gnuplot (apt-get install gnuplot-nox)" >&2; exit "$status"; }
# Kill times: a vertical line wherever the kill counter steps up.
kills=$(awk -F, 'NR > 2 && $9 > k { printf "set arrow from %s, graph 0 to %s, graph 1 nohead lc rgb \"#bbbbbb\" dt 2; ", $1, $1 } NR > 1 { k = $9 }' "$OUT/samples.csv")
verdict=$(tail -n 1 "$OUT/summary.txt" 2>/dev/null || echo "?")
gnuplot -e "set terminal pngcairo size 900,700 noenhanced font ',11'; set output '$IMG';
  set datafile separator ','; set grid; set key top left; set multiplot layout 2,1
    title 'sensorhubd soak: RSS and open fds over time (dashed: kill -9 and restart) - $verdict';
  $kills set ylabel 'RSS MiB'; set yrange [0:*]; set xlabel '';
  plot '$OUT/samples.csv' every ::1 using 1:(\$3 > 0 ? \$3/1024 : 1/0) with lines lw 2 title 'VmRSS';
  set ylabel 'open fds / connections'; set xlabel 'seconds'; set key bottom left;
  plot '$OUT/samples.csv' every ::1 using 1:(\$4 >= 0 ? \$4 : 1/0) with lines lw 2 title 'open fds',
       '' every ::1 using 1:(\$5 >= 0 ? \$5 : 1/0) with lines title 'WebSocket connections';
  unset multiplot"
ls -l "$IMG" >&2
exit "$status"
