# SPDX-License-Identifier: MIT
# Shared by compare.sh and sweep.sh (sourced, not run): start one server of
# a kind on a fresh state, run the bench against it with --url, sample the
# server's CPU and RSS from /proc, append one JSON line per run.
#
# Needs: BUILD (the build dir), RESULTS (the .jsonl to append to).
# Optional: PEER_DIR (the Node peer, installed; default /tmp/sensorhub-peer),
#           BENCH_THREADS (subscriber client threads, default 2),
#           SOURCE_ADDRESSES (spread subscribers over 127.0.0.x, default 4).

BENCH="$BUILD/bench/sensorhub_bench"
DAEMON="$BUILD/apps/sensorhubd/sensorhubd"
CEILING="$BUILD/bench/ceiling/sensorhub_ceiling"
PEER_DIR="${PEER_DIR:-/tmp/sensorhub-peer}"
BENCH_THREADS="${BENCH_THREADS:-2}"
SOURCE_ADDRESSES="${SOURCE_ADDRESSES:-4}"
PEER_SRC="${PEER_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)/shared/peers/node}"
[ -d "$PEER_SRC" ] || PEER_SRC=/work/shared/peers/node
CLK_TCK=$(getconf CLK_TCK)
# Every server and the bench may hold ~19,000 sockets: soft limit to hard.
ulimit -n "$(ulimit -Hn)"

BENCH_HELP="$("$BENCH" --help 2>&1 || true)"
has_scenario() { grep -Eq "^  $1( |$)" <<<"$BENCH_HELP"; }
has_flag() { grep -q -- "$1" <<<"$BENCH_HELP"; }

# Copies the Node peer out of shared/ and installs it once.
ensure_peer() {
  [ -f "$PEER_DIR/node_modules/better-sqlite3/build/Release/better_sqlite3.node" ] && return 0
  command -v node >/dev/null || { echo "no node: the Node peer is skipped" >&2; return 1; }
  mkdir -p "$PEER_DIR" && cp -r "$PEER_SRC/." "$PEER_DIR/"
  npm config set nodedir /usr >/dev/null 2>&1 || true
  (cd "$PEER_DIR" && npm ci --no-audit --no-fund >&2) || { echo "npm ci failed" >&2; return 1; }
}

# Whether a server kind can run here (binary built, peer installed).
server_available() {
  case "$1" in
    sensorhubd) [ -x "$DAEMON" ] ;;
    ceiling) [ -x "$CEILING" ] ;;
    node) ensure_peer ;;
    *) return 1 ;;
  esac
}

# start_server KIND: a fresh server on a fresh temp dir; sets SERVER_PID,
# SERVER_URL, SERVER_DIR.
start_server() {
  SERVER_DIR=$(mktemp -d /tmp/sensorhub-compare-XXXXXX)
  local out="$SERVER_DIR/out" err="$SERVER_DIR/err"
  case "$1" in
    sensorhubd)
      # The bench's own --daemon config (no per-address caps or rate limits)
      # plus room for 19,000 WebSockets (the default cap is 10,000 sockets).
      echo '{"limits":{"max_connections_per_address":0,"write_rate_per_s":0,"message_rate_per_s":0,"max_connections":25000}}' \
        >"$SERVER_DIR/config.json"
      "$DAEMON" --host 127.0.0.1 --port 0 --db "$SERVER_DIR/db" --config "$SERVER_DIR/config.json" \
        --test-endpoints --no-auth >"$out" 2>"$err" &
      ;;
    node) node "$PEER_DIR/server.js" --host 127.0.0.1 --port 0 --db "$SERVER_DIR/peer.db" \
      >"$out" 2>"$err" & ;;
    ceiling) "$CEILING" --host 127.0.0.1 --port 0 >"$out" 2>"$err" & ;;
  esac
  SERVER_PID=$!
  local i
  for i in $(seq 1 300); do
    SERVER_URL=$(sed -n '1s/^listening on \(http:\/\/[^ ]*\)$/\1/p' "$out" 2>/dev/null)
    [ -n "$SERVER_URL" ] && return 0
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.1
  done
  echo "$1 did not start: $(cat "$err")" >&2
  return 1
}

stop_server() {
  kill -TERM "$SERVER_PID" 2>/dev/null
  wait "$SERVER_PID" 2>/dev/null
  rm -rf "$SERVER_DIR"
}

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }

# Peak RSS of PID while it runs, sampled every 50 ms, written to FILE.
sample_rss() {
  local pid=$1 file=$2 peak=0 r
  while kill -0 "$pid" 2>/dev/null; do
    r=$(rss_kb "$pid")
    [ "${r:-0}" -gt "$peak" ] && { peak=$r; echo "$peak" >"$file.tmp" && mv "$file.tmp" "$file"; }
    sleep 0.05
  done
}

# run_case KIND LABEL SCENARIO [BENCH ARGS...]: one bench run against a fresh
# KIND server; appends the bench's JSON plus server/label/CPU/RSS to RESULTS.
run_case() {
  local kind=$1 label=$2 scenario=$3; shift 3
  if ! has_scenario "$scenario"; then
    echo "skip $label on $kind: $BENCH has no scenario '$scenario'" >&2; return 0
  fi
  server_available "$kind" || { echo "skip $label: no $kind here" >&2; return 0; }
  start_server "$kind" || return 0
  local args=(--scenario "$scenario" --url "$SERVER_URL" "$@")
  has_flag --pid && args+=(--pid "$SERVER_PID")
  sleep 0.3  # let the server settle before its "before" RSS
  local rss0 cpu0 cpu1 rc=0 peakf="$SERVER_DIR/peak" sampler
  rss0=$(rss_kb "$SERVER_PID"); cpu0=$(cpu_ticks "$SERVER_PID"); echo "$rss0" >"$peakf"
  sample_rss "$SERVER_PID" "$peakf" & sampler=$!
  echo "== $label on $kind: ${args[*]}" >&2
  nice -n 0 "$BENCH" "${args[@]}" >"$SERVER_DIR/bench.json" 2>"$SERVER_DIR/bench.err" || rc=$?
  cpu1=$(cpu_ticks "$SERVER_PID")
  kill "$sampler" 2>/dev/null; wait "$sampler" 2>/dev/null
  python3 "$(dirname "${BASH_SOURCE[0]}")/merge_result.py" "$SERVER_DIR/bench.json" \
    "$SERVER_DIR/bench.err" "$kind" "$label" "$rc" "$(( cpu1 - cpu0 ))" "$CLK_TCK" "$rss0" \
    "$(cat "$peakf" 2>/dev/null || echo "$rss0")" "${args[*]}" >>"$RESULTS"
  stop_server
}
