#!/usr/bin/env python3
"""Load, faults and sampling for soak.sh (loopback only).

Drives a running balance_exporter for DURATION seconds: steady scrapes from
a few keep-alive clients (Prometheus's Accept header on half of them),
reloads (POST /-/reload and SIGHUP in turn), and client-side faults (resets
mid-request and mid-response, garbage, oversized lines, slow partial heads).
Samples VmRSS, open fds and threads of the process every 10 s, then prints
the series and one PASS/FAIL line per check (soak.sh counts them). Exit
status 0 when every check passed.
"""
import http.client
import os
import random
import signal
import socket
import struct
import sys
import threading
import time

PROMETHEUS_ACCEPT = ("application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,"
                     "text/plain;version=0.0.4;q=0.5,*/*;q=0.1")
HOST = "127.0.0.1"
SAMPLE_EVERY = 10.0


class Counters:
    def __init__(self):
        self.lock = threading.Lock()
        self.values = {}
        self.latencies = []
        self.errors = []

    def add(self, name, n=1):
        with self.lock:
            self.values[name] = self.values.get(name, 0) + n

    def latency(self, seconds):
        with self.lock:
            self.latencies.append(seconds)

    def error(self, text):
        with self.lock:
            if len(self.errors) < 20:
                self.errors.append(text)
            self.values["errors"] = self.values.get("errors", 0) + 1

    def get(self, name):
        with self.lock:
            return self.values.get(name, 0)


def process_sample(pid):
    rss_kib = threads = None
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                rss_kib = int(line.split()[1])
            elif line.startswith("Threads:"):
                threads = int(line.split()[1])
    fds = len(os.listdir(f"/proc/{pid}/fd"))
    return rss_kib, fds, threads


def scraper(port, openmetrics, rate, stop, counters):
    """One Prometheus-like client: a keep-alive connection, `rate` scrapes/s."""
    headers = {"Accept": PROMETHEUS_ACCEPT, "X-Prometheus-Scrape-Timeout-Seconds": "10"} if openmetrics else {}
    connection = None
    interval = 1.0 / rate
    next_at = time.monotonic()
    while not stop.is_set():
        next_at += interval
        try:
            if connection is None:
                connection = http.client.HTTPConnection(HOST, port, timeout=15)
            started = time.monotonic()
            connection.request("GET", "/metrics", headers=headers)
            response = connection.getresponse()
            body = response.read()
            counters.latency(time.monotonic() - started)
            ok = response.status == 200 and b"balance_up{" in body
            if openmetrics:
                ok = ok and body.endswith(b"# EOF\n")
            counters.add("scrapes_ok" if ok else "scrapes_bad")
            if not ok:
                counters.error(f"scrape answered {response.status}, {len(body)} bytes")
        except Exception as error:  # noqa: BLE001 - every failure is counted
            counters.add("scrapes_bad")
            counters.error(f"scrape failed: {error!r}")
            if connection is not None:
                connection.close()
            connection = None
        delay = next_at - time.monotonic()
        if delay > 0:
            stop.wait(delay)
        else:
            next_at = time.monotonic()
    if connection is not None:
        connection.close()


def reloader(port, pid, every, stop, counters):
    """POST /-/reload and SIGHUP in turn."""
    use_signal = False
    while not stop.wait(every):
        try:
            if use_signal:
                os.kill(pid, signal.SIGHUP)
                counters.add("reloads_sighup")
            else:
                connection = http.client.HTTPConnection(HOST, port, timeout=15)
                connection.request("POST", "/-/reload")
                response = connection.getresponse()
                response.read()
                connection.close()
                if response.status == 200:
                    counters.add("reloads_http")
                else:
                    counters.error(f"reload answered {response.status}")
        except Exception as error:  # noqa: BLE001
            counters.error(f"reload failed: {error!r}")
        use_signal = not use_signal


def raw_connection(port):
    sock = socket.create_connection((HOST, port), timeout=5)
    return sock


def reset(sock):
    """Close with SO_LINGER 0: the kernel sends RST, like a crashed client."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


def fault_reset_mid_request(port, rng):
    sock = raw_connection(port)
    sock.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\nAcc")
    reset(sock)


def fault_reset_mid_response(port, rng):
    sock = raw_connection(port)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
    sock.recv(256)
    reset(sock)


def fault_garbage(port, rng):
    sock = raw_connection(port)
    sock.sendall(bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 2048))) + b"\r\n\r\n")
    try:
        sock.recv(4096)
    except OSError:
        pass
    sock.close()


def fault_invalid_utf8(port, rng):
    sock = raw_connection(port)
    sock.sendall(b"GET /\xff\xfe HTTP/1.1\r\nHost: x\r\nX-Bad: \xc3\x28\r\n\r\n")
    try:
        sock.recv(4096)
    except OSError:
        pass
    sock.close()


def fault_oversized_line(port, rng):
    sock = raw_connection(port)
    try:
        sock.sendall(b"GET /" + b"a" * 65536 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
        sock.recv(4096)
    except OSError:
        pass
    sock.close()


def fault_connect_and_leave(port, rng):
    raw_connection(port).close()


def fault_half_head_then_close(port, rng):
    sock = raw_connection(port)
    sock.sendall(b"GET /metrics HTTP/1.1\r\n")
    time.sleep(0.2)
    sock.close()


FAULTS = [fault_reset_mid_request, fault_reset_mid_response, fault_garbage, fault_invalid_utf8,
          fault_oversized_line, fault_connect_and_leave, fault_half_head_then_close]


def faulter(port, every, stop, counters, seed):
    rng = random.Random(seed)
    while not stop.wait(every):
        fault = rng.choice(FAULTS)
        try:
            fault(port, rng)
            counters.add("faults")
        except OSError:
            counters.add("faults")  # the server cutting a hostile client short is fine


def main():
    port, pid, duration = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
    warmup = min(60.0, duration / 5)
    counters = Counters()
    stop = threading.Event()

    # Baseline: one scrape (every account fetched once), then the idle process.
    first = http.client.HTTPConnection(HOST, port, timeout=15)
    first.request("GET", "/metrics")
    first.getresponse().read()
    first.close()
    time.sleep(2)
    baseline = process_sample(pid)

    workers = [threading.Thread(target=scraper, args=(port, i % 2 == 0, 5.0, stop, counters)) for i in range(4)]
    workers.append(threading.Thread(target=reloader, args=(port, pid, 15.0, stop, counters)))
    workers.append(threading.Thread(target=faulter, args=(port, 0.25, stop, counters, 9)))
    for worker in workers:
        worker.start()

    samples = []  # (seconds since start, rss KiB, fds, threads)
    started = time.monotonic()
    alive = True
    while True:
        elapsed = time.monotonic() - started
        if elapsed >= duration:
            break
        time.sleep(min(SAMPLE_EVERY, duration - elapsed))
        try:
            rss, fds, threads = process_sample(pid)
        except FileNotFoundError:
            alive = False
            break
        samples.append((time.monotonic() - started, rss, fds, threads))
        print(f"  t={samples[-1][0]:6.0f}s rss={rss / 1024:7.1f} MiB fds={fds:4d} threads={threads:4d} "
              f"scrapes={counters.get('scrapes_ok')} faults={counters.get('faults')}", flush=True)
    stop.set()
    for worker in workers:
        worker.join()

    # Quiet period: hostile connections are closed by their deadlines (read
    # timeout 10 s by default); fds and threads must come back to baseline.
    settled = None
    deadline = time.monotonic() + 20
    while alive and time.monotonic() < deadline:
        try:
            settled = process_sample(pid)
        except FileNotFoundError:
            alive = False
            break
        if settled[1] <= baseline[1] and settled[2] <= baseline[2]:
            break
        time.sleep(0.5)

    results = []

    def check(name, ok, detail):
        results.append(ok)
        print(f"{'PASS' if ok else 'FAIL'} {name}: {detail}")

    print()
    print(f"baseline (idle, after the first scrape): rss={baseline[0] / 1024:.1f} MiB fds={baseline[1]} threads={baseline[2]}")
    if samples:
        rss = [s[1] for s in samples]
        fds = [s[2] for s in samples]
        threads = [s[3] for s in samples]
        after_warmup = next((s for s in samples if s[0] >= warmup), samples[0])
        print(f"RSS MiB: first={rss[0] / 1024:.1f} after-warm-up(t={after_warmup[0]:.0f}s)={after_warmup[1] / 1024:.1f} "
              f"last={rss[-1] / 1024:.1f} max={max(rss) / 1024:.1f}")
        print(f"fds: first={fds[0]} last={fds[-1]} max={max(fds)}   threads: first={threads[0]} last={threads[-1]} max={max(threads)}")
        growth = (rss[-1] - after_warmup[1]) / after_warmup[1]
        check("rss", growth <= 0.10, f"{growth * 100:+.1f}% from after warm-up to the end (limit +10%)")
    else:
        check("samples", False, "no sample taken")
    ok_scrapes, bad_scrapes = counters.get("scrapes_ok"), counters.get("scrapes_bad")
    latencies = sorted(counters.latencies)
    if latencies:
        p99 = latencies[int(len(latencies) * 0.99) - 1 if len(latencies) > 1 else 0]
        print(f"scrape latency: p50={latencies[len(latencies) // 2] * 1000:.1f} ms p99={p99 * 1000:.1f} ms "
              f"max={latencies[-1] * 1000:.1f} ms")
    print(f"reloads: http={counters.get('reloads_http')} sighup={counters.get('reloads_sighup')}  faults injected: {counters.get('faults')}")
    for error in counters.errors:
        print(f"  error: {error}")
    check("alive", alive, "the exporter is still running" if alive else "the exporter died")
    check("scrapes", bad_scrapes == 0 and ok_scrapes > 0, f"{ok_scrapes} answered 200, {bad_scrapes} failed")
    check("reloads", counters.get("errors") - bad_scrapes == 0, f"{counters.get('reloads_http')} POST /-/reload answered 200")
    if settled is not None:
        check("fds", settled[1] <= baseline[1], f"{settled[1]} open after the load stopped (baseline {baseline[1]})")
        check("threads", settled[2] <= baseline[2], f"{settled[2]} after the load stopped (baseline {baseline[2]})")
    sys.exit(0 if all(results) else 1)


if __name__ == "__main__":
    main()
