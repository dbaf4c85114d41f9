#!/usr/bin/env python3
"""Wait until named alerts are pending or firing in a real Prometheus.

Usage: check_alerts.py PROM_URL ALERT_NAME... [--timeout SECONDS] [--interval SECONDS]

Polls `PROM_URL/api/v1/alerts` every --interval seconds (default 5) until every named alert has at
least one instance in state pending or firing, for at most --timeout seconds (default 120).
Pending counts: with `for:` durations of 5 minutes and more, proving the expression matches is
what a short check can do. An unreachable Prometheus is retried until the timeout (it may still
be starting).

Exit 0 when all were seen, 1 on timeout (naming the missing ones), 2 on bad usage.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import urllib.error
import urllib.request
from typing import Callable, Iterable

ACTIVE_STATES = ("pending", "firing")


def active_alerts(body: dict) -> dict[str, str]:
    """alertname -> its most advanced state (firing over pending), from an /api/v1/alerts body."""
    states: dict[str, str] = {}
    for alert in (body.get("data") or {}).get("alerts") or []:
        name = (alert.get("labels") or {}).get("alertname")
        state = alert.get("state")
        if name and state in ACTIVE_STATES and states.get(name) != "firing":
            states[name] = state
    return states


def fetch_alerts(base_url: str, timeout: float = 10) -> dict:
    with urllib.request.urlopen(base_url.rstrip("/") + "/api/v1/alerts", timeout=timeout) as response:
        return json.load(response)


def wait_for_alerts(fetch: Callable[[], dict], names: Iterable[str], timeout: float, interval: float,
                    now: Callable[[], float] = time.monotonic,
                    sleep: Callable[[float], None] = time.sleep,
                    log: Callable[[str], None] = print) -> tuple[dict[str, str], list[str]]:
    """Polls until every name is active or `timeout` has passed. Returns (seen states, missing)."""
    wanted = list(dict.fromkeys(names))
    deadline = now() + timeout
    seen: dict[str, str] = {}
    while True:
        try:
            states = active_alerts(fetch())
            seen = {name: states[name] for name in wanted if name in states}
        except (urllib.error.URLError, OSError, ValueError) as error:
            log(f"check_alerts: Prometheus not answering yet: {error}")
        missing = [name for name in wanted if name not in seen]
        if not missing or now() >= deadline:
            return seen, missing
        sleep(min(interval, max(0.0, deadline - now())))


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("prom_url")
    parser.add_argument("alerts", nargs="+", metavar="ALERT_NAME")
    parser.add_argument("--timeout", type=float, default=120)
    parser.add_argument("--interval", type=float, default=5)
    args = parser.parse_args(argv[1:])
    if args.timeout < 0 or args.interval <= 0:
        parser.error("--timeout must be >= 0 and --interval > 0")

    seen, missing = wait_for_alerts(lambda: fetch_alerts(args.prom_url), args.alerts,
                                    args.timeout, args.interval)
    for name, state in seen.items():
        print(f"ok    {name}: {state}")
    for name in missing:
        print(f"FAIL  {name}: neither pending nor firing after {args.timeout:g}s")
    print(f"check_alerts: {len(seen)} passed, {len(missing)} failed")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
