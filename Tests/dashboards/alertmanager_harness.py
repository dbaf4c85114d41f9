"""Pieces for delivering alerts through a real Alertmanager in demo_e2e.py: the README's Alertmanager
configuration, Debian's `prometheus-alertmanager` on 127.0.0.1, and a webhook receiver that records
every notification it is sent.

Nothing here listens anywhere but 127.0.0.1. Every wait is bounded.
"""

from __future__ import annotations

import json
import re
import threading
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from prom_harness import Processes, fetch, wait_until

# Debian's package names the binary after the package; upstream's tarball calls it `alertmanager`.
ALERTMANAGER = "prometheus-alertmanager"
AMTOOL = "amtool"
# Where the README's example sends its webhooks; the test puts its own receiver's address there.
README_WEBHOOK_BASE = "http://alert-receiver.example:5001"

_YAML_BLOCK = re.compile(r"^```yaml\n(# alertmanager\.yml\n.*?)^```", re.MULTILINE | re.DOTALL)


def readme_alertmanager_config(readme: str) -> str:
    """The README's one YAML block that starts with `# alertmanager.yml`; ValueError if there is not
    exactly one, or if it sends nothing to README_WEBHOOK_BASE (the test could not receive it)."""
    blocks = _YAML_BLOCK.findall(readme)
    if len(blocks) != 1:
        raise ValueError(f"README.md has {len(blocks)} ```yaml blocks starting with '# alertmanager.yml', not 1")
    if README_WEBHOOK_BASE not in blocks[0]:
        raise ValueError(f"the README's alertmanager.yml sends no webhook to {README_WEBHOOK_BASE}")
    return blocks[0]


def longest_duration(config: str, key: str) -> float:
    """The longest of the `key: N<unit>` settings (units s, m, h) of a configuration text, in
    seconds; KeyError if it has none."""
    found = [int(number) * {"s": 1, "m": 60, "h": 3600}[unit]
             for number, unit in re.findall(rf"^[\s-]*{re.escape(key)}:\s*(\d+)([smh])\s*(?:#.*)?$", config, re.MULTILINE)]
    if not found:
        raise KeyError(key)
    return max(found)


_RFC3339 = re.compile(r"([0-9-]+T[0-9:]+)(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})")


def rfc3339_seconds(text: str) -> float:
    """Unix time of an RFC 3339 timestamp as Alertmanager writes them (`2025-01-31T12:00:00.123Z`,
    any number of fraction digits); ValueError if it is not one."""
    match = _RFC3339.fullmatch(text)
    if not match:
        raise ValueError(f"not an RFC 3339 time: {text!r}")
    whole, fraction, zone = match.groups()
    return datetime.fromisoformat(whole + ("+00:00" if zone == "Z" else zone)).timestamp() + float(fraction or 0)


class WebhookReceiver:
    """An HTTP server on 127.0.0.1 that answers 200 to every POST and keeps (path, decoded JSON body)
    in the order received; a body that is not JSON is kept as its text. Stopped on leaving the
    `with` block."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._received: list[tuple[str, object]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode("utf-8", "replace")
                try:
                    payload: object = json.loads(body)
                except ValueError:
                    payload = body
                with receiver._lock:
                    receiver._received.append((self.path, payload))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_args) -> None:
                pass  # the notifications are reported by the test, not logged per request

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def received(self) -> list[tuple[str, object]]:
        with self._lock:
            return list(self._received)

    def __enter__(self) -> "WebhookReceiver":
        self._thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)


def start_alertmanager(processes: Processes, work: Path, config: Path, port: int) -> str:
    """Starts Alertmanager with the configuration file `config` on 127.0.0.1:`port` only (clustering
    off, so it opens no gossip port on every interface), its state in work/alertmanager, logging to
    work/alertmanager.log; returns its base URL once /-/ready answers."""
    processes.start([ALERTMANAGER, f"--config.file={config}",
                     f"--storage.path={work / 'alertmanager'}", f"--web.listen-address=127.0.0.1:{port}",
                     "--cluster.listen-address="], log=work / "alertmanager.log")
    base = f"http://127.0.0.1:{port}"
    wait_until("alertmanager", lambda: fetch(f"{base}/-/ready", timeout=2)[0] == 200)
    return base


def alertmanager_alerts(base: str) -> list[dict]:
    """Every alert Alertmanager holds, delivered or suppressed (silenced, inhibited), from /api/v2/alerts."""
    status, body = fetch(f"{base}/api/v2/alerts?active=true&silenced=true&inhibited=true&unprocessed=true")
    if status != 200:
        raise ValueError(f"/api/v2/alerts answered {status}: {body[:200]}")
    return json.loads(body)
