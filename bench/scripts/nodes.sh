#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Several nodes on one PostgreSQL database (SPEC §12, docs/scaling.md), on a
# throwaway PostgreSQL 15 cluster (scripts/pg-cluster.sh), each PostgreSQL
# case on a fresh database:
#   fanout-sqlite S subscribers on one daemon on SQLite (the reference)
#   fanout-1node  three nodes; S subscribers all on node 1, writes on node 1
#   fanout-3nodes three nodes; the same S subscribers spread round-robin over
#                 nodes 1-3, writes on node 1
#   create-sqlite REST creates/s (POST /test-sensors/), one daemon on SQLite
#   create-pg     the same load on one PostgreSQL node
#   create-pg-3   the same load split over three nodes written at once
# Prints a markdown table; keeps every JSON line.
#
#   bench/scripts/nodes.sh BUILD_DIR [RESULTS.jsonl]
#
# Environment: SUBSCRIBERS (900), FANOUT_WRITERS (8), FANOUT_WRITES (1000),
# CREATE_WRITERS (15), CREATES (6000), BENCH_THREADS (2), SOURCE_ADDRESSES (4),
# ONLY (labels to run), REPEAT (1: each case this many times, in turn; the
# table shows the median and the range).
set -uo pipefail
[ $# -ge 1 ] || { sed -n '3,18p' "$0"; exit 2; }
BUILD=$(cd "$1" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
RESULTS=${2:-$BUILD/nodes-$(date -u +%Y%m%dT%H%M%SZ).jsonl}
SUBSCRIBERS=${SUBSCRIBERS:-900}
FANOUT_WRITERS=${FANOUT_WRITERS:-8}
FANOUT_WRITES=${FANOUT_WRITES:-1000}
CREATE_WRITERS=${CREATE_WRITERS:-15}
CREATES=${CREATES:-6000}
ONLY=${ONLY:-}
REPEAT=${REPEAT:-1}
# shellcheck source=lib.sh
source "$HERE/lib.sh"
PGSH="$ROOT/scripts/pg-cluster.sh"
PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
for f in "$BENCH" "$DAEMON"; do [ -x "$f" ] || { echo "nodes.sh: no $f (build it first)" >&2; exit 2; }; done
: >"$RESULTS"
echo "results: $RESULTS" >&2

WORK=$(mktemp -d /tmp/sensorhub-nodes-XXXXXX)
PGDIR=$(mktemp -d /tmp/sensorhub-nodes-pg-XXXXXX)
NODE_PIDS=()
NODE_URLS=()
cleanup() {
  stop_nodes
  "$PGSH" stop "$PGDIR" >/dev/null 2>&1
  rm -rf "$WORK"
}
trap cleanup EXIT
BASE_URI=$("$PGSH" start "$PGDIR") || { echo "nodes.sh: no PostgreSQL cluster" >&2; exit 1; }
PGPORT=$(sed -n 's|.*@127\.0\.0\.1:\([0-9]*\)/.*|\1|p' <<<"$BASE_URI")
echo "cluster: $BASE_URI" >&2

# The bench's lifted limits (no per-address cap, no rate limits).
CONFIG="$WORK/config.json"
echo '{"limits":{"max_connections_per_address":0,"write_rate_per_s":0,"message_rate_per_s":0,"max_connections":25000}}' >"$CONFIG"

wanted() { [ -z "$ONLY" ] || grep -qw -- "$1" <<<"$ONLY"; }

# fresh_db NAME: a new empty database in the cluster; prints its URI.
fresh_db() {
  "$PG_BIN/createdb" -h 127.0.0.1 -p "$PGPORT" -U sensorhub "$1" || return 1
  echo "postgresql://sensorhub@127.0.0.1:$PGPORT/$1"
}

# start_node DB NAME: a daemon on DB (a file or a URI); appends to
# NODE_PIDS/NODE_URLS once it listens and /readyz answers 200.
start_node() {
  local db=$1 name=$2 out="$WORK/$2.out" err="$WORK/$2.err" url="" i
  local node=()
  [[ $db == postgresql://* ]] && node=(--node "$name")
  "$DAEMON" --host 127.0.0.1 --port 0 --db "$db" "${node[@]}" --config "$CONFIG" \
    --test-endpoints --no-auth >"$out" 2>"$err" &
  local pid=$!
  for i in $(seq 1 600); do
    url=$(sed -n '1s/^listening on \(http:\/\/[^ ]*\)$/\1/p' "$out" 2>/dev/null)
    [ -n "$url" ] && curl -fsS "$url/readyz" >/dev/null 2>&1 && break
    kill -0 "$pid" 2>/dev/null || { echo "node $name did not start: $(cat "$err")" >&2; return 1; }
    sleep 0.1
  done
  NODE_PIDS+=("$pid")
  NODE_URLS+=("$url")
}

stop_nodes() {
  local p
  for p in "${NODE_PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
  for p in "${NODE_PIDS[@]}"; do wait "$p" 2>/dev/null; done
  NODE_PIDS=()
  NODE_URLS=()
}

# Three nodes on a fresh database named after the case.
three_nodes() {
  local uri
  uri=$(fresh_db "$1") || return 1
  start_node "$uri" "$1-1" && start_node "$uri" "$1-2" && start_node "$uri" "$1-3"
}

all_cpu_ticks() {
  local p t=0
  for p in "${NODE_PIDS[@]}"; do t=$(( t + $(cpu_ticks "$p") )); done
  echo "$t"
}

# Peak WebSocket connections per node (GET /api/v1/ws/stats every 0.5 s)
# into FILE as "n1 n2 n3".
sample_connections() {
  local file=$1; shift
  local peaks=() i c
  for i in "$@"; do peaks+=(0); done
  while :; do
    i=0
    for u in "$@"; do
      c=$(curl -fsS -m 2 "$u/api/v1/ws/stats" 2>/dev/null | jq -r '.total_connections // 0' 2>/dev/null)
      [ "${c:-0}" -gt "${peaks[$i]}" ] && peaks[i]=$c
      i=$((i + 1))
    done
    echo "${peaks[*]}" >"$file.tmp" && mv "$file.tmp" "$file"
    sleep 0.5
  done
}

# measure KIND LABEL BENCH_ARGS...: one bench run against the running nodes;
# appends its JSON line (plus CPU of all nodes, peak connections per node).
measure() {
  local kind=$1 label=$2; shift 2
  local rss0 cpu0 cpu1 rc=0 conns="$WORK/$label.conns" sampler
  rss0=$(rss_kb "${NODE_PIDS[0]}")
  cpu0=$(all_cpu_ticks)
  sample_connections "$conns" "${NODE_URLS[@]}" & sampler=$!
  echo "== $label on $kind: $*" >&2
  "$BENCH" "$@" >"$WORK/$label.json" 2>"$WORK/$label.err" || rc=$?
  cpu1=$(all_cpu_ticks)
  kill "$sampler" 2>/dev/null; wait "$sampler" 2>/dev/null
  python3 "$HERE/merge_result.py" "$WORK/$label.json" "$WORK/$label.err" "$kind" "$label" "$rc" \
    "$(( cpu1 - cpu0 ))" "$CLK_TCK" "$rss0" "$(rss_kb "${NODE_PIDS[0]}")" "$*" |
    jq -c --arg c "$(cat "$conns" 2>/dev/null)" --argjson n "${#NODE_PIDS[@]}" \
      '. + {nodes: $n, peak_connections_per_node: ($c | split(" ") | map(select(. != "") | tonumber))}' \
      >>"$RESULTS"
}

FAN=(--scenario fanout --subscribers "$SUBSCRIBERS" --writers "$FANOUT_WRITERS" --writes "$FANOUT_WRITES"
     --threads "$BENCH_THREADS" --source-addresses "$SOURCE_ADDRESSES" --connect-batch 300 --timeout 120 --check)
CREATE=(--scenario rest-create --writers "$CREATE_WRITERS" --writes "$CREATES" --writer-threads 2)
for rep in $(seq 1 "$REPEAT"); do
  if wanted fanout-sqlite; then
    start_node "$WORK/fanout-$rep.db" sqlite && measure sqlite fanout-sqlite "${FAN[@]}" --url "${NODE_URLS[0]}"
    stop_nodes
  fi
  if wanted fanout-1node; then
    three_nodes "fanout1_$rep" && measure pg fanout-1node "${FAN[@]}" --url "${NODE_URLS[0]}"
    stop_nodes
  fi
  if wanted fanout-3nodes; then
    three_nodes "fanout3_$rep" && measure pg fanout-3nodes "${FAN[@]}" --url "${NODE_URLS[0]}" \
      --subscriber-url "${NODE_URLS[0]}" --subscriber-url "${NODE_URLS[1]}" --subscriber-url "${NODE_URLS[2]}"
    stop_nodes
  fi

  if wanted create-sqlite; then
    start_node "$WORK/sqlite-$rep.db" sqlite && measure sqlite create-sqlite "${CREATE[@]}" --url "${NODE_URLS[0]}"
    stop_nodes
  fi
  if wanted create-pg; then
    uri=$(fresh_db "createpg_$rep") && start_node "$uri" createpg-1 &&
      measure pg create-pg "${CREATE[@]}" --url "${NODE_URLS[0]}"
    stop_nodes
  fi
  if wanted create-pg-3; then
    # Three bench processes at once, a third of the writers and writes each.
    if three_nodes "create3_$rep"; then
      cpu0=$(all_cpu_ticks)
      pids=()
      for i in 0 1 2; do
        "$BENCH" --scenario rest-create --writers $(( CREATE_WRITERS / 3 )) --writer-threads 1 --writes $(( CREATES / 3 )) \
          --url "${NODE_URLS[$i]}" >"$WORK/create3-$i.json" 2>"$WORK/create3-$i.err" & pids+=($!)
      done
      for p in "${pids[@]}"; do wait "$p"; done
      cpu1=$(all_cpu_ticks)
      # Creates/s of the three together: all creates over the longest run.
      jq -s -c --arg cpu "$(( cpu1 - cpu0 ))" --arg tck "$CLK_TCK" '{
          server_kind: "pg", label: "create-pg-3", scenario: "rest-create", nodes: 3,
          clients: (map(.clients) | add), ok: (map(.ok) | add), errors: (map(.errors) | add),
          elapsed_s: (map(.elapsed_s) | max),
          creates_per_s: ((map(.ok) | add) / (map(.elapsed_s) | max)),
          per_node_creates_per_s: map(.creates_per_s),
          latency_ms: {p50: (map(.latency_ms.p50) | max), p99: (map(.latency_ms.p99) | max)},
          sampled_cpu_s: (($cpu | tonumber) / ($tck | tonumber))}' \
        "$WORK"/create3-[012].json >>"$RESULTS"
    fi
    stop_nodes
  fi
done

# The table: per case the median over its runs, [min–max] when repeated.
python3 - "$RESULTS" <<'EOF'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
cases = {}
for r in rows:
    cases.setdefault(r.get("label"), []).append(r)


def agg(runs, get, fmt="%.0f"):
    vals = [v for v in (get(r) for r in runs) if isinstance(v, (int, float))]
    if not vals:
        return "—"
    m = fmt % statistics.median(vals)
    return m if len(vals) == 1 else "%s [%s–%s]" % (m, fmt % min(vals), fmt % max(vals))


def lat(k):
    return lambda x: (x.get("latency_ms") or {}).get(k)


print("| case | store | nodes | runs | subscribers established (per node) | events delivered/s "
      "| writes/s | p50 / p99 ms | missing / dup / out of order (all runs) | server CPU s |")
print("|---|---|---|---|---|---|---|---|---|---|")
for label, runs in cases.items():
    r = runs[0]
    fan = r.get("scenario") == "fanout"
    est = "%s (%s)" % (r.get("subscribers_established"),
                       "/".join(map(str, r.get("peak_connections_per_node", [])))) if fan else "—"
    if fan:
        faults = "%d / %d / %d" % tuple(sum(x.get(k) or 0 for x in runs)
                                        for k in ("missing", "duplicates", "out_of_order"))
    else:
        faults = "%d errors" % sum(x.get("errors") or 0 for x in runs)
    print("| %s | %s | %s | %d | %s | %s | %s | %s / %s | %s | %s |" % (
        label, r.get("server_kind"), r.get("nodes", 1), len(runs), est,
        agg(runs, lambda x: x.get("deliveries_per_s")) if fan else "—",
        agg(runs, lambda x: x.get("creates_per_s") or x.get("writes_per_s")),
        agg(runs, lat("p50"), "%.1f"), agg(runs, lat("p99"), "%.1f"), faults,
        agg(runs, lambda x: x.get("sampled_cpu_s"), "%.1f")))
EOF
