#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# docs/scaling.md's nginx and HAProxy configurations, taken from the page
# itself, in front of three real sensorhubd nodes on one throwaway
# PostgreSQL cluster: the configuration is accepted (nginx -t, haproxy -c,
# with a throwaway certificate), and with plain-HTTP listeners and the
# nodes as backends each proxy answers /readyz, upgrades a WebSocket that
# replays every node's server_started, streams a Server-Sent Event live
# (no buffering), and keeps taking writes after a node is killed.
#
#   tests/e2e/nodes/lb_smoke.sh SOURCE_DIR SENSORHUBD
#
# Exit 77 (skipped) without the PostgreSQL server binaries or without both
# nginx and haproxy; a proxy that is missing is skipped alone.
set -euo pipefail
SRC=$(cd "$1" && pwd)
DAEMON=$2
PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
[ -x "$PG_BIN/pg_ctl" ] || { echo "SKIPPED: no PostgreSQL server binaries"; exit 77; }
NGINX=$(command -v nginx || ls /usr/sbin/nginx 2>/dev/null || true)
HAPROXY=$(command -v haproxy || ls /usr/sbin/haproxy 2>/dev/null || true)
[ -n "$NGINX$HAPROXY" ] || { echo "SKIPPED: neither nginx nor haproxy installed"; exit 77; }

WORK=$(mktemp -d /tmp/sensorhub-lb-XXXXXX)
PGDIR="$WORK-pg"
PIDS=()
cleanup() {
  local p
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  sh "$SRC/scripts/pg-cluster.sh" stop "$PGDIR" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; for f in "$WORK"/*.err; do echo "== $f" >&2; tail -n 20 "$f" >&2; done; exit 1; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

URI=$(sh "$SRC/scripts/pg-cluster.sh" start "$PGDIR")
NODE_PORTS=()
NODE_PIDS=()
for n in a b c; do
  "$DAEMON" --host 127.0.0.1 --port 0 --db "$URI" --node "$n" --test-endpoints --no-auth \
    >"$WORK/$n.out" 2>"$WORK/$n.err" &
  PIDS+=($!)
  NODE_PIDS+=($!)
done
for n in a b c; do
  port=""
  for _ in $(seq 1 600); do
    port=$(sed -n '1s|^listening on http://127\.0\.0\.1:\([0-9]*\)$|\1|p' "$WORK/$n.out")
    [ -n "$port" ] && curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
    sleep 0.1
  done
  [ -n "$port" ] || fail "node $n did not start"
  NODE_PORTS+=("$port")
done

# The two configurations from the page: TLS files made here; for the
# functional part the listener is plain HTTP on a free port, the backends
# are the three nodes, logs and temp files go to $WORK.
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=sensors.example.com \
  -keyout "$WORK/tls.key" -out "$WORK/tls.crt" 2>/dev/null
cat "$WORK/tls.crt" "$WORK/tls.key" >"$WORK/tls.pem"
NGINX_PORT=$(free_port)
HAPROXY_PORT=$(free_port)
python3 - "$SRC/docs/scaling.md" "$WORK" "$NGINX_PORT" "$HAPROXY_PORT" "${NODE_PORTS[@]}" <<'EOF'
import re, sys
doc, work, nginx_port, haproxy_port, *nodes = sys.argv[1:]
blocks = dict(re.findall(r"```(nginx|haproxy)\n(.*?)```", open(doc).read(), re.S))
assert set(blocks) == {"nginx", "haproxy"}, "docs/scaling.md lost a configuration block"
backends = {"10.0.0.1%d:8000" % (i + 1): "127.0.0.1:" + p for i, p in enumerate(nodes)}

def nodes_in(text):
    for old, new in backends.items():
        assert old in text, old
        text = text.replace(old, new)
    return text

nginx_main = ("pid %s/nginx.pid;\nerror_log %s/nginx.err;\nevents {}\nhttp {\naccess_log off;\n"
              "client_body_temp_path %s/t1; proxy_temp_path %s/t2; fastcgi_temp_path %s/t3;\n"
              "uwsgi_temp_path %s/t4; scgi_temp_path %s/t5;\n") % ((work,) * 7)
n = blocks["nginx"]
n = n.replace("/etc/nginx/tls/sensors.pem", work + "/tls.crt").replace(
    "/etc/nginx/tls/sensors.key", work + "/tls.key")
open(work + "/nginx-tls.conf", "w").write(nginx_main + n + "}\n")
n = re.sub(r"\n *ssl_certificate(_key)? [^\n]*;", "", n)
assert "listen 443 ssl;" in n
n = nodes_in(n.replace("listen 443 ssl;", "listen 127.0.0.1:%s;" % nginx_port))
open(work + "/nginx.conf", "w").write(nginx_main + n + "}\n")

h = blocks["haproxy"]
tls_bind = "bind :443 ssl crt /etc/haproxy/tls/sensors.pem alpn http/1.1"
assert tls_bind in h
open(work + "/haproxy-tls.cfg", "w").write(h.replace("/etc/haproxy/tls/sensors.pem", work + "/tls.pem"))
h = nodes_in(h.replace(tls_bind, "bind 127.0.0.1:%s" % haproxy_port))
open(work + "/haproxy.cfg", "w").write(h)
EOF

# Python: a WebSocket through the proxy; prints the nodes of the replayed
# server_started events ("a b c").
cat >"$WORK/ws.py" <<'EOF'
import base64, json, os, socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
key = base64.b64encode(os.urandom(16)).decode()
s.sendall(("GET /api/v1/ws?channel=general&since=0 HTTP/1.1\r\nHost: sensors.example.com\r\n"
           "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
           "Sec-WebSocket-Version: 13\r\n\r\n" % key).encode())
buf = b""
while b"\r\n\r\n" not in buf:
    d = s.recv(4096)
    if not d:
        sys.exit("closed during the handshake")
    buf += d
head, buf = buf.split(b"\r\n\r\n", 1)
if not head.startswith(b"HTTP/1.1 101"):
    sys.exit("no upgrade: " + head.decode(errors="replace"))
nodes, deadline = set(), time.time() + 20
s.settimeout(0.5)
while time.time() < deadline and len(nodes) < 3:
    try:
        d = s.recv(65536)
        if not d:
            break
        buf += d
    except socket.timeout:
        pass
    while len(buf) >= 2:
        n, p = buf[1] & 0x7F, 2
        if n == 126:
            n, p = int.from_bytes(buf[2:4], "big"), 4
        elif n == 127:
            n, p = int.from_bytes(buf[2:10], "big"), 10
        if len(buf) < p + n:
            break
        m = json.loads(buf[p:p + n])
        buf = buf[p + n:]
        if m.get("type") == "system_event" and m.get("event") == "server_started":
            nodes.add(m["data"]["node"])
print(" ".join(sorted(nodes)))
EOF

post() { curl -s -o /dev/null -w '%{http_code}' -m 10 -X POST -H 'Content-Type: application/json' \
  -d '{"tipo":"lb","modelo":"smoke"}' "http://127.0.0.1:$1/api/v1/sensores/" || true; }

# check NAME PORT: readyz, WebSocket, live SSE, writes.
check() {
  local name=$1 port=$2
  [ "$(curl -s -m 10 "http://127.0.0.1:$port/readyz")" = '{"status":"ready"}' ] || fail "$name: /readyz"
  [ "$(python3 "$WORK/ws.py" "$port")" = "a b c" ] || fail "$name: WebSocket replay"
  curl -sN -m 20 "http://127.0.0.1:$port/api/v1/events/stream?channel=sensors" >"$WORK/$name.sse" 2>/dev/null &
  local sse=$!
  for _ in $(seq 1 100); do grep -q '^event: stats' "$WORK/$name.sse" && break; sleep 0.1; done
  [ "$(post "$port")" = 201 ] || fail "$name: POST"
  for _ in $(seq 1 100); do grep -q '^event: entity_event' "$WORK/$name.sse" && break; sleep 0.1; done
  kill "$sse" 2>/dev/null || true
  wait "$sse" 2>/dev/null || true
  grep -q '^event: entity_event' "$WORK/$name.sse" || fail "$name: the SSE event did not arrive live"
  echo "$name: readyz, WebSocket, live SSE, POST ok"
}

if [ -n "$NGINX" ]; then
  "$NGINX" -t -q -e "$WORK/nginx.err" -p "$WORK" -c "$WORK/nginx-tls.conf" || fail "nginx -t (TLS)"
  "$NGINX" -e "$WORK/nginx.err" -p "$WORK" -c "$WORK/nginx.conf" -g 'daemon off;' &
  PIDS+=($!)
fi
if [ -n "$HAPROXY" ]; then
  "$HAPROXY" -c -q -f "$WORK/haproxy-tls.cfg" || fail "haproxy -c (TLS)"
  "$HAPROXY" -db -f "$WORK/haproxy.cfg" >"$WORK/haproxy.err" 2>&1 &
  PIDS+=($!)
fi
sleep 1
[ -n "$NGINX" ] && check nginx "$NGINX_PORT"
[ -n "$HAPROXY" ] && check haproxy "$HAPROXY_PORT"

# A node dies: after the health checks notice, every write is taken.
kill -9 "${NODE_PIDS[0]}"
for lb in nginx haproxy; do
  if [ "$lb" = nginx ]; then [ -n "$NGINX" ] || continue; port=$NGINX_PORT; else [ -n "$HAPROXY" ] || continue; port=$HAPROXY_PORT; fi
  ok=0
  for _ in $(seq 1 300); do
    [ "$(post "$port")" = 201 ] && ok=$((ok + 1)) || ok=0
    [ "$ok" -ge 3 ] && break
    sleep 0.1
  done
  [ "$ok" -ge 3 ] || fail "$lb: writes after a node was killed"
  for _ in 1 2 3 4 5 6; do [ "$(post "$port")" = 201 ] || fail "$lb: a write failed with a node down"; done
  echo "$lb: writes go on with a node down"
done
