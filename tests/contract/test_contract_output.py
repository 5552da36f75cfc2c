#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Real sensorhubd output against docs/schemas, docs/openapi.json (every
operation answered, not 404/405) and docs/asyncapi.json (every message kind).

usage: test_contract_output.py SENSORHUBD DOCS_DIR      (exit 77: jsonschema missing)
"""

import json
import re
import sys
import time

from contract_support import SSE, Daemon, Schemas, WebSocket, raw_request, wait_for
import contract_support as cs

SENSORHUBD, DOCS = sys.argv[1], sys.argv[2]
schemas = Schemas(DOCS)
openapi = json.load(open(f"{DOCS}/openapi.json"))
exercised = {}  # (METHOD, openapi path) -> statuses seen


def template_of(path):
    bare = path.split("?", 1)[0].rstrip("/") or "/"
    for p in openapi["paths"]:
        if re.fullmatch(re.sub(r"\{[^/]+\}", "[^/]+", p), bare):
            return p
    return None


def call(method, path, status, schema=None, body=None, token=None, request_schema=None, **kw):
    """One REST call: checks the status and validates the body against the
    schema the OpenAPI operation names for it (or the error schema)."""
    if request_schema:
        schemas.validate(request_schema, body, f"request of {method} {path}")
    r = cs.request(port, method, path, body=body, token=token, **kw)
    what = f"{method} {path} -> {r.status} {r.body[:300]!r}"
    assert r.status == status, f"expected {status}: {what}"
    tpl = template_of(path)
    op = openapi["paths"][tpl].get(method.lower()) if tpl else None
    if status == 405:  # a path of openapi.json with a method it does not list
        assert tpl is not None and op is None, f"{what}: 405 on an operation openapi.json lists"
    elif tpl is not None:
        exercised.setdefault((method, tpl), set()).add(r.status)
        assert op is not None, f"{method} {tpl} is not in openapi.json"
        assert str(status) in op["responses"], f"{what}: status {status} not documented in openapi.json"
        documented = op["responses"][str(status)]
        if "$ref" in documented:  # the shared error responses
            documented = openapi["components"]["responses"][documented["$ref"].rsplit("/", 1)[1]]
        named = documented.get("content", {}).get("application/json", {}).get("schema", {}).get("$ref")
        expected = "schemas/error.json" if status >= 400 else (f"schemas/{schema}.json" if schema else None)
        assert named == expected, f"{what}: openapi.json names {named}, the test validates {expected}"
    if status >= 400:
        assert r.headers.get("content-type", "").startswith("application/json"), what
        schemas.validate("error", r.json(), what)
    elif schema:
        schemas.validate(schema, r.json(), what)
        if schema.endswith("-list"):
            for item in r.json():
                schemas.validate(schema[:-5], item, what)
    return r


def ws_expect(ws, schema, what):
    m = ws.recv()
    schemas.validate(schema, m, what)
    schemas.validate("server-message", m, what)
    return m


def check_server_message(m, what):
    kind = {"entity_event": "entity-event", "system_event": "system-event", "test_event": "test-event",
            "snapshot": "snapshot", "resume_failed": "resume-failed", "stats": "ws-stats",
            "connection_established": "ws-connection-established"}[m["type"]]
    schemas.validate(kind, m, what)
    schemas.validate("server-message", m, what)


# --- daemon A: auth on, test endpoints on, a short event history -----------
tokens = [("admin", "read,write,admin", []), ("reader", "read", []), ("writer", "write", []),
          ("humid", "read,write", ["tipo=humedad"])]
d = Daemon(SENSORHUBD, ["--test-endpoints"],
           {"storage": {"retention_events": 40, "prune_interval_s": 1}, "staleness": {"vivo": 1}},
           tokens)
port = d.port
A, R, W, H = (d.tokens[n] for n in ("admin", "reader", "writer", "humid"))
try:
    # Greeting, replay of server_started, every client message and its reply.
    g = WebSocket(port, "/api/v1/ws?channel=general&since=0")
    assert g.status == 101, g.status
    ws_expect(g, "ws-connection-established", "greeting 1")
    ws_expect(g, "ws-stats", "greeting 2")
    started = ws_expect(g, "system-event", "replayed server_started")
    assert started["event"] == "server_started", started
    for msg, reply in (({"type": "ping"}, "ws-pong"), ({"type": "get_stats"}, "ws-stats"),
                       ({"type": "subscribe", "channel": "sensors", "filter": {"tipo": ["x", "y"], "event_type": "created"},
                         "conflate": False}, "ws-subscribed"),
                       ({"type": "unsubscribe", "channel": "sensors"}, "ws-unsubscribed"),
                       ({"type": "subscribe", "channel": "nope"}, "ws-error"),
                       ({"type": "launch"}, "ws-error")):
        if reply != "ws-error":
            schemas.validate("client-message", msg, "client message")
            schemas.validate("ws-client-" + msg["type"].replace("_", "-"), msg, "client message")
        g.send(msg)
        ws_expect(g, reply, f"reply to {msg}")
    g.send("{not json")
    assert ws_expect(g, "ws-error", "invalid JSON")["error"] == "invalid_json"
    g.send_frame(0x2, b"\x00\x01")
    assert ws_expect(g, "ws-error", "binary frame")["error"] == "unsupported_data"

    # Refused handshakes carry the error body.
    for path, status in (("/api/v1/ws?channel=bogus", 400), ("/api/v1/ws?since=-1", 400),
                         ("/api/v1/ws?colour=red", 400), ("/api/v1/ws/secure?channel=sensors", 401),
                         ("/api/v1/ws/secure?token=nope", 401)):
        bad = WebSocket(port, path)
        assert bad.status == status, (path, bad.status, bad.body)
        schemas.validate("error", json.loads(bad.body), f"handshake {path}")
    call("GET", "/api/v1/ws", 400)  # a plain GET without Upgrade
    call("GET", "/api/v1/ws/secure", 401)
    call("GET", "/api/v1/ws/secure", 400, token=R)

    live = WebSocket(port, "/api/v1/ws?channel=sensors,readings")
    ws_expect(live, "ws-connection-established", "live greeting")
    ws_expect(live, "ws-stats", "live greeting")
    scoped = WebSocket(port, "/api/v1/ws/secure?channel=sensors", {"Authorization": "Bearer " + H})
    assert scoped.status == 101
    ws_expect(scoped, "ws-connection-established", "scoped greeting")
    ws_expect(scoped, "ws-stats", "scoped greeting")

    # Operations.
    call("GET", "/healthz", 200, "health")
    call("GET", "/readyz", 200, "readiness")
    m = cs.request(port, "GET", "/metrics")
    assert m.status == 200 and m.headers["content-type"].startswith("text/plain"), m.status
    exercised.setdefault(("GET", "/metrics"), set()).add(200)
    page = cs.request(port, "GET", "/")
    assert page.status == 200 and page.headers["content-type"].startswith("text/html")
    exercised.setdefault(("GET", "/"), set()).add(200)

    # Sensors and readings (and their events on `live`).
    s_body = {"tipo": "temperatura", "modelo": "DHT22", "ubicacion": "lab"}
    s = call("POST", "/api/v1/sensores/", 201, "sensor", s_body, A, "sensor-create").json()
    sid = s["id"]
    call("GET", "/api/v1/sensores?tipo=temperatura&limit=10&offset=0", 200, "sensor-list", token=R)
    call("GET", f"/api/v1/sensores/{sid}", 200, "sensor", token=R)
    call("PUT", f"/api/v1/sensores/{sid}", 200, "sensor", {"modelo": "DHT11"}, W, "sensor-update")
    call("PATCH", f"/api/v1/sensores/{sid}", 200, "sensor", {"activo": False, "ubicacion": None}, W, "sensor-update")
    r_body = {"sensor_id": sid, "valor": 21.5, "unidad": "C", "timestamp": "2025-07-20T07:34:11+02:00"}
    rd = call("POST", "/api/v1/lecturas", 201, "reading", r_body, W, "reading-create").json()
    call("GET", f"/api/v1/sensores/{sid}/lecturas?since=2025-01-01T00:00:00Z&limit=5", 200, "reading-list", token=R)
    call("GET", f"/api/v1/lecturas?sensor_id={sid}&until=2099-01-01T00:00:00Z", 200, "reading-list", token=R)
    call("GET", f"/api/v1/lecturas/{rd['id']}", 200, "reading", token=R)
    call("PUT", f"/api/v1/lecturas/{rd['id']}", 200, "reading", {"valor": 22}, W, "reading-update")
    call("PATCH", f"/api/v1/lecturas/{rd['id']}", 200, "reading", {"unidad": None}, W, "reading-update")
    batch = [{"sensor_id": sid, "valor": v} for v in (1, 2.5, -3)]
    call("POST", "/api/v1/lecturas/batch", 201, "batch-result", batch, W, "reading-batch")
    keyed = {"Idempotency-Key": "contract-1"}
    first = call("POST", "/api/v1/lecturas/batch", 201, "batch-result", batch, W, "reading-batch",
                 headers=keyed)
    again = call("POST", "/api/v1/lecturas/batch", 201, "batch-result", batch, W, "reading-batch",
                 headers=keyed)
    assert again.body == first.body, (first.body, again.body)
    call("POST", "/api/v1/lecturas/batch", 422, None, batch[:1], W, headers=keyed)
    agg = call("GET", f"/api/v1/sensores/{sid}/lecturas/agg?bucket=1d&since=2025-07-20T00:00:00Z"
                      "&until=2025-07-21T00:00:00Z", 200, "agg-buckets", token=R).json()
    assert len(agg) == 1 and agg[0]["count"] == 1, agg
    call("GET", f"/api/v1/sensores/{sid}/lecturas/agg", 200, "agg-buckets", token=R)
    call("GET", f"/api/v1/sensores/{sid}/lecturas/agg?bucket=2m", 400, token=R)
    call("GET", f"/api/v1/sensores/{sid}/lecturas/agg?bucket=1m&since=2000-01-01T00:00:00Z", 422, token=R)
    call("GET", "/api/v1/sensores/999999/lecturas/agg", 404, token=R)

    # Liveness (SPEC §13): "vivo" sensors are stale after 1 s without a reading.
    v = call("POST", "/api/v1/sensores", 201, "sensor", {"tipo": "vivo", "modelo": "L1"}, A).json()
    st = call("GET", f"/api/v1/sensores/{v['id']}/status", 200, "sensor-status", token=R).json()
    assert st == {"sensor_id": v["id"], "last_reading_at": None, "last_valor": None, "stale": False}, st
    call("POST", "/api/v1/lecturas", 201, "reading", {"sensor_id": v["id"], "valor": 1.5}, W, "reading-create")
    went_stale, _ = g.recv_until(lambda e: e.get("event") == "sensor_stale" and e["data"]["sensor_id"] == v["id"],
                                 "sensor_stale")
    check_server_message(went_stale, "sensor_stale")
    st = call("GET", f"/api/v1/sensores/{v['id']}/status", 200, "sensor-status", token=R).json()
    assert st["stale"] is True and st["last_valor"] == 1.5, st
    assert went_stale["data"] == {"sensor_id": v["id"], "tipo": "vivo", "last_reading_at": st["last_reading_at"]}
    ahead = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 600))
    call("POST", "/api/v1/lecturas", 201, "reading", {"sensor_id": v["id"], "valor": 2, "timestamp": ahead}, W,
         "reading-create")
    fresh, _ = g.recv_until(lambda e: e.get("event") == "sensor_fresh" and e["data"]["sensor_id"] == v["id"],
                            "sensor_fresh")
    check_server_message(fresh, "sensor_fresh")
    assert fresh["seq"] > went_stale["seq"], (went_stale, fresh)
    call("GET", "/api/v1/sensores/999999/status", 404, token=R)
    call("GET", "/api/v1/sensores/abc/status", 400, token=R)
    call("DELETE", f"/api/v1/lecturas/{rd['id']}", 204, token=W)

    # A data-scoped token: created inside its scope, moved out and back in.
    hs = call("POST", "/api/v1/sensores", 201, "sensor", {"tipo": "humedad", "modelo": "H1"}, H).json()
    call("POST", "/api/v1/sensores", 403, body={"tipo": "temperatura", "modelo": "T"}, token=H)
    call("GET", f"/api/v1/sensores/{sid}", 404, token=H)
    call("PATCH", f"/api/v1/sensores/{hs['id']}", 200, "sensor", {"tipo": "viento"}, A)
    call("PATCH", f"/api/v1/sensores/{hs['id']}", 200, "sensor", {"tipo": "humedad"}, A)
    seen_types = set()
    while not seen_types >= {"created", "scope_left", "scope_entered"}:
        ev = scoped.recv()
        check_server_message(ev, "scoped event")
        seen_types.add(ev["event_type"])
    call("DELETE", f"/api/v1/sensores/{sid}", 204, token=W)
    deleted, events = live.recv_until(lambda e: e.get("event_type") == "deleted" and e["entity_type"] == "sensor",
                                      "sensor deleted event")
    for ev in events:
        check_server_message(ev, "live event")
    kinds = {(e["entity_type"], e["event_type"]) for e in events}
    assert kinds >= {("sensor", t) for t in ("created", "updated", "deleted")} | {
        ("lectura", t) for t in ("created", "updated", "deleted")}, kinds

    # Test endpoints: no token.
    t = call("POST", "/api/v1/test-sensors", 201, "sensor", {"tipo": "t", "modelo": "m"}).json()
    call("GET", "/api/v1/test-sensors/", 200, "sensor-list")
    call("GET", f"/api/v1/test-sensors/{t['id']}", 200, "sensor")
    call("PUT", f"/api/v1/test-sensors/{t['id']}", 200, "sensor", {"tipo": "u"})
    call("PATCH", f"/api/v1/test-sensors/{t['id']}", 200, "sensor", {"tipo": "v"})
    call("GET", f"/api/v1/test-sensors/{t['id']}/lecturas", 200, "reading-list")
    call("GET", f"/api/v1/test-sensors/{t['id']}/lecturas/agg?bucket=5m", 200, "agg-buckets")
    call("GET", f"/api/v1/test-sensors/{t['id']}/status", 200, "sensor-status")
    call("DELETE", f"/api/v1/test-sensors/{t['id']}", 204)

    # Stats and test events (open with --test-endpoints).
    call("GET", "/api/v1/ws/stats", 200, "stats")
    call("GET", "/api/v1/ws/stats/readings", 200, "channel-stats")
    call("GET", "/api/v1/ws/stats/bogus", 404)
    te = {"channel": "general", "message": "hello", "data": {"k": [1, 2]}}
    call("POST", "/api/v1/ws/test-event", 200, "test-event-result", te, request_schema="test-event-request")
    got, _ = g.recv_until(lambda e: e["type"] == "test_event", "test_event")
    check_server_message(got, "test_event")
    call("POST", "/api/v1/ws/test-event", 422, None, {"channel": "nope"})

    # Event history.
    call("GET", "/api/v1/events?since=0&channel=sensors,general&limit=1000", 200, "event-list", token=R)
    call("GET", "/api/v1/events?since=abc", 400, token=R)

    # Tokens.
    call("GET", "/api/v1/tokens", 200, "token-list", token=A)
    tb = {"name": "ci", "scopes": ["read"], "where": {"tipo": ["temperatura"], "sensor_id": [3, 7]}}
    call("POST", "/api/v1/tokens", 201, "token-created", tb, A, "token-create")
    call("POST", "/api/v1/tokens", 422, None, {"name": "x", "scopes": ["root"]}, A)
    call("DELETE", "/api/v1/tokens/ci", 204, token=A)
    call("DELETE", "/api/v1/tokens/ci", 404, token=A)
    call("GET", "/api/v1/tokens", 403, token=R)

    # Errors of every kind the head or body checks produce.
    call("POST", "/api/v1/sensores", 400, body="{", token=W)
    call("GET", "/api/v1/sensores?limit=abc", 400, token=R)
    call("GET", "/api/v1/sensores/abc", 400, token=R)
    call("GET", "/api/v1/sensores?limit=5000", 422, token=R)
    call("GET", "/api/v1/sensores", 401)
    call("GET", "/api/v1/sensores", 401, token="shk_not_a_token")
    call("POST", "/api/v1/sensores", 403, body=s_body, token=R)
    call("GET", "/api/v1/lecturas/999999", 404, token=R)
    call("GET", "/api/v1/nowhere", 404, token=R)
    call("DELETE", "/api/v1/sensores", 405, token=W)
    call("POST", "/api/v1/sensores", 415, body="{}", token=W, content_type="text/plain")
    call("POST", "/api/v1/sensores", 422, None, {"tipo": "", "extra": 1}, W)
    call("POST", "/api/v1/lecturas", 422, None, {"sensor_id": 999999, "valor": 1}, W)
    call("POST", "/api/v1/lecturas/batch", 422, None, [{"sensor_id": 1, "valor": "1"}], W)
    for head, status in ((f"POST /api/v1/sensores HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {W}\r\n"
                          "Content-Type: application/json\r\nConnection: close\r\n\r\n", 411),
                         (f"POST /api/v1/sensores HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {W}\r\n"
                          "Content-Type: application/json\r\nContent-Length: 2000000\r\n\r\n", 413)):
        r = raw_request(port, head)
        assert r.status == status, (status, r.status, r.body)
        schemas.validate("error", r.json(), f"raw {status}")

    # Snapshots.
    for chan in ("sensors", "readings"):
        snap = WebSocket(port, f"/api/v1/ws?channel={chan}&snapshot=true")
        ws_expect(snap, "ws-connection-established", "snapshot greeting")
        ws_expect(snap, "ws-stats", "snapshot greeting")
        assert ws_expect(snap, "snapshot", f"{chan} snapshot")["channel"] == chan
        snap.close()

    # SSE: greeting, replay with id == seq and event == type, live test_event.
    sse = SSE(port, "?channel=sensors,general&since=0")
    assert sse.status == 200 and sse.content_type.startswith("text/event-stream"), sse.status
    for _ in range(2):
        rec = sse.next_record()
        check_server_message(json.loads(rec["data"]), "SSE greeting")
    rec, recs = sse.until(lambda r: r.get("event") == "entity_event", "SSE entity_event")
    for r in recs:
        msg = json.loads(r["data"])
        check_server_message(msg, "SSE event")
        assert r["event"] == msg["type"], r
        assert ("id" in r) == ("seq" in msg) and r.get("id", "") == str(msg.get("seq", "")), r
    call("POST", "/api/v1/ws/test-event", 200, "test-event-result", te)
    rec, _ = sse.until(lambda r: r.get("event") == "test_event", "SSE test_event")
    assert "id" not in rec
    check_server_message(json.loads(rec["data"]), "SSE test_event")
    sse.close()
    bad = cs.request(port, "GET", "/api/v1/events/stream?channel=bogus")
    assert bad.status == 400
    schemas.validate("error", bad.json(), "SSE refusal")
    exercised.setdefault(("GET", "/api/v1/events/stream"), set()).update({200, 400})

    # History truncated: resume_failed on the WebSocket and on SSE.
    call("POST", "/api/v1/lecturas/batch", 201, "batch-result",
         [{"sensor_id": hs["id"], "valor": i} for i in range(60)], W)
    wait_for(lambda: cs.request(port, "GET", "/api/v1/events?since=0&limit=1", token=R).json()[0]["seq"] > 5,
             "the prune to drop old events")
    rf = WebSocket(port, "/api/v1/ws?channel=readings&since=1")
    ws_expect(rf, "ws-connection-established", "resume greeting")
    ws_expect(rf, "ws-stats", "resume greeting")
    ws_expect(rf, "resume-failed", "resume_failed")
    rf.close()
    sse = SSE(port, "?channel=readings&since=999", {"Last-Event-ID": "1"})
    rec, _ = sse.until(lambda r: r.get("event") == "resume_failed", "SSE resume_failed")
    check_server_message(json.loads(rec["data"]), "SSE resume_failed")
    sse.close()

    # Shutdown: server_stopping on general.
    d.proc.send_signal(cs.signal.SIGTERM)
    stop, _ = g.recv_until(lambda e: e.get("event") == "server_stopping", "server_stopping")
    check_server_message(stop, "server_stopping")
finally:
    d.stop()

# --- daemon B: a tiny write rate, for 429 ----------------------------------
d = Daemon(SENSORHUBD, [], {"limits": {"write_rate_per_s": 0.01, "write_burst": 1}}, [("w", "write", [])])
port = d.port
try:
    call("POST", "/api/v1/sensores", 201, "sensor", {"tipo": "a", "modelo": "b"}, d.tokens["w"])
    r = call("POST", "/api/v1/sensores", 429, body={"tipo": "a", "modelo": "b"}, token=d.tokens["w"])
    assert "retry-after" in r.headers, r.headers
finally:
    d.stop()

# --- daemon C: a tiny backlog, for the SSE slow_consumer record ------------
d = Daemon(SENSORHUBD, ["--no-auth"], {"limits": {"backlog_bytes": 1024}})
port = d.port
try:
    reader = cs.socket.socket()
    reader.setsockopt(cs.socket.SOL_SOCKET, cs.socket.SO_RCVBUF, 4096)  # a reader that stalls
    reader.settimeout(cs.TIMEOUT)
    reader.connect(("127.0.0.1", port))
    reader.sendall(b"GET /api/v1/events/stream?channel=readings HTTP/1.1\r\nHost: x\r\n\r\n")
    readers = lambda: cs.request(port, "GET", "/api/v1/ws/stats/readings").json()["connections"]
    wait_for(lambda: readers() == 1, "the SSE stream to subscribe")
    sensor = call("POST", "/api/v1/sensores", 201, "sensor", {"tipo": "a", "modelo": "b"}).json()
    stream = b""
    for _ in range(20):  # far more than the socket buffers hold; stops once cut
        call("POST", "/api/v1/lecturas/batch", 201, "batch-result",
             [{"sensor_id": sensor["id"], "valor": i} for i in range(5000)])
        if readers() == 0:
            break
    while True:  # read what was sent, to the end of the stream
        chunk = reader.recv(1 << 20)
        if not chunk:
            break
        stream += chunk
        if re.search(rb"event: slow_consumer\r?\ndata: [^\n]*\n", stream):
            break
    reader.close()
    found = re.search(rb"event: slow_consumer\r?\ndata: ([^\r\n]*)", stream)
    assert found, f"no slow_consumer record; stream tail {stream[-300:]!r}"
    schemas.validate("sse-slow-consumer", json.loads(found.group(1)), "SSE slow_consumer")
finally:
    d.stop()

# --- every $ref of openapi.json, asyncapi.json and the schemas resolves ---
def resolve(base_file, ref):
    target, _, pointer = ref.partition("#")
    path = (base_file.parent / target) if target else base_file
    node = json.loads(path.read_text())
    for part in filter(None, pointer.split("/")):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def check_refs(base_file, node):
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            try:
                resolve(base_file, node["$ref"])
            except (OSError, KeyError, ValueError) as e:
                raise AssertionError(f"{base_file.name}: $ref {node['$ref']} does not resolve: {e!r}")
        for v in node.values():
            check_refs(base_file, v)
    elif isinstance(node, list):
        for v in node:
            check_refs(base_file, v)


docs = cs.pathlib.Path(DOCS)
for f in [docs / "openapi.json", docs / "asyncapi.json", *sorted((docs / "schemas").glob("*.json"))]:
    check_refs(f, json.loads(f.read_text()))
asyncapi = json.loads((docs / "asyncapi.json").read_text())
ws_kinds = {resolve(docs / "asyncapi.json", m["$ref"])["payload"]["$ref"]
            for m in asyncapi["channels"]["/api/v1/ws"]["subscribe"]["message"]["oneOf"]}
server_kinds = {"schemas/" + r["$ref"] for r in schemas.by_name["server-message"]["oneOf"]}
assert ws_kinds == server_kinds, f"asyncapi.json and server-message.json disagree: {ws_kinds ^ server_kinds}"

# --- coverage: every OpenAPI operation answered, every schema exercised -----
missing = []
for path, ops in openapi["paths"].items():
    for method in ops:
        seen = exercised.get((method.upper(), path), set())
        if not seen - {404, 405} and not (path.endswith("{channel}") and seen):
            missing.append(f"{method.upper()} {path} (statuses {sorted(seen)})")
assert not missing, "OpenAPI operations the daemon did not serve here: " + ", ".join(missing)
unused = set(schemas.by_name) - schemas.used - {"common", "data-scope", "channel-counters", "filter"}
assert not unused, f"schemas no real output or request was checked against: {sorted(unused)}"
print(f"contract: {len(exercised)} operations, {len(schemas.used)} schemas checked against real output")
