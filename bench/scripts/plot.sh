#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Plots sweep.sh's series (DATA_DIR/*.dat) as PNGs into IMG_DIR with gnuplot:
# sweep-deliveries.png, sweep-latency.png, sweep-rss.png.
#   bench/scripts/plot.sh DATA_DIR [IMG_DIR]
set -euo pipefail
DATA=$(cd "$1" && pwd)
IMG=${2:-$(cd "$(dirname "$0")/../.." && pwd)/docs/img}
mkdir -p "$IMG"
command -v gnuplot >/dev/null || { echo "no gnuplot (apt-get install gnuplot-nox)" >&2; exit 1; }

# series FILE-PREFIX COLUMNS TITLE-SUFFIX: gnuplot plot terms, one per server with data.
series() {
  local prefix=$1 using=$2 suffix=$3 kind sep="" s=""
  for kind in sensorhubd node ceiling; do
    [ -f "$DATA/$prefix-$kind.dat" ] || continue
    s+="$sep'$DATA/$prefix-$kind.dat' using $using with linespoints title '$kind$suffix'"
    sep=", "
  done
  echo "$s"
}

common="set terminal pngcairo size 900,560 noenhanced font ',11'; set grid; set key top left;"
logx="set logscale x; set offsets graph 0.05, graph 0.05, 0, 0; set xtics (50, 100, 300, 1000, 3000, 10000, 19000);"
d=$(series deliveries 1:2 "")
[ -n "$d" ] && gnuplot -e "$common $logx set output '$IMG/sweep-deliveries.png';
  set title 'Fan-out, unpaced: deliveries/s vs subscribers';
  set xlabel 'subscribers'; set ylabel 'deliveries/s'; set yrange [0:*]; plot $d"
l=$(series latency 1:2 " p50")
l99=$(series latency 1:4 " p99")
[ -n "$l" ] && gnuplot -e "$common $logx set output '$IMG/sweep-latency.png';
  set title 'Event latency (write sent -> event received) vs subscribers, fixed writes/s';
  set xlabel 'subscribers'; set ylabel 'ms'; set logscale y; plot $l, $l99"
r=$(series rss 1:2 "")
[ -n "$r" ] && gnuplot -e "$common set output '$IMG/sweep-rss.png';
  set title 'Server RSS vs idle, greeted WebSocket connections (slope: memory per connection)';
  set xlabel 'connections'; set ylabel 'RSS MB'; set xrange [0:*]; set yrange [0:*]; plot $r"
ls -l "$IMG"/sweep-*.png >&2
