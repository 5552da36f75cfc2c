#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Markdown summary of compare.sh's JSON lines: each issue-9 target with
sensorhubd, Node and the ceiling side by side, the ratios, pass/fail; then
every run with the load generator's CPU.  Usage: summarize.py RESULTS.jsonl"""
import json
import sys

SERVERS = ("sensorhubd", "node", "ceiling")


def load(path):
    runs = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line:
                r = json.loads(line)
                runs[(r.get("label"), r.get("server_kind"))] = r
    return runs


def pct(r, key, p):
    v = (r or {}).get(key) or {}
    return v.get(p) if isinstance(v, dict) else None


def write_p50(r):
    return pct(r, "write_latency_ms", "p50") if r and "write_latency_ms" in r \
        else pct(r, "latency_ms", "p50")


def per_conn_bytes(r):
    if not r:
        return None
    if r.get("bytes_per_connection") is not None:
        return r["bytes_per_connection"]
    n = r.get("established") or r.get("subscribers_established") or r.get("connections")
    if not n:
        return None
    return (r["sampled_rss_peak_kb"] - r["sampled_rss_before_kb"]) * 1024 / n


def cpu_us_per_delivery(r):
    if r and r.get("server_cpu_us_per_delivery") is not None:
        return r["server_cpu_us_per_delivery"]
    if not r or not r.get("deliveries"):
        return None
    cpu = r.get("server_cpu_s") or r.get("sampled_cpu_s")
    return cpu / r["deliveries"] * 1e6 if cpu else None


def correct(r):
    return r is not None and not r.get("error") and all(
        r.get(k, 0) == 0 for k in ("missing", "duplicates", "out_of_order"))


def fmt(v, digits=1):
    if v is None:
        return "—"
    if isinstance(v, float) and abs(v) >= 1000:
        return "{:,.0f}".format(v)
    return "{:.{}f}".format(v, digits) if isinstance(v, float) else str(v)


def ratio(a, b):
    return "{:.2f}×".format(a / b) if a is not None and b else "—"


def verdict(ok):
    return "—" if ok is None else ("pass" if ok else "**FAIL**")


def rows(runs):
    get = lambda label, s: runs.get((label, s))  # noqa: E731
    out = []

    def row(name, label, metric, target, check):
        vals = {s: metric(get(label, s)) for s in SERVERS}
        sh = vals["sensorhubd"]
        ok = None if sh is None else check(sh, vals, get(label, "sensorhubd"))
        out.append([name] + [fmt(vals[s]) for s in SERVERS] +
                   [ratio(sh, vals["node"]), ratio(sh, vals["ceiling"]), target, verdict(ok)])

    row("fan-out 1,000×1,000 unpaced, deliveries/s", "fanout-unpaced",
        lambda r: r and r.get("deliveries_per_s"), "≥ 5× Node, ≥ 0.6× ceiling, 0 lost",
        lambda sh, v, r: correct(r) and (v["node"] is None or sh >= 5 * v["node"]) and
        (v["ceiling"] is None or sh >= 0.6 * v["ceiling"]))
    for label, p99_bar in (("latency-100", 10), ("latency-10", 6)):
        rate = label.split("-")[1]
        row("event p50 ms, %s writes/s × 1,000" % rate, label,
            lambda r: pct(r, "latency_ms", "p50"), "≤ 3", lambda sh, v, r: sh <= 3)
        row("event p99 ms, %s writes/s × 1,000" % rate, label,
            lambda r: pct(r, "latency_ms", "p99"), "≤ %d" % p99_bar,
            lambda sh, v, r, bar=p99_bar: sh <= bar)
    base = {s: write_p50(get("write-latency-0", s)) for s in SERVERS}
    row("REST write p50 ms, 50/s with 1,000 subscribers", "write-latency-1000", write_p50,
        "≤ 1.5× with none (%s)" % fmt(base["sensorhubd"], 2),
        lambda sh, v, r: base["sensorhubd"] is not None and sh <= 1.5 * base["sensorhubd"])
    row("REST write p50 ms, 50/s, no subscriber", "write-latency-0", write_p50, "(reference)",
        lambda sh, v, r: None)
    sizes = sorted({int(l[len("idle-rss-"):]) for l, _ in runs if l and l.startswith("idle-rss-")})
    for n in sizes or (10000, 19000):
        row("RSS bytes per idle WebSocket, %d" % n, "idle-rss-%d" % n, per_conn_bytes, "≤ 4,096",
            lambda sh, v, r: sh <= 4096)
    row("REST creates/s, 32 keep-alive clients", "rest-create",
        lambda r: r and r.get("requests_per_s"), "≥ 15,000", lambda sh, v, r: sh >= 15000)
    row("REST GET by id/s, 32 keep-alive clients", "rest-get",
        lambda r: r and r.get("requests_per_s"), "≥ 2× Node",
        lambda sh, v, r: v["node"] is not None and sh >= 2 * v["node"])
    raw = (get("ingest", "raw-sqlite") or {}).get("readings_per_s")
    row("batch ingest readings/s (raw SQLite: %s)" % fmt(raw), "ingest",
        lambda r: r and r.get("readings_per_s"), "≥ 0.7× raw, ≥ 100,000",
        lambda sh, v, r: sh >= 100000 and (raw is None or sh >= 0.7 * raw))
    row("server CPU µs per delivery, 50/s × 1,000", "cpu-50", cpu_us_per_delivery, "< Node",
        lambda sh, v, r: v["node"] is not None and sh < v["node"])
    return out


def main():
    runs = load(sys.argv[1])
    print("| target | sensorhubd | Node | ceiling | sensorhubd / Node | sensorhubd / ceiling "
          "| bar | sensorhubd |")
    print("|---|---:|---:|---:|---:|---:|---|---|")
    for r in rows(runs):
        print("| " + " | ".join(r) + " |")
    print()
    print("| run | server | exit | established | deliveries/s | req/s | p50 / p99 ms "
          "| server CPU s | bench CPU s | lost/dup/ooo |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---|")
    for (label, server), r in runs.items():
        lost = "/".join(str(r.get(k, "—")) for k in ("missing", "duplicates", "out_of_order"))
        lat = "%s / %s" % (fmt(pct(r, "latency_ms", "p50"), 2), fmt(pct(r, "latency_ms", "p99"), 2))
        print("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            label, server, r.get("bench_exit", "—"),
            fmt(r.get("subscribers_established", r.get("established"))),
            fmt(r.get("deliveries_per_s")), fmt(r.get("requests_per_s", r.get("readings_per_s"))),
            lat, fmt(r.get("server_cpu_s", r.get("sampled_cpu_s")), 2),
            fmt(r.get("bench_cpu_s"), 2), lost))


if __name__ == "__main__":
    main()
