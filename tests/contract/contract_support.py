# SPDX-License-Identifier: MIT
"""Shared pieces of the contract tests (ctest label "contract").

Starts the real sensorhubd, talks to it over real sockets (HTTP/1.1, a
minimal RFC 6455 WebSocket client, Server-Sent Events) and validates what it
says against docs/schemas with Debian's python3-jsonschema. Standard library
plus jsonschema only; never touches the network beyond 127.0.0.1.
"""

import base64
import http.client
import json
import os
import pathlib
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

SKIP = 77
TIMEOUT = 30.0  # generous: 2 loaded cores, sanitizer builds

try:
    import jsonschema
except ImportError:  # the only reason to skip
    print("SKIP: python3-jsonschema is not installed (apt-get install python3-jsonschema)")
    sys.exit(SKIP)


class Schemas:
    """docs/schemas/*.json, resolved locally by $id (no network)."""

    def __init__(self, docs_dir):
        self.dir = pathlib.Path(docs_dir) / "schemas"
        self.store = {}
        self.by_name = {}
        for path in sorted(self.dir.glob("*.json")):
            doc = json.loads(path.read_text())
            jsonschema.Draft202012Validator.check_schema(doc)
            self.store[doc["$id"]] = doc
            self.by_name[path.stem] = doc
        self.used = set()

    def validate(self, name, instance, what=""):
        schema = self.by_name[name]
        resolver = jsonschema.RefResolver(schema["$id"], schema, store=self.store)
        validator = jsonschema.Draft202012Validator(schema, resolver=resolver)
        errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.path))
        if errors:
            detail = "; ".join(f"{list(e.path)}: {e.message}" for e in errors[:5])
            raise AssertionError(f"{what or name}: does not match {name}.json: {detail}\n"
                                 f"instance: {json.dumps(instance)[:2000]}")
        self.used.add(name)


class Daemon:
    """The real sensorhubd on --port 0 with a temporary database."""

    def __init__(self, binary, flags=(), config=None, tokens=()):
        self.dir = tempfile.TemporaryDirectory(prefix="sensorhub-contract-")
        self.db = os.path.join(self.dir.name, "contract.db")
        self.binary = binary
        self.tokens = {}
        for name, scopes, where in tokens:  # created before the daemon opens the DB
            argv = [binary, "token", "create", "--name", name, "--scopes", scopes, "--db", self.db]
            for w in where:
                argv += ["--where", w]
            out = subprocess.run(argv, check=True, capture_output=True, text=True, timeout=60)
            self.tokens[name] = out.stdout.strip().splitlines()[-1]
        argv = [binary, "--port", "0", "--db", self.db, *flags]
        if config is not None:
            cfg = os.path.join(self.dir.name, "config.json")
            pathlib.Path(cfg).write_text(json.dumps(config))
            argv += ["--config", cfg]
        self.out_path = os.path.join(self.dir.name, "stdout.log")
        self.err_path = os.path.join(self.dir.name, "stderr.log")
        with open(self.out_path, "wb") as out, open(self.err_path, "wb") as err:
            self.proc = subprocess.Popen(argv, stdout=out, stderr=err)
        self.port = self._wait_listening()

    def _wait_listening(self):
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            text = pathlib.Path(self.out_path).read_text(errors="replace")
            if "\n" in text:
                first = text.split("\n", 1)[0]
                if not first.startswith("listening on http://"):
                    raise RuntimeError(f"unexpected first line: {first!r}")
                return int(first.rsplit(":", 1)[1])
            if self.proc.poll() is not None:
                raise RuntimeError("sensorhubd exited: " + pathlib.Path(self.err_path).read_text())
            time.sleep(0.05)
        raise RuntimeError("sensorhubd did not print its port in time")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.dir.cleanup()


class Response:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    def json(self):
        return json.loads(self.body)


def request(port, method, path, body=None, token=None, headers=None, content_type="application/json"):
    """One HTTP/1.1 request on a fresh connection; body: str/bytes or an object (sent as JSON)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
    hdrs = dict(headers or {})
    if token:
        hdrs["Authorization"] = "Bearer " + token
    data = None
    if body is not None:
        data = body if isinstance(body, (bytes, str)) else json.dumps(body)
        if isinstance(data, str):
            data = data.encode()
        if content_type:
            hdrs.setdefault("Content-Type", content_type)
    conn.request(method, path, body=data, headers=hdrs)
    r = conn.getresponse()
    out = Response(r.status, {k.lower(): v for k, v in r.getheaders()}, r.read())
    conn.close()
    return out


def raw_request(port, head):
    """Sends a hand-written request head (for 411, 413 and the like); returns the status and body."""
    with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as s:
        s.sendall(head.encode())
        r = http.client.HTTPResponse(s)
        r.begin()
        return Response(r.status, {k.lower(): v for k, v in r.getheaders()}, r.read())


class WebSocket:
    """A minimal RFC 6455 client: handshake, masked text frames, reassembly-free reads."""

    def __init__(self, port, path, headers=None):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        key = base64.b64encode(os.urandom(16)).decode()
        lines = [f"GET {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Upgrade: websocket",
                 "Connection: Upgrade", f"Sec-WebSocket-Key: {key}", "Sec-WebSocket-Version: 13"]
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        self.buf = b""
        while b"\r\n\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed during the handshake")
            self.buf += chunk
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        self.status = int(head.split(b" ", 2)[1])
        self.headers = {}
        for line in head.split(b"\r\n")[1:]:
            k, _, v = line.decode().partition(":")
            self.headers[k.strip().lower()] = v.strip()
        self.body = b""
        if self.status != 101:  # a refused handshake: read its JSON body
            n = int(self.headers.get("content-length", "0"))
            while len(self.buf) < n:
                chunk = self.sock.recv(65536)
                if not chunk:
                    break
                self.buf += chunk
            self.body = self.buf[:n]
            self.sock.close()

    def _read(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("connection closed")
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def send_frame(self, opcode, payload):
        header = bytes([0x80 | opcode])
        n = len(payload)
        if n < 126:
            header += bytes([0x80 | n])
        elif n < 65536:
            header += bytes([0x80 | 126]) + struct.pack("!H", n)
        else:
            header += bytes([0x80 | 127]) + struct.pack("!Q", n)
        mask = os.urandom(4)
        self.sock.sendall(header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))

    def send(self, obj):
        self.send_frame(0x1, (obj if isinstance(obj, str) else json.dumps(obj)).encode())

    def recv(self):
        """The next text message as JSON (answers pings; raises on close)."""
        while True:
            b0, b1 = self._read(2)
            n = b1 & 0x7F
            if n == 126:
                n = struct.unpack("!H", self._read(2))[0]
            elif n == 127:
                n = struct.unpack("!Q", self._read(8))[0]
            payload = self._read(n)
            opcode = b0 & 0x0F
            if opcode == 0x9:
                self.send_frame(0xA, payload)
            elif opcode == 0x8:
                raise ConnectionError(f"close frame {payload[:2].hex()} {payload[2:]!r}")
            elif opcode == 0x1:
                return json.loads(payload)

    def recv_until(self, pred, what):
        deadline = time.monotonic() + TIMEOUT
        seen = []
        while time.monotonic() < deadline:
            m = self.recv()
            seen.append(m)
            if pred(m):
                return m, seen
        raise AssertionError(f"no {what} within {TIMEOUT}s; got {seen}")

    def close(self):
        try:
            self.send_frame(0x8, struct.pack("!H", 1000))
        except OSError:
            pass
        self.sock.close()


class SSE:
    """GET /api/v1/events/stream; yields (id, event, data) records."""

    def __init__(self, port, query, headers=None):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
        self.conn.request("GET", "/api/v1/events/stream" + query, headers=headers or {})
        self.resp = self.conn.getresponse()
        self.status = self.resp.status
        self.content_type = self.resp.getheader("Content-Type", "")

    def next_record(self):
        rec = {}
        while True:
            line = self.resp.readline()
            if not line:
                raise ConnectionError("stream ended")
            line = line.decode().rstrip("\r\n")
            if line == "":
                if rec:
                    return rec
                continue
            if line.startswith(":"):
                continue
            field, _, value = line.partition(":")
            rec[field] = value[1:] if value.startswith(" ") else value

    def until(self, pred, what):
        seen = []
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            rec = self.next_record()
            seen.append(rec)
            if pred(rec):
                return rec, seen
        raise AssertionError(f"no {what}; got {seen}")

    def close(self):
        self.conn.close()


def wait_for(pred, what):
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        if pred():
            return
        time.sleep(0.1)
    raise AssertionError("timed out waiting for " + what)
