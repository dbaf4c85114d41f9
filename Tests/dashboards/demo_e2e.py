#!/usr/bin/env python3
"""The demo, end to end: `balance_exporter --demo` scraped by a real Prometheus running the shipped
rules (their `for:` shortened), with the shipped dashboard's queries and the demo's alerts checked through Prometheus's API,
and the alerts delivered by a real Alertmanager running README.md's configuration.

Usage: demo_e2e.py [--binary PATH] [--keep]
  --binary  the built exporter (default .build/debug/balance_exporter; build it with `swift build`)
  --keep    keep the work directory (logs, prometheus.yml, alertmanager.yml, the rules' copy, the
            notifications received, backfill, TSDB) and print its path

Needs `prometheus` and `promtool` (apt-get install -y prometheus) and `prometheus-alertmanager` and
`amtool` (apt-get install -y prometheus-alertmanager) on PATH. Everything listens on 127.0.0.1 only
(Alertmanager's cluster port is off); every process started here is stopped on every path out,
SIGTERM included, and every wait is bounded (a run takes about a minute and a half on an idle
machine, most of it Alertmanager's group_wait).

The rules Prometheus runs are a copy of dashboards/alerts.yml in the work directory in which every
`for:` is shortened to SHORT_FOR (the shipped file is not touched): backfilled history does not
advance `for:` timers, so with the shipped 5 minutes to an hour nothing would fire within the run.
One duration for all also makes BalanceExhausted fire in the same evaluations as the warnings it
inhibits, not minutes before them as with the shipped durations: the inhibition is tested where it
is hardest, the inhibiting alert arriving with the others.

Steps (each a pass/fail line; a step the later ones depend on stops the run when it fails):
 1. `--demo --config.file=x` is a usage error: exit 2 and a message naming both flags.
 2. The exporter starts with --demo on a free port: /-/ready answers, the log says the data is
    simulated, and /metrics has `balance_available` for every demo account.
 3. `promtool check metrics` on that /metrics body exits 0 and prints nothing.
 4. Each account's pace is measured over two of its refreshes at least RATE_SPAN seconds apart,
    history is backfilled from it (see synthesize_history for why and what), then Prometheus
    scrapes the exporter every second and evaluates the rules' test copy every second, sending
    its alerts to Alertmanager (step B); `up` must be 1.
 5. check_queries.py: every dashboard query, with $job pinned to the job, parses and has data.
 6. check_alerts.py: BalanceLow, BalanceExhausted, BalanceOwed, BalanceTempCreditEnding and
    BalancePredictedExhaustion go pending or firing...
 7. ...for exactly the demo accounts meant to provoke them, the ones README.md's demo paragraph
    names (a rule matching every account, or the wrong one, would pass step 6 alone; a demo
    account spending too fast for its balance would fail here).
 8. BalanceRefreshFailing is caught for demo-flaky. Its upstream fails every third request and the
    exporter retries 1-2 s later, so `balance_up == 0` lasts one or two scrapes, every 12-15 s.
    With scrapes and evaluations every second an evaluation sees it and the alert goes pending
    (it needs no `for` to be pending), but only until the next evaluation: too short to poll
    /api/v1/alerts for reliably. Prometheus records every evaluation's pending and firing alerts
    in the `ALERTS` series, so the step asks that series whether the alert was pending in the last
    5 minutes, and for which accounts (only demo-flaky may appear).
Before Prometheus starts (so that it can send its first alerts): a webhook receiver is started on
127.0.0.1, README.md's alertmanager.yml is written to the work directory with the receiver's
address in place of README_WEBHOOK_BASE, and
 A. `amtool check-config` accepts it;
 B. Alertmanager runs it on 127.0.0.1 (Prometheus sends its alerts there). Then, after step 8:
 C. the notifications received name exactly the expected alerts and accounts, each routed by its
    severity to its receiver, one notification per account and receiver;
 D. every delivered alert carries its rule's labels (severity, provider, uin, job, instance) and
    its summary names the account as `provider/uin (name, currency)`;
 E. the README's inhibit rule holds for the exhausted accounts only: Alertmanager holds
    demo-arrears', demo-alibaba-arrears' and demo-volc-arrears' BalanceLow as inhibited by their BalanceExhausted, and once its group's
    group_wait has passed it has still not been delivered, while demo-cn-staging's BalanceLow and
    BalancePredictedExhaustion were (step C).
Prints `demo_e2e: N passed, N failed` last; exits 0 when nothing failed, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from alertmanager_harness import (ALERTMANAGER, AMTOOL, README_WEBHOOK_BASE, WebhookReceiver, alertmanager_alerts,
                                  longest_duration, readme_alertmanager_config, rfc3339_seconds, start_alertmanager)
from prom_harness import (JOB, TRANSIENT_ERRORS, Processes, alerts, create_blocks, fetch, free_port, log_tail,
                          prometheus_config, query, start_prometheus, wait_until)

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
RULES = REPO / "dashboards" / "alerts.yml"
DASHBOARD = REPO / "dashboards" / "balance-exporter.json"
README = REPO / "README.md"
DEFAULT_BINARY = REPO / ".build" / "debug" / "balance_exporter"

# Sources/BalanceExporter/Demo: the accounts of each provider's Demo*.swift (DemoUpstreams.upstreams).
DEMO_ACCOUNTS = ["demo-intl-prod", "demo-cn-staging", "demo-credit", "demo-arrears", "demo-flaky",
                 "demo-yeastar-eu", "demo-yeastar-us", "demo-alibaba-cn", "demo-alibaba-arrears",
                 "demo-huawei-cn", "demo-huawei-credit", "demo-volc-prod", "demo-volc-arrears"]
FLAKY_ACCOUNT = "demo-flaky"

# The synthesized past: each account's balance fell for HISTORY_HOURS to its current value at the
# pace the demo itself spends it, measured over two refreshes RATE_SPAN seconds or more apart.
HISTORY_HOURS = 12
HISTORY_STEP_SECONDS = 120
RATE_SPAN = 15

# Which demo accounts each alert must name (pending or firing), and no other: README.md's demo
# paragraph, which names them.
EXPECTED_ALERT_ACCOUNTS = {
    "BalanceLow": {"demo-cn-staging", "demo-arrears",   # under the default threshold of 100
                   "demo-alibaba-arrears", "demo-volc-arrears"},
    "BalanceExhausted": {"demo-arrears",                # balance negative
                         "demo-alibaba-arrears", "demo-volc-arrears"},
    # OweAmount, debt_amount, ArrearsBalance > 0; a negative AvailableAmount
    "BalanceOwed": {"demo-arrears", "demo-alibaba-arrears", "demo-huawei-credit", "demo-volc-arrears"},
    "BalanceTempCreditEnding": {"demo-credit"},         # one temporary credit ends within 3 days
    # Under 7 days of spending left at its own pace; never demo-arrears (<= 0).
    "BalancePredictedExhaustion": {"demo-cn-staging"},
}
REFRESH_FAILING = "BalanceRefreshFailing"

# Every `for:` of the rules' test copy (see the module's doc): long enough that demo-flaky's failures
# (a second or two each) never fire BalanceRefreshFailing, short enough to fire the rest within the run.
SHORT_FOR_SECONDS = 10
SHORT_FOR = f"{SHORT_FOR_SECONDS}s"
# Each demo alert's severity (its rule's label) and the receiver README.md's alertmanager.yml routes
# each severity to.
SEVERITY = {"BalanceLow": "warning", "BalanceExhausted": "critical", "BalanceOwed": "critical",
            "BalanceTempCreditEnding": "info", "BalancePredictedExhaustion": "warning"}
RECEIVERS = {"critical": "balance-critical", "warning": "balance-warning", "info": "balance-info"}
# The first line of each notification a person reads; {account} is `provider/uin (name, currency)`.
SUMMARIES = {
    "BalanceLow": "Low balance on {account}",
    "BalanceExhausted": "Balance exhausted on {account}",
    "BalanceOwed": "Arrears on {account}",
    "BalanceTempCreditEnding": "Temporary credit {credit} of {account} ends within 7 days",
    "BalancePredictedExhaustion": "Balance of {account} predicted to run out within 7 days",
}
# README.md's inhibit rule: while BalanceExhausted fires for an account, its BalanceLow and
# BalancePredictedExhaustion are not delivered. Of the alerts above, it silences these only.
INHIBITED = {("BalanceLow", "demo-arrears"), ("BalanceLow", "demo-alibaba-arrears"), ("BalanceLow", "demo-volc-arrears")}
INHIBITOR = "BalanceExhausted"

# Families that hold the account's balance: they fall with it in the synthesized past.
DRAINING_FAMILIES = {"balance_available", "balance_tencentcloud_balance", "balance_tencentcloud_real_balance",
                     "balance_tencentcloud_cash_account_balance", "balance_yeastar_account_balance",
                     "balance_alibabacloud_available_amount", "balance_alibabacloud_available_cash_amount",
                     "balance_volcengine_available_balance", "balance_volcengine_cash_balance"}
# Times of the last refresh: in the past they were as recent as they are now.
MOVING_TIMESTAMP_FAMILIES = {"balance_last_refresh_timestamp_seconds", "balance_last_success_timestamp_seconds"}
# The exporter process's own series: that process did not exist then.
NO_HISTORY_PREFIXES = ("process_",)

READY_TIMEOUT = 30
PACE_TIMEOUT = 60
ALERT_TIMEOUT = 45
# Past the README's group_wait (and SHORT_FOR), how long notifications may take to arrive.
NOTIFY_MARGIN = 30


@dataclass(frozen=True)
class Sample:
    name: str
    labels: dict[str, str]   # unescaped values, for lookups
    label_text: str          # as written between the braces (escapes kept), without a trailing comma
    value: float


_SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{((?:[^"}]|"(?:[^"\\]|\\.)*")*)\})?\s+(\S+)(?:\s+\S+)?\s*$')
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"')
_UNESCAPE = re.compile(r"\\(.)")


def parse_exposition(text: str) -> list[Sample]:
    """The samples of a text-format (0.0.4) or OpenMetrics body; comments and unparsable lines skipped."""
    samples = []
    for line in text.splitlines():
        match = _SAMPLE.match(line)
        if not match or line.startswith("#"):
            continue
        name, label_text, value = match.group(1), (match.group(2) or "").strip().rstrip(","), match.group(3)
        try:
            number = float(value)
        except ValueError:
            continue
        labels = {key: _UNESCAPE.sub(lambda m: "\n" if m.group(1) == "n" else m.group(1), raw)
                  for key, raw in _LABEL.findall(label_text)}
        samples.append(Sample(name, labels, label_text, number))
    return samples


def account_key(sample: Sample) -> tuple[str, str]:
    return sample.labels.get("provider", ""), sample.labels.get("uin", "")


def account_names(samples: list[Sample]) -> dict[tuple[str, str], str]:
    """(provider, uin) -> configured account name, from balance_account_info."""
    return {key: labels.get("name", "") for key, labels in account_infos(samples).items()}


def accounts_with_balance(samples: list[Sample]) -> set[str]:
    names = account_names(samples)
    return {names.get(account_key(s), "?") for s in samples if s.name == "balance_available"}


def account_infos(samples: list[Sample]) -> dict[tuple[str, str], dict[str, str]]:
    """(provider, uin) -> the labels of its balance_account_info (name, currency, ...)."""
    return {account_key(s): s.labels for s in samples if s.name == "balance_account_info"}


def account_readings(samples: list[Sample]) -> dict[tuple[str, str], tuple[float, float]]:
    """(provider, uin) -> (time of its last successful refresh, balance_available then)."""
    refreshed = {account_key(s): s.value for s in samples if s.name == "balance_last_success_timestamp_seconds"}
    return {account_key(s): (refreshed[account_key(s)], s.value)
            for s in samples if s.name == "balance_available" and account_key(s) in refreshed}


class PaceMeter:
    """How fast each account spends: balance_available fed scrape by scrape, divided by the time
    between two of the account's refreshes at least `span` seconds apart. A rise (a top-up) starts
    that account's measurement again; a balance at or under 0 spends nothing."""

    def __init__(self, span: float) -> None:
        self.span = span
        self.first: dict[tuple[str, str], tuple[float, float]] = {}
        self.per_second: dict[tuple[str, str], float] = {}

    def add(self, samples: list[Sample]) -> None:
        for key, (refreshed, value) in account_readings(samples).items():
            if key in self.per_second:
                continue
            if value <= 0:
                self.per_second[key] = 0.0
                continue
            start = self.first.setdefault(key, (refreshed, value))
            if value > start[1]:
                self.first[key] = (refreshed, value)
            elif refreshed - start[0] >= self.span:
                self.per_second[key] = (start[1] - value) / (refreshed - start[0])

    def done(self, accounts: int) -> bool:
        return len(self.per_second) >= accounts


def synthesize_history(samples: list[Sample], now: float, instance: str, per_second: dict[tuple[str, str], float],
                       hours: float = HISTORY_HOURS, step: int = HISTORY_STEP_SECONDS) -> str:
    """`hours` of past samples ending two minutes before `now`, as OpenMetrics for
    `promtool tsdb create-blocks-from openmetrics`.

    Why: the rules look back hours and days (`balance:burn_rate_per_day:3d` compares each hour with
    the one before, `offset 1h`, over `[3d:1h]`; BalancePredictedExhaustion regresses over `[3d]`),
    and a Prometheus started a minute ago has a minute of data. So before it starts, we give it a
    past built from a real scrape: every series of the demo's /metrics (but the process's own),
    labelled job/instance as Prometheus will label the live scrapes so the two join into one
    series. Balances (DRAINING_FAMILIES) were higher in the past by what the account spends at
    its measured pace, `per_second[(provider, uin)]` (PaceMeter); accounts without one stay flat.
    Times of the last refresh move with the clock; every other series keeps its current value.
    """
    end = int(now) - 120
    times = range(end - int(hours * 3600), end + 1, step)
    prefix = f'job="{JOB}",instance="{instance}"'
    lines = []
    for sample in samples:
        if sample.name.startswith(NO_HISTORY_PREFIXES):
            continue
        labels = f"{prefix},{sample.label_text}" if sample.label_text else prefix
        pace = per_second.get(account_key(sample), 0.0)
        for ts in times:
            age = now - ts
            if sample.name in DRAINING_FAMILIES:
                value = sample.value + pace * age
            elif sample.name in MOVING_TIMESTAMP_FAMILIES:
                value = sample.value - age
            else:
                value = sample.value
            lines.append(f"{sample.name}{{{labels}}} {value!r} {ts}")
    return "\n".join(lines) + "\n# EOF\n"


def alert_accounts(active: list[dict], names: dict[tuple[str, str], str]) -> dict[str, set[str]]:
    """alertname -> the account names its pending or firing instances carry."""
    found: dict[str, set[str]] = {}
    for alert in active:
        labels = alert.get("labels") or {}
        if alert.get("state") not in ("pending", "firing"):
            continue
        name = names.get((labels.get("provider", ""), labels.get("uin", "")), f"{labels.get('uin', '?')}")
        found.setdefault(labels.get("alertname", "?"), set()).add(name)
    return found


def shorten_for(rules: str, duration: str = SHORT_FOR) -> str:
    """A rule file's text with every `for:` duration replaced by `duration`; ValueError if it has none."""
    shortened, count = re.subn(r"^(\s+for:\s*)\S+", lambda m: m.group(1) + duration, rules, flags=re.MULTILINE)
    if not count:
        raise ValueError("the rules have no `for:` to shorten")
    return shortened


def expected_deliveries() -> dict[str, set[tuple[str, str]]]:
    """receiver -> the (alertname, account) pairs it must be sent: every expected alert, routed by its
    severity, but the inhibited one."""
    expected: dict[str, set[tuple[str, str]]] = {}
    for alert, accounts in EXPECTED_ALERT_ACCOUNTS.items():
        for account in accounts:
            if (alert, account) not in INHIBITED:
                expected.setdefault(RECEIVERS[SEVERITY[alert]], set()).add((alert, account))
    return expected


def firing_alerts(notifications: list[tuple[str, object]]) -> list[tuple[int, str, dict]]:
    """(notification's index, receiver, alert) for every firing alert in Alertmanager's webhook
    notifications (https://prometheus.io/docs/alerting/latest/configuration/#webhook_config), in the
    order received; what is not such a notification is skipped."""
    found = []
    for index, (_path, payload) in enumerate(notifications):
        if not isinstance(payload, dict):
            continue
        for alert in payload.get("alerts") or []:
            if isinstance(alert, dict) and alert.get("status") == "firing":
                found.append((index, str(payload.get("receiver", "?")), alert))
    return found


def alert_account(alert: dict, names: dict[tuple[str, str], str]) -> str:
    labels = alert.get("labels") or {}
    return names.get((labels.get("provider", ""), labels.get("uin", "")), labels.get("uin", "?"))


def deliveries(notifications: list[tuple[str, object]],
               names: dict[tuple[str, str], str]) -> dict[str, set[tuple[str, str]]]:
    """receiver -> the (alertname, account) of every firing alert it was sent."""
    found: dict[str, set[tuple[str, str]]] = {}
    for _, receiver, alert in firing_alerts(notifications):
        found.setdefault(receiver, set()).add(((alert.get("labels") or {}).get("alertname", "?"),
                                               alert_account(alert, names)))
    return found


def grouping_problems(notifications: list[tuple[str, object]], names: dict[tuple[str, str], str]) -> list[str]:
    """What breaks "one notification per account and receiver": a notification naming two accounts,
    or an account sent two notifications by one receiver."""
    accounts_of: dict[tuple[int, str], set[str]] = {}
    for index, receiver, alert in firing_alerts(notifications):
        accounts_of.setdefault((index, receiver), set()).add(alert_account(alert, names))
    problems = [f"notification {index} to {receiver} names {', '.join(sorted(accounts))}"
                for (index, receiver), accounts in accounts_of.items() if len(accounts) > 1]
    sent = Counter((receiver, account) for (_, receiver), accounts in accounts_of.items() for account in accounts)
    return problems + [f"{receiver} sent {count} notifications for {account}"
                       for (receiver, account), count in sorted(sent.items()) if count > 1]


def alert_problems(alert: dict, infos: dict[tuple[str, str], dict[str, str]], instance: str) -> list[str]:
    """What is wrong with one delivered alert's labels and annotations: its severity, job and instance
    labels, its summary (SUMMARIES, naming the account from balance_account_info), and a
    description that names the account and left no template unrendered."""
    labels, annotations = alert.get("labels") or {}, alert.get("annotations") or {}
    name = labels.get("alertname", "?")
    key = (labels.get("provider", ""), labels.get("uin", ""))
    info = infos.get(key)
    if name not in SUMMARIES or info is None:
        return [f"{name} for {key[0]}/{key[1]}: not a demo alert of a demo account"]
    wanted = {"severity": SEVERITY[name], "job": JOB, "instance": instance}
    problems = [f"{key_} {labels.get(key_)!r}, expected {value!r}" for key_, value in wanted.items()
                if labels.get(key_) != value]
    account = f"{key[0]}/{key[1]} ({info.get('name')}, {info.get('currency')})"
    summary = SUMMARIES[name].format(account=account, uin=key[1], name=info.get("name"),
                                     currency=info.get("currency"), credit=labels.get("credit", ""))
    if annotations.get("summary") != summary:
        problems.append(f"summary {annotations.get('summary')!r}, expected {summary!r}")
    description = annotations.get("description", "")
    if info.get("name", "") not in description or "<no value>" in description or "{{" in description:
        problems.append(f"description {description!r}")
    return [f"{name} for {info.get('name')}: {problem}" for problem in problems]


class Report:
    """Pass/fail lines and the final count."""

    def __init__(self) -> None:
        self.passed = self.failed = 0

    def check(self, name: str, ok: bool, detail: str = "") -> bool:
        if ok:
            self.passed += 1
            print(f"ok    {name}" + (f": {detail}" if detail else ""), flush=True)
        else:
            self.failed += 1
            print(f"FAIL  {name}" + (f": {detail}" if detail else ""), flush=True)
        return ok


class StepFailed(Exception):
    """A step the later ones need failed (already reported)."""


def check_usage_error(report: Report, binary: Path) -> None:
    name = "--demo --config.file=x is a usage error"
    try:
        run = subprocess.run([str(binary), "--demo", "--config.file=x"], capture_output=True, text=True, timeout=10)
    except subprocess.TimeoutExpired:
        report.check(name, False, "still running after 10s")
        return
    output = run.stdout + run.stderr
    first = next((line for line in output.splitlines() if line.strip()), "")
    report.check(name, run.returncode == 2
                 and "--demo" in output and "--config.file" in output and "cannot" in output,
                 f"exit {run.returncode}, {first!r}")


def start_demo(report: Report, processes: Processes, binary: Path, work: Path, port: int) -> str:
    """Starts the demo exporter; returns the first /metrics body with every account's balance."""
    log = work / "exporter.log"
    exporter = processes.start([str(binary), "--demo", f"--web.listen-address=127.0.0.1:{port}"], log=log)
    base = f"http://127.0.0.1:{port}"

    def answered(path: str):
        if exporter.poll() is not None:
            raise StepFailed(f"exporter exited with code {exporter.returncode}")
        return fetch(base + path, timeout=5)

    try:
        wait_until("exporter /-/ready", lambda: answered("/-/ready")[0] == 200, timeout=READY_TIMEOUT)
        body = ""

        def every_account_has_a_balance() -> bool:
            nonlocal body
            status, body = answered("/metrics")
            return status == 200 and accounts_with_balance(parse_exposition(body)) >= set(DEMO_ACCOUNTS)
        wait_until("balance_available of every demo account", every_account_has_a_balance, timeout=READY_TIMEOUT)
    except (TimeoutError, StepFailed) as error:
        report.check("demo exporter serves every account", False, f"{error}; its log ends:\n{log_tail(log)}")
        raise StepFailed() from error
    report.check("demo exporter serves every account", True,
                 f"balance_available for {len(DEMO_ACCOUNTS)} accounts on {base}/metrics")
    simulated = [line for line in log.read_text(errors="replace").splitlines() if "simulated" in line]
    report.check("demo logs that its data is simulated", bool(simulated), simulated[0] if simulated else log_tail(log))
    return body


def measure_pace(report: Report, base: str, body: str) -> tuple[str, float, dict[tuple[str, str], float]]:
    """Scrapes until PaceMeter knows every account's pace; returns the last body, when it was
    scraped, and the paces."""
    meter = PaceMeter(RATE_SPAN)
    meter.add(parse_exposition(body))
    scraped_at = time.time()

    def measured() -> bool:
        nonlocal body, scraped_at
        status, text = fetch(base + "/metrics", timeout=5)
        if status == 200:
            body, scraped_at = text, time.time()
            meter.add(parse_exposition(text))
        return meter.done(len(DEMO_ACCOUNTS))
    try:
        wait_until("every account's pace", measured, timeout=PACE_TIMEOUT, interval=1)
    except TimeoutError as error:
        report.check("every account's pace measured", False, f"{error}; measured: {meter.per_second}")
        raise StepFailed() from error
    names = account_names(parse_exposition(body))
    report.check("every account's pace measured", True, ", ".join(
        f"{names.get(key, key[1])} {per_second * 86400:.2f}/day" for key, per_second in sorted(meter.per_second.items())))
    return body, scraped_at, meter.per_second


def check_promtool_metrics(report: Report, body: str) -> None:
    run = subprocess.run(["promtool", "check", "metrics"], input=body, capture_output=True, text=True, timeout=30)
    output = (run.stdout + run.stderr).strip()
    report.check("promtool check metrics on the demo's /metrics", run.returncode == 0 and not output,
                 f"exit {run.returncode}" + (f", output:\n{output}" if output else ", no output"))


def run_script(report: Report, name: str, argv: list[str], timeout: float) -> None:
    try:
        run = subprocess.run([sys.executable, *argv], timeout=timeout)
        report.check(name, run.returncode == 0, f"exit {run.returncode}")
    except subprocess.TimeoutExpired:
        report.check(name, False, f"still running after {timeout:g}s")


def check_alert_accounts(report: Report, base: str, names: dict[tuple[str, str], str]) -> None:
    expected = {alert: set(accounts) for alert, accounts in EXPECTED_ALERT_ACCOUNTS.items()}
    found: dict[str, set[str]] = {}

    def matches() -> bool:
        nonlocal found
        found = alert_accounts(alerts(base), names)
        return all(found.get(alert, set()) == accounts for alert, accounts in expected.items())
    try:
        wait_until("alerts for the expected accounts", matches, timeout=20, interval=1)
        ok = True
    except TimeoutError:
        ok = False
    detail = "; ".join(f"{alert}: {', '.join(sorted(found.get(alert, set()))) or 'none'}"
                       + ("" if found.get(alert, set()) == accounts else f" (expected {', '.join(sorted(accounts))})")
                       for alert, accounts in expected.items())
    unexpected = sorted(set(found) - set(expected) - {REFRESH_FAILING})
    if unexpected:
        detail += f"; unexpected alerts: {', '.join(unexpected)}"
    report.check("alerts name exactly the accounts that provoke them", ok and not unexpected, detail)


def check_refresh_failing(report: Report, base: str, names: dict[tuple[str, str], str]) -> None:
    expr = f'max by (provider, uin) (max_over_time(ALERTS{{alertname="{REFRESH_FAILING}"}}[5m]))'
    seen: set[str] = set()

    def caught() -> bool:
        nonlocal seen
        seen = {names.get((r["metric"].get("provider", ""), r["metric"].get("uin", "")), "?") for r in query(base, expr)}
        return bool(seen)
    try:
        wait_until(f"{REFRESH_FAILING} in ALERTS", caught, timeout=ALERT_TIMEOUT, interval=1)
    except TimeoutError:
        flips = query(base, f'changes(balance_up{{job="{JOB}"}}[5m]) > 0')
        report.check(f"{REFRESH_FAILING} pending for {FLAKY_ACCOUNT}", False,
                     f"never in ALERTS after {ALERT_TIMEOUT}s; series where balance_up changed: "
                     f"{[r['metric'].get('uin') for r in flips]}")
        return
    report.check(f"{REFRESH_FAILING} pending for {FLAKY_ACCOUNT}", seen == {FLAKY_ACCOUNT},
                 f"seen in ALERTS for {', '.join(sorted(seen))}")


def start_readme_alertmanager(report: Report, processes: Processes, work: Path, webhook_base: str,
                              port: int) -> tuple[str, float]:
    """Steps A and B: README.md's alertmanager.yml, sending to `webhook_base`, checked by amtool and
    run by Alertmanager on 127.0.0.1:`port`. Returns its base URL and its longest group_wait."""
    try:
        config = readme_alertmanager_config(README.read_text(encoding="utf-8"))
        group_wait = longest_duration(config, "group_wait")
    except (ValueError, KeyError) as error:
        report.check("README.md has an alertmanager.yml to test", False, f"{type(error).__name__}: {error}")
        raise StepFailed() from error
    path = work / "alertmanager.yml"
    path.write_text(config.replace(README_WEBHOOK_BASE, webhook_base), encoding="utf-8")
    check = subprocess.run([AMTOOL, "check-config", str(path)], capture_output=True, text=True, timeout=30)
    if not report.check("amtool check-config on README.md's alertmanager.yml", check.returncode == 0,
                        f"exit {check.returncode}: " + " ".join((check.stdout + check.stderr).split())):
        raise StepFailed()
    try:
        base = start_alertmanager(processes, work, path, port)
    except TimeoutError as error:
        report.check("alertmanager runs it on 127.0.0.1", False, f"{error}\n{log_tail(work / 'alertmanager.log')}")
        raise StepFailed() from error
    report.check("alertmanager runs it on 127.0.0.1", True, f"{base}, webhooks to {webhook_base}")
    return base, group_wait


def describe_deliveries(found: dict[str, set[tuple[str, str]]]) -> str:
    return "; ".join(f"{receiver}: " + ", ".join(f"{alert} ({account})" for alert, account in sorted(pairs))
                     for receiver, pairs in sorted(found.items())) or "none"


def check_deliveries(report: Report, webhook: WebhookReceiver, names: dict[tuple[str, str], str],
                     timeout: float) -> None:
    """Step C."""
    expected = expected_deliveries()

    def arrived() -> bool:
        found = deliveries(webhook.received(), names)
        return all(pairs <= found.get(receiver, set()) for receiver, pairs in expected.items())
    try:
        wait_until("the expected notifications", arrived, timeout=timeout, interval=1)
    except TimeoutError:
        pass  # reported below, with what did arrive
    received = webhook.received()
    found = deliveries(received, names)
    problems = grouping_problems(received, names)
    if found != expected:
        problems.append(f"expected {describe_deliveries(expected)}")
    report.check("notifications: each alert to its severity's receiver, for its account, one per account",
                 not problems, describe_deliveries(found) + "".join(f"; {problem}" for problem in problems))


def check_delivered_alerts(report: Report, webhook: WebhookReceiver, infos: dict[tuple[str, str], dict[str, str]],
                           instance: str) -> None:
    """Step D."""
    delivered = [alert for _, _, alert in firing_alerts(webhook.received())]
    problems = [problem for alert in delivered for problem in alert_problems(alert, infos, instance)]
    example = ((delivered[0].get("annotations") or {}).get("summary") if delivered else None)
    report.check("delivered alerts carry their labels and a summary naming the account", bool(delivered) and not problems,
                 "; ".join(problems) if problems else f"{len(delivered)} alerts, e.g. {example!r}")


def check_inhibition(report: Report, webhook: WebhookReceiver, am_base: str, names: dict[tuple[str, str], str],
                     group_wait: float) -> None:
    """Step E, for every INHIBITED (alert, account) in one check."""
    pairs = sorted(INHIBITED)
    title = (f"{' and '.join(f'{alert} of {account}' for alert, account in pairs)} inhibited by their {INHIBITOR}, "
             f"no other alert suppressed")
    try:
        held = alertmanager_alerts(am_base)
    except TRANSIENT_ERRORS as error:
        report.check(title, False, f"Alertmanager's alerts: {error}")
        return

    def held_alert(alertname: str, account: str) -> dict | None:
        return next((alert for alert in held if (alert.get("labels") or {}).get("alertname") == alertname
                     and alert_account(alert, names) == account), None)
    found = []
    for target_name, account in pairs:
        target, source = held_alert(target_name, account), held_alert(INHIBITOR, account)
        if target is None or source is None:
            report.check(title, False, f"Alertmanager holds no {target_name if target is None else INHIBITOR} "
                                       f"of {account}: {len(held)} alerts")
            return
        found.append((target_name, account, target, source))
    # Alertmanager first flushes a target's group group_wait after the alert arrived, an
    # evaluation or two after it started firing: only after that does "not delivered" mean inhibited.
    # A real process's timer: there is no clock of ours to advance.
    try:
        flushed_by = max(rfc3339_seconds(target.get("startsAt", "")) for _, _, target, _ in found) + group_wait + 5
    except ValueError as error:
        report.check(title, False, f"its startsAt: {error}")
        return
    time.sleep(max(0.0, flushed_by - time.time()))
    received = deliveries(webhook.received(), names)
    targets = [target for _, _, target, _ in found]
    details, ok = [], True
    for target_name, account, target, source in found:
        delivered = (target_name, account) in received.get(RECEIVERS[SEVERITY[target_name]], set())
        status = target.get("status") or {}
        ok = ok and status.get("state") == "suppressed" and status.get("inhibitedBy") == [source.get("fingerprint")] \
            and not delivered
        details.append(f"{account}: {status.get('state')}, inhibited by {status.get('inhibitedBy')} ({INHIBITOR} is "
                       f"{source.get('fingerprint')}), {'delivered' if delivered else 'not delivered'} "
                       f"{group_wait:g}s after it fired")
    others = sorted(f"{(alert.get('labels') or {}).get('alertname')} ({alert_account(alert, names)}): "
                    f"{(alert.get('status') or {}).get('state')}"
                    for alert in held if all(alert is not target for target in targets)
                    and (alert.get("status") or {}).get("state") != "active")
    report.check(title, ok and not others, "; ".join(details) + f"; not active besides: {', '.join(others) or 'none'}")


def run(report: Report, binary: Path, work: Path) -> None:
    check_usage_error(report, binary)
    with WebhookReceiver() as webhook, Processes() as processes:
        exporter_port, prom_port, am_port = free_port(), free_port(), free_port()
        target = f"127.0.0.1:{exporter_port}"
        body = start_demo(report, processes, binary, work, exporter_port)
        check_promtool_metrics(report, body)
        body, scraped_at, per_second = measure_pace(report, f"http://{target}", body)

        samples = parse_exposition(body)
        names, infos = account_names(samples), account_infos(samples)
        data = work / "tsdb"
        (work / "backfill.om").write_text(synthesize_history(samples, scraped_at, target, per_second),
                                          encoding="utf-8")
        try:
            create_blocks(work / "backfill.om", data)
        except subprocess.CalledProcessError as error:
            report.check("backfill history with promtool", False, (error.stderr or b"").decode(errors="replace"))
            raise StepFailed() from error

        am_base, group_wait = start_readme_alertmanager(report, processes, work, webhook.base, am_port)
        rules = work / "alerts.yml"
        rules.write_text(shorten_for(RULES.read_text(encoding="utf-8")), encoding="utf-8")
        config = prometheus_config(target, rules, "/metrics", interval="1s", alertmanager=f"127.0.0.1:{am_port}")
        try:
            base = start_prometheus(processes, work, config, data, prom_port)
            started = time.monotonic()
            wait_until("up == 1", lambda: query(base, f'up{{job="{JOB}"}} == 1'))
            # Two scrapes (for rate and increase) and a rule evaluation after them.
            wait_until("scrapes and rules", lambda: query(base, "balance:days_left:3d")
                       and query(base, f'rate(process_cpu_seconds_total{{job="{JOB}"}}[1m])'))
        except TimeoutError as error:
            report.check("prometheus scrapes the demo and evaluates the rules", False,
                         f"{error}\n{log_tail(work / 'prometheus.log')}")
            raise StepFailed() from error
        report.check("prometheus scrapes the demo and evaluates the rules", True,
                     f"{base}, {HISTORY_HOURS} h backfilled, up == 1, every for: {SHORT_FOR}, alerts to {am_base}")

        run_script(report, "dashboard queries (check_queries.py)",
                   [str(HERE / "check_queries.py"), base, str(DASHBOARD), "--var", f"job={JOB}"], timeout=120)
        run_script(report, "demo alerts pending or firing (check_alerts.py)",
                   [str(HERE / "check_alerts.py"), base, *EXPECTED_ALERT_ACCOUNTS,
                    "--timeout", str(ALERT_TIMEOUT), "--interval", "1"], timeout=ALERT_TIMEOUT + 30)
        check_alert_accounts(report, base, names)
        check_refresh_failing(report, base, names)

        fired_by = started + SHORT_FOR_SECONDS + group_wait + NOTIFY_MARGIN
        check_deliveries(report, webhook, names, timeout=max(1.0, fired_by - time.monotonic()))
        check_delivered_alerts(report, webhook, infos, target)
        check_inhibition(report, webhook, am_base, names, group_wait)
        (work / "notifications.json").write_text(json.dumps([payload for _, payload in webhook.received()], indent=2),
                                                 encoding="utf-8")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("--binary", type=Path, default=DEFAULT_BINARY)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args(argv[1:])

    # A runner that gives up on us sends SIGTERM: leave through the `finally`s, stopping every process.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    report = Report()
    started = time.monotonic()
    missing = [tool for tool in ("prometheus", "promtool", ALERTMANAGER, AMTOOL) if shutil.which(tool) is None]
    if missing or not args.binary.is_file():
        report.check("tools", False, f"missing {', '.join(missing)} (apt-get install -y prometheus prometheus-alertmanager)"
                     if missing else f"no exporter binary at {args.binary} (swift build)")
    else:
        work = Path(tempfile.mkdtemp(prefix="balance-demo-e2e-"))
        try:
            run(report, args.binary.resolve(), work)
        except StepFailed:
            pass  # reported; the steps after it cannot run
        except (subprocess.SubprocessError, OSError, TimeoutError) as error:
            report.check("run", False, f"{type(error).__name__}: {error}")
        finally:
            if args.keep:
                print(f"demo_e2e: kept {work}")
            else:
                shutil.rmtree(work, ignore_errors=True)
    print(f"demo_e2e: {time.monotonic() - started:.1f}s")
    print(f"demo_e2e: {report.passed} passed, {report.failed} failed")
    return 1 if report.failed or not report.passed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
