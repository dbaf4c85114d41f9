#!/usr/bin/env python3
"""A loopback stand-in for Tencent Cloud Billing's DescribeAccountBalance, for benchmarks only.

Usage: fake_upstream.py PORT [--tls CERT KEY] [--latency SECONDS] [--accounts-per-identity K]
                         [--limit-per-identity N]

With --tls it speaks HTTPS with that certificate chain and key (PEM):
Tests/container/verify_image.sh uses it so for the TLS of the static binary.

Every POST answers a successful DescribeAccountBalance (amounts in cents, per
https://www.tencentcloud.com/document/product/555/50284) for the account named by the SecretId in the TC3
`Authorization` header (`Credential=AKIDbench<i>/...`): the exporter config
written by bench.py gives account i the SecretId `AKIDbench<i>`, so each
account gets its own `Uin` and values. The signature is not checked.

GET /__counts answers `{"total": T, "min_gap_s": G, "max_gap_s": H, "per_account": {"<i>": n, ...}}`
(G, H: the shortest and longest time between two calls for one account) and
GET /__reset zeroes the counters: bench.py counts upstream calls per account
per refresh interval with them. Listens on 127.0.0.1 only.

--latency: every answer takes that long, as a remote API's does (bench.py's refresh phase: 200 ms).
--accounts-per-identity K: accounts i with the same i // K are one upstream account (one `Uin`), as
  several keys of one account are. --limit-per-identity N: like Tencent Cloud, at most N calls of one
  identity arrive in any 1 s; more answer `RequestLimitExceeded`. /__counts then also has `identities`,
  `max_per_identity_1s` (the most calls of one identity that arrived within 1 s, throttled ones included)
  and `throttled`.
"""
import collections
import json
import re
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CREDENTIAL = re.compile(r"Credential=AKIDbench(\d+)/")
lock = threading.Lock()
counts = {}
last_call = {}
min_gap = None  # shortest time between two calls for the same account since the last reset
max_gap = None  # longest
total = 0
throttled = 0
max_per_identity_1s = 0
recent = {}  # identity -> deque of arrival times within the last second
OPTIONS = {"latency": 0.0, "accounts_per_identity": 1, "limit_per_identity": None}


def balance(i):
    uin = i // OPTIONS["accounts_per_identity"]
    h = lambda j: (i * 2654435761 + (j + 1) * 40503 * 97) % 50000000  # noqa: E731 (same spirit as gen_fixture.py)
    return {
        "Balance": h(0), "RealBalance": h(0), "CashAccountBalance": h(1), "IncomeIntoAccountBalance": 0,
        "PresentAccountBalance": h(7), "FreezeAmount": h(4) % 10000, "OweAmount": 0,
        "CreditAmount": h(2), "CreditBalance": h(3), "RealCreditBalance": h(3),
        "TempCredit": 0, "IsAllowArrears": False, "IsCreditLimited": True,
        "Uin": 600000000000 + (uin * 982451653 + 561284) % 100000000000,
        "RequestId": "bench-%d" % i,
    }


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, body, status=200):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        global total, min_gap, max_gap, throttled, max_per_identity_1s
        if self.path == "/__counts":
            with lock:
                self.reply({"total": total, "min_gap_s": min_gap, "max_gap_s": max_gap,
                            "per_account": {str(k): v for k, v in counts.items()},
                            "identities": len({k // OPTIONS["accounts_per_identity"] for k in counts}),
                            "max_per_identity_1s": max_per_identity_1s, "throttled": throttled})
        elif self.path == "/__reset":
            with lock:
                counts.clear()
                last_call.clear()
                total = 0
                min_gap = None
                max_gap = None
                throttled = 0
                max_per_identity_1s = 0
                recent.clear()
            self.reply({"ok": True})
        else:
            self.reply({"error": "not found"}, 404)

    def do_POST(self):
        global total, min_gap, max_gap, throttled, max_per_identity_1s
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        m = CREDENTIAL.search(self.headers.get("Authorization") or "")
        if not m:
            self.reply({"Response": {"Error": {"Code": "AuthFailure.SecretIdNotFound", "Message": "bench: unknown SecretId"},
                                     "RequestId": "bench"}})
            return
        i = int(m.group(1))
        if OPTIONS["latency"]:
            time.sleep(OPTIONS["latency"] / 2)  # on the way there; the other half on the way back
        now = time.monotonic()
        with lock:
            window = recent.setdefault(i // OPTIONS["accounts_per_identity"], collections.deque())
            while window and window[0] <= now - 1:
                window.popleft()
            window.append(now)
            max_per_identity_1s = max(max_per_identity_1s, len(window))
            limited = OPTIONS["limit_per_identity"] is not None and len(window) > OPTIONS["limit_per_identity"]
            if limited:
                throttled += 1
        if OPTIONS["latency"]:
            time.sleep(OPTIONS["latency"] / 2)
        if limited:
            self.reply({"Response": {"Error": {"Code": "RequestLimitExceeded", "Message": "bench: over the limit per identity"},
                                     "RequestId": "bench"}})
            return
        with lock:
            counts[i] = counts.get(i, 0) + 1
            total += 1
            if i in last_call:
                gap = now - last_call[i]
                min_gap = gap if min_gap is None else min(min_gap, gap)
                max_gap = gap if max_gap is None else max(max_gap, gap)
            last_call[i] = now
        self.reply({"Response": balance(i)})


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024

    def handle_error(self, request, client_address):
        # A client that refuses our certificate aborts the handshake: expected with --tls, not news.
        if isinstance(sys.exc_info()[1], (ssl.SSLError, ConnectionError)):
            return
        super().handle_error(request, client_address)


def main(argv):
    usage = ("usage: fake_upstream.py PORT [--tls CERT KEY] [--latency SECONDS] [--accounts-per-identity K] "
             "[--limit-per-identity N]")
    if len(argv) < 2:
        sys.exit(usage)
    args, tls = argv[2:], None
    while args:
        if args[0] == "--tls" and len(args) >= 3:
            tls, args = (args[1], args[2]), args[3:]
        elif args[0] == "--latency" and len(args) >= 2:
            OPTIONS["latency"], args = float(args[1]), args[2:]
        elif args[0] == "--accounts-per-identity" and len(args) >= 2:
            OPTIONS["accounts_per_identity"], args = max(1, int(args[1])), args[2:]
        elif args[0] == "--limit-per-identity" and len(args) >= 2:
            OPTIONS["limit_per_identity"], args = int(args[1]), args[2:]
        else:
            sys.exit(usage)
    server = Server(("127.0.0.1", int(argv[1])), Handler)
    if tls:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(*tls)
        # The handshake happens on the first read, in the request's own thread, so one client that
        # stalls or fails it does not hold up accept() for the others.
        server.socket = context.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
    server.serve_forever()


if __name__ == "__main__":
    main(sys.argv)
