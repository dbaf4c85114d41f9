#!/usr/bin/env python3
"""Run check_queries.py and check_alerts.py against a real Prometheus on this machine.

Usage: live_check.py [--keep]   (run from anywhere; needs `prometheus` and `promtool` on PATH)

Proves the dashboard's queries and the alert rules against Prometheus itself, without the
exporter: everything listens on 127.0.0.1 only and is stopped at the end.
1. sample_exposition.prom (a hand-written balance_exporter /metrics page) gets its times filled
   in and is served by `python3 -m http.server`.
2. Six hours of falling balances are backfilled with `promtool tsdb create-blocks-from
   openmetrics`: the burn rate and days-left rules compare with the balance an hour ago.
3. `prometheus` scrapes the page every 2s and evaluates dashboards/alerts.yml every 2s.
4. check_queries.py must find data for every dashboard query; check_alerts.py must see the
   alerts the sample provokes pending or firing.
Exit 0 when both pass, 1 otherwise.
"""

from __future__ import annotations

import shutil
import string
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from prom_harness import (JOB, Processes, create_blocks, free_port, log_tail, prometheus_config, query,
                          start_prometheus, wait_until)

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
RULES = REPO / "dashboards" / "alerts.yml"
DASHBOARD = REPO / "dashboards" / "balance-exporter.json"
# The sample's accounts provoke these; the others need a missing target or hours of history.
EXPECTED_ALERTS = ["BalanceRefreshFailing", "BalanceDataStale", "BalanceLow", "BalancePredictedExhaustion",
                   "BalanceExhausted", "BalanceOwed", "BalanceTempCreditEnding"]
# Balances an hour and more ago, falling linearly to the sample's current values.
HISTORY = {("tencentcloud", "100000000001"): (1300.0, 1234.56),
           ("tencentcloud", "100000000002"): (-5.0, -5.0),
           ("yeastar", "2001"): (70.0, 40.0)}
HISTORY_SECONDS = 6 * 3600


def render_sample(now: int) -> str:
    template = string.Template((HERE / "sample_exposition.prom").read_text(encoding="utf-8"))
    return template.substitute(now=now, two_hours_ago=now - 7200, in_three_days=now + 3 * 86400,
                               four_days_ago=now - 4 * 86400, requests=120, cpu_seconds=3.25)


def backfill_openmetrics(now: int, instance: str) -> str:
    lines = ["# TYPE balance_available gauge"]
    start, end = now - HISTORY_SECONDS, now - 300
    for (provider, uin), (first, last) in HISTORY.items():
        for ts in range(start, end, 60):
            value = first + (last - first) * (ts - start) / (end - start)
            lines.append(f'balance_available{{job="{JOB}",instance="{instance}",provider="{provider}",'
                         f'uin="{uin}"}} {value:.4f} {ts}')
    return "\n".join(lines) + "\n# EOF\n"


def main(argv: list[str]) -> int:
    for tool in ("prometheus", "promtool"):
        if shutil.which(tool) is None:
            print(f"live_check: {tool} not found: apt-get install -y prometheus", file=sys.stderr)
            return 1
    work = Path(tempfile.mkdtemp(prefix="balance-live-check-"))
    try:
        with Processes() as processes:
            now = int(time.time())
            http_port, prom_port = free_port(), free_port()
            target = f"127.0.0.1:{http_port}"
            site, data = work / "site", work / "tsdb"
            site.mkdir()
            (site / "metrics.txt").write_text(render_sample(now), encoding="utf-8")
            (work / "backfill.om").write_text(backfill_openmetrics(now, target), encoding="utf-8")
            create_blocks(work / "backfill.om", data)
            processes.start([sys.executable, "-m", "http.server", str(http_port), "--bind", "127.0.0.1",
                             "--directory", str(site)])
            base = start_prometheus(processes, work, prometheus_config(target, RULES, "/metrics.txt"), data, prom_port)
            print(f"live_check: prometheus on {base} scraping http://{target}/metrics.txt, rules {RULES}")
            # Two scrapes (for rate and increase) and a rule evaluation after them.
            wait_until("scrapes and rules", lambda: query(base, "balance:days_left:3d")
                       and query(base, f'rate(process_cpu_seconds_total{{job="{JOB}"}}[1m])'))

            queries = subprocess.run([sys.executable, str(HERE / "check_queries.py"), base, str(DASHBOARD)])
            alerts = subprocess.run([sys.executable, str(HERE / "check_alerts.py"), base, *EXPECTED_ALERTS,
                                     "--timeout", "30", "--interval", "2"])
            failures = sum(run.returncode != 0 for run in (queries, alerts))
            print(f"live_check: {2 - failures} passed, {failures} failed")
            return 1 if failures else 0
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, TimeoutError, OSError) as error:
        print(f"live_check: {error}", file=sys.stderr)
        print(log_tail(work / "prometheus.log"), file=sys.stderr)
        return 1
    finally:
        if "--keep" in argv:
            print(f"live_check: kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
