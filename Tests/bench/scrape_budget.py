#!/usr/bin/env python3
"""Does a scrape answer within its X-Prometheus-Scrape-Timeout-Seconds while refreshes land? Loopback only.

Usage: scrape_budget.py --binary PATH [--ns 5000,10000] [--scrapes 20] [--timeout 5]

Per N: N Tencent Cloud accounts on fake_upstream.py with a refresh interval of 2 s, so that every
scrape starts a round of calls longer than its budget: it waits until its deadline while results
keep arriving, and must then render the new data within what is left of the timeout. After the first
full refresh, one scrape as Prometheus 2 sends them (OpenMetrics Accept, gzip, the timeout header),
reported apart: the first in its format, it has no earlier rendering to fall back on; then
`--scrapes` such scrapes in a row, each timed from its connect to its last byte. Reports the slowest,
the median and how many took longer than the timeout. Times are measured, never asserted: this is a figure for
RESULTS.md, not a test. Reuses bench.py's process helpers; every process it starts is stopped by PID.
"""
import argparse
import http.client
import os
import signal
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402

PROMETHEUS_ACCEPT = ("application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,"
                     "text/plain;version=0.0.4;q=0.5,*/*;q=0.1")


def timed_scrape(port, timeout):
    started = time.monotonic()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout * 6)
    try:
        conn.request("GET", "/metrics", headers={"Accept": PROMETHEUS_ACCEPT, "Accept-Encoding": "gzip",
                                                 "X-Prometheus-Scrape-Timeout-Seconds": str(timeout)})
        response = conn.getresponse()
        body = response.read()
    finally:
        conn.close()
    return time.monotonic() - started, len(body)


def run_n(binary, n, upstream_port, port, scrapes, timeout):
    cfg = os.path.join(bench.WORK, "run", f"budget-config-{n}.json")
    bench.write_config(cfg, n, upstream_port, "2s")
    p, _, _, full = bench.start_exporter(binary, cfg, port, n, f"budget-{n}")
    try:
        bench.log(f"== N={n}: all accounts up after {full:.1f} s; {scrapes} scrapes with a {timeout} s timeout")
        # The start-up scrapes asked for text 0.0.4: the first scrape in OpenMetrics has no earlier
        # rendering of its format to fall back on, as after a restart. Not counted (reported apart).
        first, _ = timed_scrape(port, timeout)
        bench.log(f"  first OpenMetrics scrape (not counted): {first:.3f} s")
        durations = []
        for i in range(scrapes):
            seconds, size = timed_scrape(port, timeout)
            durations.append(seconds)
            bench.log(f"  scrape {i + 1:2d}: {seconds:.3f} s, {size} bytes")
    finally:
        bench.stop(p)
    return {"n": n, "max": max(durations), "median": statistics.median(durations),
            "over": sum(d > timeout for d in durations), "scrapes": scrapes, "first": first}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--ns", default="5000,10000")
    ap.add_argument("--scrapes", type=int, default=20)
    ap.add_argument("--timeout", type=float, default=5)
    ap.add_argument("--port-base", type=int, default=int(os.environ.get("PORT_BASE", "19470")))
    args = ap.parse_args()
    os.makedirs(os.path.join(bench.WORK, "run"), exist_ok=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(130))
    rows = []
    try:
        upstream_port = bench.free_port(args.port_base + 50)
        # As in bench.py: the fake stands in for a remote API, which would not share the exporter's CPU.
        boost = ["nice", "-n", "-10"] if os.geteuid() == 0 else []
        up = bench.start(boost + [sys.executable, os.path.join(bench.HERE, "fake_upstream.py"), str(upstream_port)],
                         "budget-fake-upstream.log")
        bench.wait_http(f"http://127.0.0.1:{upstream_port}/__counts", 10, up)
        for n in (int(x) for x in args.ns.split(",")):
            rows.append(run_n(args.binary, n, upstream_port, bench.free_port(args.port_base), args.scrapes, args.timeout))
    finally:
        bench.stop_all()
    print("| N | scrapes | timeout | slowest | median | over the timeout | first scrape of its format |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['n']} | {r['scrapes']} | {args.timeout:g} s | {r['max']:.3f} s | {r['median']:.3f} s | {r['over']} "
              f"| {r['first']:.3f} s |")


if __name__ == "__main__":
    main()
