"""Pieces shared by live_check.py and demo_e2e.py: a real Prometheus on 127.0.0.1, its history
backfilled with promtool, and the processes around it stopped on every path.

Nothing here listens anywhere but 127.0.0.1. Every wait is bounded.
"""

from __future__ import annotations

import json
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Callable

JOB = "balance_exporter"
STARTUP_TIMEOUT = 60
# What a polled endpoint may raise while its server is still starting.
TRANSIENT_ERRORS = (urllib.error.URLError, OSError, ValueError, KeyError)


def free_port() -> int:
    """A port free on 127.0.0.1 right now (the caller binds it soon after)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url: str, timeout: float = 5, headers: dict[str, str] | None = None) -> tuple[int, str]:
    """(status, body) of a GET; HTTP error statuses are returned, not raised."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read().decode("utf-8", errors="replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", errors="replace")


def query(base: str, expr: str, timeout: float = 5) -> list:
    """The result vector of an instant query at the current time."""
    url = f"{base}/api/v1/query?" + urllib.parse.urlencode({"query": expr})
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return json.load(response)["data"]["result"]


def alerts(base: str, timeout: float = 5) -> list[dict]:
    """Every alert Prometheus holds (pending or firing), from /api/v1/alerts."""
    with urllib.request.urlopen(f"{base}/api/v1/alerts", timeout=timeout) as response:
        return json.load(response)["data"]["alerts"]


def wait_until(description: str, ready: Callable[[], object], timeout: float = STARTUP_TIMEOUT,
               interval: float = 0.5) -> None:
    """Polls `ready` until it returns something true; TimeoutError after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    last_error = None
    while time.monotonic() < deadline:
        try:
            if ready():
                return
        except TRANSIENT_ERRORS as error:
            last_error = error
        time.sleep(interval)
    raise TimeoutError(f"{description} not ready after {timeout:g}s (last error: {last_error})")


def prometheus_config(target: str, rules: Path, metrics_path: str = "/metrics", interval: str = "2s",
                      alertmanager: str | None = None) -> str:
    """prometheus.yml scraping one target as job balance_exporter and evaluating `rules`; with
    `alertmanager` (host:port), its alerts are sent there."""
    config: dict = {
        "global": {"scrape_interval": interval, "scrape_timeout": "1s", "evaluation_interval": interval},
        "rule_files": [str(rules)],
        "scrape_configs": [{"job_name": JOB, "metrics_path": metrics_path,
                            "static_configs": [{"targets": [target]}]}],
    }
    if alertmanager:
        config["alerting"] = {"alertmanagers": [{"static_configs": [{"targets": [alertmanager]}]}]}
    return json.dumps(config, indent=2)  # JSON is YAML


def create_blocks(openmetrics: Path, data_dir: Path) -> None:
    """Writes the samples of an OpenMetrics file as TSDB blocks into a Prometheus data dir.

    The rules look back hours (`offset 1h`) and days (`[3d]`): a Prometheus started a minute ago
    has none of that, so tests give it a past this way before starting it.
    """
    subprocess.run(["promtool", "tsdb", "create-blocks-from", "openmetrics", str(openmetrics), str(data_dir)],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=120)


class Processes:
    """Child processes stopped together, newest first, on every path out of a `with` block:
    SIGTERM, up to 10 s each to exit, then SIGKILL."""

    def __init__(self) -> None:
        self._running: list[subprocess.Popen] = []

    def start(self, argv: list[str], log: Path | None = None) -> subprocess.Popen:
        if log is None:
            process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        else:
            with open(log, "wb") as sink:  # the child keeps its own descriptor
                process = subprocess.Popen(argv, stdout=sink, stderr=subprocess.STDOUT)
        self._running.append(process)
        return process

    def stop_all(self) -> None:
        for process in reversed(self._running):
            if process.poll() is None:
                process.terminate()
        for process in self._running:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        self._running.clear()

    def __enter__(self) -> "Processes":
        return self

    def __exit__(self, *_exc) -> None:
        self.stop_all()


def start_prometheus(processes: Processes, work: Path, config: str, data_dir: Path, port: int) -> str:
    """Starts `prometheus` with `config` on 127.0.0.1:`port`, logging to work/prometheus.log;
    returns its base URL once /-/ready answers."""
    (work / "prometheus.yml").write_text(config, encoding="utf-8")
    processes.start(["prometheus", f"--config.file={work / 'prometheus.yml'}", f"--storage.tsdb.path={data_dir}",
                     f"--web.listen-address=127.0.0.1:{port}", "--storage.tsdb.retention.time=30d"],
                    log=work / "prometheus.log")
    base = f"http://127.0.0.1:{port}"
    wait_until("prometheus", lambda: fetch(f"{base}/-/ready", timeout=2)[0] == 200)
    return base


def log_tail(path: Path, lines: int = 20) -> str:
    """The last lines of a log file, or '' if it does not exist."""
    if not path.exists():
        return ""
    return "".join(path.read_text(errors="replace").splitlines(True)[-lines:])
