#!/usr/bin/env python3
"""Benchmarks balance_exporter's /metrics against the reference exporters, on loopback only.

Usage: bench.py [--quick] [--ns 100,1000,10000] [--kinds bare,prom3] [--duration 5] [--binary PATH]
                [--peers nginx,go-static,go-promhttp] [--no-scrapers] [--no-refresh] [--refresh-n 10000] ...

Per N (accounts): writes a config of N Tencent Cloud accounts pointing at a
loopback fake upstream (fake_upstream.py), starts the exporter, waits for the
first full refresh (N x `balance_up ... 1`), captures its body, then starts
the references serving the same account count: nginx and go-static serve the
exporter's own bytes (the ceiling for "serving those bytes"), go-promhttp
renders its N x 16 gauges per scrape as client_golang does. Every peer is
driven with wrk: identity and gzip, 16 keep-alive connections and 1, with two
requests: the bare one and Prometheus 3's (PROMETHEUS3), nginx and go-static
serving the exporter's own answer to each (text 0.0.4, OpenMetrics). Then, with a short refresh interval (2 s, or N / 200 s so a
whole round of N calls fits in it under the scrapers' load: 50 s at N=10000), 50
concurrent scrapers run for 3.5 intervals while the fake upstream counts calls
per account.

Last, the refresh phase (refresh_phase): 10,000 accounts with the provider's
default limits against a fake upstream with 200 ms latency that enforces 20
calls per identity per second, scraped every 15 s for two intervals.

Reports per N: req/s, p50/p99, body bytes, server CPU us per request (utime +
stime from /proc/PID/stat over the run / requests), RSS idle and peak
(VmRSS/VmHWM), start-up time to the first served /metrics, ratios to nginx.
Every process it starts is stopped by its PID; every wait is bounded.
"""
import argparse
import json
import math
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
# The reference peers' kit (not in this repository): bench.sh, rss.sh, nginx/run.sh.
PEERS = os.environ.get("BENCH_PEERS", "")
WORK = os.environ.get("BENCH_WORK", "/tmp/balance-bench")
HZ = os.sysconf("SC_CLK_TCK")
STARTED = []  # Popen objects we started; nothing else is ever signalled


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def start(cmd, logname):
    lg = open(os.path.join(WORK, "run", logname), "wb")
    p = subprocess.Popen(cmd, stdout=lg, stderr=subprocess.STDOUT, start_new_session=True)
    STARTED.append(p)
    return p


def stop(p):
    if p.poll() is None:
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(5)
        except subprocess.TimeoutExpired:
            log(f"PID {p.pid} ignored SIGTERM; SIGKILL")
            p.kill()
            p.wait(5)
    if p in STARTED:
        STARTED.remove(p)


def stop_all():
    for p in list(STARTED):
        stop(p)


def free_port(base):
    port = base
    while True:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
                return port
            except OSError:
                port += 1


def http_get(url, headers=None, timeout=15):
    assert url.startswith("http://127.0.0.1:")
    req = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return r.status, dict(r.headers), r.read()


def wait_http(url, deadline_s, proc=None, headers=None):
    t_end = time.monotonic() + deadline_s
    while time.monotonic() < t_end:
        if proc is not None and proc.poll() is not None:
            raise SystemExit(f"process for {url} died (exit {proc.returncode})")
        try:
            status, _, _ = http_get(url, headers, timeout=2)
            if status == 200:
                return True
        except Exception:
            pass
        time.sleep(0.01)
    raise SystemExit(f"{url} not ready after {deadline_s} s")


def cpu_ticks(pid, tree=False):
    pids = [pid]
    if tree:
        out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout
        pids += [int(x) for x in out.split()]
    total = 0
    for p in pids:
        try:
            with open(f"/proc/{p}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14, 15)
        except OSError:
            pass
    return total


def rss(pid, tree=False):
    out = subprocess.run([os.path.join(PEERS, "rss.sh"), str(pid)] + (["--tree"] if tree else []),
                         capture_output=True, text=True).stdout
    kv = dict(x.split("=", 1) for x in out.split() if "=" in x)
    return int(kv.get("VmRSS_kB", 0)), int(kv.get("VmHWM_kB", 0))


# Prometheus 3's scrape request, header by header (scrape/scrape.go: acceptHeader for the default
# scrape_protocols, gzip, and the scrape timeout, 10 s being its default).
PROMETHEUS3 = [
    "Accept: application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,"
    "application/openmetrics-text;version=0.0.1;q=0.5,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,"
    "text/plain;version=0.0.4;q=0.3,*/*;q=0.2",
    "X-Prometheus-Scrape-Timeout-Seconds: 10",
]
# request kind -> header lines without the coding; the coding adds Accept-Encoding: gzip.
REQUESTS = {"bare": [], "prom3": PROMETHEUS3}


def request_headers(kind, enc):
    return REQUESTS[kind] + (["Accept-Encoding: gzip"] if enc == "gzip" else [])


def wrk_ms(text):
    m = re.match(r"([\d.]+)(us|ms|s|m)$", text)
    if not m:
        return float("nan")
    return float(m.group(1)) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[m.group(2)]


def wrk(url, seconds, conns, headers=()):
    """One bounded wrk run (1 thread, --latency, 10 s timeout, as the peers' bench.sh, which takes one
    header only): {rps, p50_ms, p99_ms, reqs, sock_err, non2xx}."""
    assert url.startswith("http://127.0.0.1:")
    args = ["wrk", "-t1", f"-c{conns}", f"-d{seconds}s", "--timeout", "10s", "--latency"]
    for h in headers:
        args += ["-H", h]
    out = subprocess.run(["timeout", "-k", "5", str(seconds + 15)] + args + [url],
                         capture_output=True, text=True).stdout
    r = {"rps": 0.0, "p50_ms": float("nan"), "p99_ms": float("nan"), "reqs": 0.0, "sock_err": 0.0, "non2xx": 0.0}
    for line in out.splitlines():
        f = line.split()
        if len(f) >= 2 and f[0] in ("50%", "99%"):
            r["p50_ms" if f[0] == "50%" else "p99_ms"] = wrk_ms(f[1])
        elif "requests in" in line:
            r["reqs"] = float(f[0])
        elif line.startswith("Requests/sec:"):
            r["rps"] = float(f[1])
        elif "Socket errors:" in line:
            r["sock_err"] = float(sum(int(x.strip(",")) for x in f[3::2]))
        elif "Non-2xx" in line:
            r["non2xx"] = float(f[-1])
    return r


def wrk_scrapers(url, seconds, conns, header):
    """wrk itself, for the scrapers phase only: at N=10000 it runs longer than bench.sh's 120 s cap.
    Returns {"reqs": requests completed}."""
    assert url.startswith("http://127.0.0.1:")
    args = ["wrk", "-t1", f"-c{conns}", f"-d{seconds}s", "--timeout", "10s", "-H", header, url]
    out = subprocess.run(args, capture_output=True, text=True, timeout=seconds + 30).stdout
    m = re.search(r"^\s*(\d+) requests in", out, re.M)
    return {"reqs": float(m.group(1)) if m else 0.0}


def write_config(path, n, upstream_port, interval, providers=None):
    accounts = [{
        "name": f"acct-{i:05d}", "provider": "tencentcloud",
        "endpoint": f"http://127.0.0.1:{upstream_port}",
        "secret_id": f"AKIDbench{i}", "secret_key": "bench-secret-key",
        "currency": "USD",
    } for i in range(n)]
    config = {
        "refresh_interval": interval, "max_stale": "2h",
        "providers": {"tencentcloud": {"requests_per_second": 5000, "max_concurrency": 64}} if providers is None else providers,
        "accounts": accounts,
    }
    with open(path, "w") as f:
        json.dump(config, f)


UP_LINE = re.compile(rb"^balance_up\{[^}]*\} 1$", re.M)


def start_exporter(binary, cfg, port, n, tag):
    t0 = time.monotonic()
    p = start([binary, f"--config.file={cfg}", f"--web.listen-address=127.0.0.1:{port}", "--log.level=warn"],
              f"exporter-{tag}.log")
    url = f"http://127.0.0.1:{port}/metrics"
    # A scrape budget of 0 (timeout 0.5 s minus the 0.5 s margin): the first
    # answer without waiting on upstreams, i.e. the process start-up alone.
    wait_http(url, 30, p, {"X-Prometheus-Scrape-Timeout-Seconds": "0.5"})
    startup = time.monotonic() - t0
    t_end = time.monotonic() + 400
    body = b""
    while time.monotonic() < t_end:
        try:
            _, _, body = http_get(url, {"X-Prometheus-Scrape-Timeout-Seconds": "10"}, timeout=60)
        except OSError as e:  # a slow first refresh of many accounts: ask again
            log(f"  waiting for the first refresh: {e}")
            continue
        if len(UP_LINE.findall(body)) >= n:
            break
        time.sleep(0.05)
    else:
        raise SystemExit(f"exporter: only {len(UP_LINE.findall(body))}/{n} accounts up after 400 s")
    full = time.monotonic() - t0
    return p, url, startup, full


def scrapers_interval(n, fake_calls_per_s):
    """The refresh interval of the scrapers phase: 2 s, or longer when the N
    accounts' calls would not fit in it at the Python fake's pace."""
    return max(2, math.ceil(n / fake_calls_per_s))


def scrapers_phase(binary, n, upstream_port, port, intervals, interval_s):
    """50 concurrent scrapers for `intervals` refresh intervals: upstream
    calls per account per interval, counted at the fake upstream."""
    seconds = max(1, round(intervals * interval_s))
    up = f"http://127.0.0.1:{upstream_port}"
    cfg = os.path.join(WORK, "run", f"bench-config-scrapers-{n}.json")
    write_config(cfg, n, upstream_port, f"{interval_s}s")
    p, url, _, _ = start_exporter(binary, cfg, port, n, f"scrapers-{n}")
    try:
        http_get(up + "/__reset")
        line = wrk_scrapers(url, seconds, 50, "X-Prometheus-Scrape-Timeout-Seconds: 10")
        # Only scrapes start refreshes: once wrk stops, no round begins, and the one the last scrapes
        # started finishes in the background. Count when the total has stopped growing.
        raw, deadline = None, time.monotonic() + 60
        while time.monotonic() < deadline:
            _, _, now = http_get(up + "/__counts")
            if raw is not None and json.loads(now)["total"] == json.loads(raw)["total"]:
                break
            raw = now
            time.sleep(1)
        raw = now
    finally:
        stop(p)
    counts = json.loads(raw)
    per = list(counts["per_account"].values()) + [0] * (n - len(counts["per_account"]))
    intervals = seconds / interval_s
    return {"scrapes": line.get("reqs", 0), "total": counts["total"], "per_interval": counts["total"] / n / intervals,
            "max_per_account": max(per), "min_per_account": min(per), "intervals": intervals, "interval_s": interval_s,
            "min_gap_s": counts.get("min_gap_s"), "max_gap_s": counts.get("max_gap_s")}


def proc_status(pid):
    """(threads, VmRSS kB) of a process."""
    with open(f"/proc/{pid}/status") as f:
        kv = dict(line.split(":", 1) for line in f if ":" in line)
    return int(kv["Threads"]), int(kv["VmRSS"].split()[0])


ROUND = re.compile(rb"^balance_exporter_refresh_round_duration_seconds (\S+)$", re.M)


def refresh_phase(args):
    """N accounts with the provider's default limits against a fake upstream that answers after
    `--refresh-latency` and, as Tencent Cloud documents, lets at most 20 calls of one identity
    (`--accounts-per-identity` accounts share one) arrive per second. One Prometheus scrapes every
    `--scrape-interval` s for `--refresh-rounds` refresh intervals: how long each round took (the
    exporter's own metric), whether any identity went over its limit, threads and memory."""
    n, interval = args.refresh_n, args.refresh_interval
    upstream_port = free_port(args.port_base + 60)
    boost = ["nice", "-n", "-10"] if os.geteuid() == 0 else []
    up = start(boost + [sys.executable, os.path.join(HERE, "fake_upstream.py"), str(upstream_port),
                        "--latency", str(args.refresh_latency), "--accounts-per-identity", str(args.accounts_per_identity),
                        "--limit-per-identity", str(args.documented_limit)], "fake-upstream-refresh.log")
    wait_http(f"http://127.0.0.1:{upstream_port}/__counts", 10, up)
    cfg = os.path.join(WORK, "run", f"bench-config-refresh-{n}.json")
    write_config(cfg, n, upstream_port, f"{interval}s", providers={})  # the provider's default limits
    port = free_port(args.port_base)
    log(f"== refresh phase: {n} accounts, {n // args.accounts_per_identity} identities, {args.refresh_latency * 1000:.0f} ms "
        f"upstream latency, refresh_interval {interval}s, {args.refresh_rounds} intervals")
    p = start([args.binary, f"--config.file={cfg}", f"--web.listen-address=127.0.0.1:{port}", "--log.level=error"],
              "exporter-refresh.log")
    url = f"http://127.0.0.1:{port}/metrics"
    result = {"n": n, "identities": n // args.accounts_per_identity, "interval_s": interval, "latency_s": args.refresh_latency,
              "limit": args.documented_limit, "rounds": [], "threads_peak": 0, "rss_peak_kB": 0}
    stop_sampling = threading.Event()

    def sample():  # threads and RSS every 0.2 s, scrapes or not
        while not stop_sampling.wait(0.2):
            try:
                threads, rss_kb = proc_status(p.pid)
            except (OSError, KeyError):
                return
            result["threads_peak"] = max(result["threads_peak"], threads)
            result["rss_peak_kB"] = max(result["rss_peak_kB"], rss_kb)

    sampler = threading.Thread(target=sample, daemon=True)
    try:
        # Ready, and idle: no scrape has started a refresh yet.
        wait_http(f"http://127.0.0.1:{port}/-/ready", 30, p)
        time.sleep(1)
        result["threads_idle"], result["rss_idle_kB"] = proc_status(p.pid)
        sampler.start()
        t0 = time.monotonic()
        t_end = t0 + args.refresh_rounds * interval
        next_scrape, body, seen = t0, b"", None
        while time.monotonic() < t_end:
            if time.monotonic() >= next_scrape:
                next_scrape += args.scrape_interval
                try:
                    _, _, body = http_get(url, {"X-Prometheus-Scrape-Timeout-Seconds": "10"}, timeout=30)
                except OSError as e:
                    log(f"  scrape failed: {e}")
                m = ROUND.search(body)
                if m and m.group(1) != seen:
                    seen = m.group(1)
                    result["rounds"].append(float(seen))
                    log(f"  t={time.monotonic() - t0:5.1f} s: a round took {float(seen):.1f} s")
            time.sleep(0.2)
        # The last round ends within the interval or not at all: wait for it, bounded.
        deadline = time.monotonic() + interval
        while time.monotonic() < deadline:
            _, _, body = http_get(url, {"X-Prometheus-Scrape-Timeout-Seconds": "0.5"}, timeout=30)
            m = ROUND.search(body)
            if m and m.group(1) != seen:
                result["rounds"].append(float(m.group(1)))
                break
            time.sleep(1)
        result["up"] = len(UP_LINE.findall(body))
        _, _, raw = http_get(f"http://127.0.0.1:{upstream_port}/__counts")
        counts = json.loads(raw)
        per = list(counts["per_account"].values()) + [0] * (n - len(counts["per_account"]))
        result.update(calls=counts["total"], throttled=counts["throttled"], max_per_identity_1s=counts["max_per_identity_1s"],
                      min_per_account=min(per), max_per_account=max(per), max_gap_s=counts["max_gap_s"])
    finally:
        stop_sampling.set()
        stop(p)
        stop(up)
    log(f"  {result}")
    return result


def measure(name, pid, url, seconds, tree, kinds, gzip_ok):
    rows = []
    for kind in kinds:
        for enc in ("identity", "gzip"):
            if enc == "gzip" and not gzip_ok:
                continue
            for conns in (16, 1):
                time.sleep(0.5)
                t0 = cpu_ticks(pid, tree)
                r = wrk(url, seconds, conns, request_headers(kind, enc))
                t1 = cpu_ticks(pid, tree)
                reqs = r.get("reqs", 0)
                r.update(peer=name, kind=kind, enc=enc, conns=conns,
                         cpu_us=((t1 - t0) / HZ / reqs * 1e6) if reqs else float("nan"))
                log(f"  {name:12s} {kind:5s} {enc:8s} c={conns:2d}: {r.get('rps', 0):9.1f} req/s p50 {r.get('p50_ms', 0):.3f} "
                    f"p99 {r.get('p99_ms', 0):.3f} ms cpu {r['cpu_us']:.0f} us/req errors {r.get('sock_err', 0) + r.get('non2xx', 0):.0f}")
                rows.append(r)
    return rows


def fetch(url, kind, enc):
    """(Content-Type, Content-Encoding, body) of one request of that kind."""
    headers = dict(h.split(": ", 1) for h in request_headers(kind, enc))
    _, h, b = http_get(url, headers, timeout=60)
    return h.get("Content-Type"), h.get("Content-Encoding"), b


def bench_n(args, n, upstream_port):
    base = args.port_base
    ex_port = free_port(base)
    cfg = os.path.join(WORK, "run", f"bench-config-{n}.json")
    write_config(cfg, n, upstream_port, "1h")
    log(f"== N={n}: starting the exporter")
    p, url, startup, full = start_exporter(args.binary, cfg, ex_port, n, str(n))
    log(f"  start-up to first /metrics {startup * 1000:.0f} ms; all {n} accounts up after {full:.2f} s")
    time.sleep(1)
    rss_idle, _ = rss(p.pid)
    # The static peers serve the exporter's own bytes for each request kind: the text format for the
    # bare request, OpenMetrics for Prometheus 3's.
    bodies = {}
    for kind in args.kinds:
        ctype, _, body = fetch(url, kind, "identity")
        body_file = os.path.join(WORK, "run", f"exporter-body-{n}-{kind}.txt")
        with open(body_file, "wb") as f:
            f.write(body)
        bodies[kind] = body_file
        log(f"  {kind}: {ctype}, {len(body)} bytes")
    with open(bodies[args.kinds[0]], "rb") as f:
        series = sum(1 for line in f.read().split(b"\n") if line and not line.startswith(b"#"))
    result = {"n": n, "series": series, "startup_ms": startup * 1000, "full_refresh_s": full, "peers": {}}

    # peer label -> (process, url, tree, request kinds it is measured with)
    peers = {"exporter": (p, url, False, args.kinds)}
    port = ex_port + 1
    for name in args.peers:
        for kind in (args.kinds if name in ("nginx", "go-static") else ["bare"]):
            port = free_port(port + 1)
            if name == "nginx":
                q = start([os.path.join(PEERS, "nginx", "run.sh"), bodies[kind], str(port)], f"nginx-{port}.log")
                tree = True
            elif name == "go-static":
                q = start([os.path.join(WORK, "bin", "go-peer"), "-listen", f"127.0.0.1:{port}", "-static", bodies[kind]],
                          f"go-static-{port}.log")
                tree = False
            elif name == "go-promhttp":
                q = start([os.path.join(WORK, "bin", "go-peer"), "-listen", f"127.0.0.1:{port}", "-n", str(n)],
                          f"go-promhttp-{port}.log")
                tree = False
            else:
                raise SystemExit(f"unknown peer {name}")
            purl = f"http://127.0.0.1:{port}/metrics"
            wait_http(purl, 30, q)
            peers[name if name == "go-promhttp" else f"{name}/{kind}"] = (q, purl, tree, [kind])
    time.sleep(1)
    for label, (q, purl, tree, kinds) in peers.items():
        sizes = {}
        for kind in kinds:
            _, _, b = fetch(purl, kind, "identity")
            _, coding, gz = fetch(purl, kind, "gzip")
            sizes[kind] = (len(b), len(gz) if coding == "gzip" else None)
        idle, _ = rss(q.pid, tree)
        result["peers"][label] = {"sizes": sizes, "rss_idle_kB": idle if label != "exporter" else rss_idle}
        wrk(purl, 1, 16)  # warm-up
    for label, (q, purl, tree, kinds) in peers.items():
        peer = result["peers"][label]
        # The client library's exporter renders per scrape: at N=10000 no answer comes within wrk's timeout.
        if label == "go-promhttp" and n > args.promhttp_max_n:
            peer.update(rows=[], rss_after_kB=peer["rss_idle_kB"], rss_peak_kB=rss(q.pid, tree)[1])
            continue
        rows = measure(label, q.pid, purl, args.duration, tree, kinds, all(gz is not None for _, gz in peer["sizes"].values()))
        r, hwm = rss(q.pid, tree)
        peer.update(rows=rows, rss_after_kB=r, rss_peak_kB=hwm)
    for label, (q, _, _, _) in peers.items():
        stop(q)
    if args.scrapers and n <= args.scrapers_max_n:
        interval = scrapers_interval(n, args.fake_calls_per_second)
        log(f"  50 concurrent scrapers, refresh_interval {interval}s, {args.scrapers_intervals} intervals")
        result["scrapers"] = scrapers_phase(args.binary, n, upstream_port, free_port(base), args.scrapers_intervals, interval)
        log(f"  upstream calls: {result['scrapers']}")
    return result


def fmt(x, spec=".1f"):
    return "-" if x is None or x != x else format(x, spec)


def report(results, meta):
    out = []
    w = out.append
    w(f"Run: {meta['date']}, {meta['nproc']} cores ({meta['cpu']}), {meta['mem']}; wrk 1 thread on the same cores, "
      f"{meta['duration']} s per cell; nginx and go-static serve the exporter's own body bytes.")
    w("")
    w("Requests: bare = no header but `Accept-Encoding: gzip` for gzip; prom3 = Prometheus 3's scrape (its `Accept`, "
      "`X-Prometheus-Scrape-Timeout-Seconds: 10`, and `Accept-Encoding: gzip` for gzip). nginx/KIND and go-static/KIND "
      "serve the exporter's answer to that request kind (text 0.0.4 for bare, OpenMetrics for prom3). Ratios are to "
      "nginx for the same request kind and coding.")
    w("")
    w("| N | series | peer | request | enc | req/s c16 | x nginx | p50 / p99 ms c1 | p99 x nginx | CPU us/req c16 | x nginx CPU | body B | RSS idle / peak kB |")
    w("|---:|---:|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for res in results:
        ngx = {}
        for label, peer in res["peers"].items():
            if label.startswith("nginx/"):
                for row in peer["rows"]:
                    ngx[row["kind"], row["enc"], row["conns"]] = row
        for name, peer in res["peers"].items():
            for kind in REQUESTS:
                for enc in ("identity", "gzip"):
                    c16 = next((r for r in peer["rows"] if r["kind"] == kind and r["enc"] == enc and r["conns"] == 16), None)
                    c1 = next((r for r in peer["rows"] if r["kind"] == kind and r["enc"] == enc and r["conns"] == 1), None)
                    if not c16 or not c1:
                        continue
                    n16, n1 = ngx.get((kind, enc, 16)), ngx.get((kind, enc, 1))
                    ratio = c16["rps"] / n16["rps"] if n16 and n16["rps"] else None
                    cpur = c16["cpu_us"] / n16["cpu_us"] if n16 and n16["cpu_us"] else None
                    p99r = c1["p99_ms"] / n1["p99_ms"] if n1 and n1["p99_ms"] else None
                    plain, gz = peer["sizes"][kind]
                    body = plain if enc == "identity" else gz
                    w(f"| {res['n']} | {res['series']} | {name} | {kind} | {enc} | {fmt(c16['rps'])} | {fmt(ratio, '.2f')} | "
                      f"{fmt(c1['p50_ms'], '.3f')} / {fmt(c1['p99_ms'], '.3f')} | {fmt(p99r, '.2f')} | {fmt(c16['cpu_us'], '.0f')} | "
                      f"{fmt(cpur, '.2f')} | {body} | {peer['rss_idle_kB']} / {peer['rss_peak_kB']} |")
    w("")
    w("Idle RSS (kB, after the first full refresh, before any load): the exporter against the Go client library's exporter.")
    w("")
    w("| N | exporter | go-promhttp | ratio |")
    w("|---:|---:|---:|---:|")
    for res in results:
        ex, go = res["peers"]["exporter"]["rss_idle_kB"], res["peers"].get("go-promhttp", {}).get("rss_idle_kB")
        w(f"| {res['n']} | {ex} | {fmt(go, 'd') if go else '-'} | {fmt(ex / go, '.2f') if go else '-'} |")
    w("")
    refresh = meta.get("refresh")
    if refresh:
        w(f"Refresh phase: {refresh['n']} Tencent Cloud accounts of {refresh['identities']} owners (identities), the "
          f"provider's default limits, {refresh['latency_s'] * 1000:.0f} ms upstream latency, refresh_interval "
          f"{refresh['interval_s']} s, one scrape every {meta['scrape_interval']} s; the fake upstream lets at most "
          f"{refresh['limit']} calls of one identity arrive per second (more: RequestLimitExceeded).")
        w("")
        w("| rounds (balance_exporter_refresh_round_duration_seconds) | upstream calls | calls per account | longest time between two calls of one account | throttled | most calls of one identity in 1 s | accounts up at the end | threads idle / peak | RSS idle / peak kB |")
        w("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        w(f"| {', '.join(f'{r:.1f} s' for r in refresh['rounds'])} | {refresh.get('calls')} | "
          f"{refresh.get('min_per_account')}..{refresh.get('max_per_account')} | {fmt(refresh.get('max_gap_s'), '.1f')} s | {refresh.get('throttled')} | "
          f"{refresh.get('max_per_identity_1s')} (limit {refresh['limit']}) | {refresh.get('up')} / {refresh['n']} | "
          f"{refresh.get('threads_idle')} / {refresh['threads_peak']} | {refresh.get('rss_idle_kB')} / {refresh['rss_peak_kB']} |")
        w("")
    w("| N | exporter start-up to first /metrics | first full refresh | 50 scrapers: refresh interval | scrapes | upstream calls | calls per account per interval | per-account min..max | time between two calls of one account, shortest / longest |")
    w("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for res in results:
        s = res.get("scrapers")
        if s:
            w(f"| {res['n']} | {res['startup_ms']:.0f} ms | {res['full_refresh_s']:.2f} s | {s['interval_s']} s | {s['scrapes']:.0f} | {s['total']} | "
              f"{s['per_interval']:.3f} ({s['intervals']:.1f} intervals) | {s['min_per_account']}..{s['max_per_account']} | "
              f"{fmt(s['min_gap_s'], '.2f')} / {fmt(s['max_gap_s'], '.2f')} s |")
        else:
            w(f"| {res['n']} | {res['startup_ms']:.0f} ms | {res['full_refresh_s']:.2f} s | - | - | - | - | - | - |")
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="N=100 only")
    ap.add_argument("--ns", default="100,1000,10000")
    ap.add_argument("--kinds", default="bare,prom3", help="request kinds: bare, prom3 (Prometheus 3's)")
    ap.add_argument("--promhttp-max-n", type=int, default=1000,
                    help="go-promhttp is loaded only up to this N (its idle RSS is read at every N)")
    ap.add_argument("--duration", type=int, default=5)
    ap.add_argument("--binary", default=os.path.join(ROOT, ".build", "release", "balance_exporter"))
    ap.add_argument("--peers", default="nginx,go-static,go-promhttp")
    ap.add_argument("--no-scrapers", dest="scrapers", action="store_false")
    ap.add_argument("--scrapers-intervals", type=float, default=3.5)
    ap.add_argument("--fake-calls-per-second", type=int, default=200,
                    help="the refresh interval of the scrapers phase is max(2 s, N / this): a whole round of calls must "
                         "end well within one interval while 50 scrapers flood both cores (measured: 10,000 calls in ~15 s)")
    ap.add_argument("--scrapers-max-n", type=int, default=10000)
    ap.add_argument("--no-refresh", dest="refresh", action="store_false", help="skip the refresh phase")
    ap.add_argument("--refresh-n", type=int, default=10000)
    ap.add_argument("--refresh-interval", type=int, default=60)
    ap.add_argument("--refresh-latency", type=float, default=0.2)
    ap.add_argument("--refresh-rounds", type=float, default=2)
    ap.add_argument("--scrape-interval", type=float, default=15)
    ap.add_argument("--accounts-per-identity", type=int, default=1,
                    help="accounts that are one upstream account (several keys of one owner)")
    ap.add_argument("--documented-limit", type=int, default=20, help="Tencent Cloud's calls per second per identity")
    ap.add_argument("--port-base", type=int, default=int(os.environ.get("PORT_BASE", "19370")))
    ap.add_argument("--json", default=None, help="also write raw results here")
    args = ap.parse_args()
    args.peers = [x for x in args.peers.split(",") if x]
    args.kinds = [x for x in args.kinds.split(",") if x in REQUESTS]
    ns = [100] if args.quick else [int(x) for x in args.ns.split(",") if x]
    if not os.path.isfile(os.path.join(PEERS, "bench.sh")):
        raise SystemExit("set BENCH_PEERS to the directory of the reference peers (bench.sh, rss.sh, nginx/)")
    os.makedirs(os.path.join(WORK, "run"), exist_ok=True)
    if not os.access(args.binary, os.X_OK):
        raise SystemExit(f"no exporter binary at {args.binary}: swift build -c release")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(130))
    results = []
    try:
        upstream_port = free_port(args.port_base + 50)
        # The fake stands in for a remote API, which would not share the scrapers' CPU: as root it runs
        # at a higher priority, so 50 scrapers saturating both cores do not starve it.
        boost = ["nice", "-n", "-10"] if os.geteuid() == 0 else []
        up = start(boost + [sys.executable, os.path.join(HERE, "fake_upstream.py"), str(upstream_port)], "fake-upstream.log")
        wait_http(f"http://127.0.0.1:{upstream_port}/__counts", 10, up)
        for n in ns:
            results.append(bench_n(args, n, upstream_port))
        stop(up)
        refresh = refresh_phase(args) if args.refresh else None
    finally:
        stop_all()
    with open("/proc/meminfo") as f:
        mem = f"{int(f.readline().split()[1]) // 1024} MiB RAM"
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    meta = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "nproc": os.cpu_count(), "cpu": cpu, "mem": mem,
            "duration": args.duration, "refresh": refresh, "scrape_interval": args.scrape_interval}
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"meta": meta, "results": results}, f, indent=1)
    print(report(results, meta))


if __name__ == "__main__":
    main()
