#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Turns sweep.sh's JSON lines into one .dat per series (gnuplot) and one
sweep.csv with every point.  Usage: sweep_data.py SWEEP.jsonl OUT_DIR
Series, per server: deliveries-SERVER.dat (subscribers, deliveries/s),
latency-SERVER.dat (subscribers, p50, p90, p99 ms), rss-SERVER.dat
(connections, RSS MB with them, bytes per connection)."""
import json
import os
import sys

runs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
out = sys.argv[2]
os.makedirs(out, exist_ok=True)
series = {}
rows = []


def established(r):
    return r.get("established", r.get("subscribers_established", r.get("connections", 0))) or 0


for r in runs:
    kind, label = r["server_kind"], r["label"]
    what, n = label.rsplit("-", 1)
    n = int(n)
    lat = r.get("latency_ms") or {}
    if what == "deliveries":
        point = (n, r.get("deliveries_per_s", 0))
    elif what == "latency":
        point = (n, lat.get("p50", 0), lat.get("p90", 0), lat.get("p99", 0))
    else:
        after = r.get("rss_kb_after", r.get("sampled_rss_peak_kb", 0))
        before = r.get("rss_kb_before", r.get("sampled_rss_before_kb", 0))
        per = r.get("bytes_per_connection")
        if per is None and established(r):
            per = (after - before) * 1024 / established(r)
        point = (n, after / 1024, per or 0)
    series.setdefault((what, kind), []).append(point)
    rows.append([kind, what, n, established(r), r.get("deliveries_per_s", ""), lat.get("p50", ""),
                 lat.get("p99", ""), point[-1] if what == "rss" else "",
                 r.get("bench_cpu_s", ""), r.get("bench_exit", "")])

for (what, kind), points in series.items():
    with open(os.path.join(out, "%s-%s.dat" % (what, kind)), "w") as f:
        f.write("# %s, %s\n" % (kind, {"deliveries": "subscribers deliveries_per_s",
                                       "latency": "subscribers p50_ms p90_ms p99_ms",
                                       "rss": "connections rss_mb bytes_per_connection"}[what]))
        for p in sorted(points):
            f.write(" ".join("%g" % v for v in p) + "\n")
with open(os.path.join(out, "sweep.csv"), "w") as f:
    f.write("server,series,n,established,deliveries_per_s,p50_ms,p99_ms,bytes_per_connection,"
            "bench_cpu_s,bench_exit\n")
    for row in rows:
        f.write(",".join(str(v) for v in row) + "\n")
print("data: %s" % out, file=sys.stderr)
