#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Adds what the bench cannot see to its JSON line: which server, the label (server_kind, label),
the server's CPU and RSS sampled from /proc during the run, the load average.
Usage: merge_result.py BENCH_JSON BENCH_ERR KIND LABEL EXIT CPU_TICKS CLK_TCK RSS0_KB PEAK_KB ARGS
Prints one JSON line (also when the bench printed nothing: then with "error")."""
import json
import os
import sys

(bench_json, bench_err, kind, label, rc, ticks, clk_tck, rss0, peak, args) = sys.argv[1:11]
try:
    with open(bench_json) as f:
        line = f.read().strip()
    result = json.loads(line.splitlines()[-1]) if line else {}
except (OSError, ValueError) as e:
    result = {"error": "bench output is not JSON: %s" % e}
if not result:
    with open(bench_err, errors="replace") as f:
        result = {"error": f.read()[-2000:]}
result.update({
    "server_kind": kind,
    "label": label,
    "bench_exit": int(rc),
    "bench_args": args,
    "sampled_cpu_s": int(ticks) / int(clk_tck),
    "sampled_rss_before_kb": int(rss0),
    "sampled_rss_peak_kb": int(peak),
    "load_avg": list(os.getloadavg()),
})
print(json.dumps(result, sort_keys=True))
