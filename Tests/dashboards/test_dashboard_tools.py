#!/usr/bin/env python3
"""Unit tests of the dashboard tools: `python3 -m unittest discover -s Tests/dashboards -v`.

The validator must reject the malformed dashboards a person could ship; check_queries.py and
check_alerts.py are driven against a fake Prometheus HTTP API on 127.0.0.1, and the alert
poller against a hand-driven clock (no sleeping).
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import sys
import tempfile
import threading
import unittest
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import check_alerts  # noqa: E402
import check_queries  # noqa: E402
import validate_dashboard  # noqa: E402

DASHBOARD_PATH = HERE.parent.parent / "dashboards" / "balance-exporter.json"


def load_dashboard() -> dict:
    return json.loads(DASHBOARD_PATH.read_text(encoding="utf-8"))


def first_panel(dashboard: dict, kind: str) -> dict:
    return next(p for p in dashboard["panels"] if p["type"] == kind)


class ValidateDashboardTests(unittest.TestCase):
    def setUp(self) -> None:
        self.dashboard = load_dashboard()

    def problems_after(self, mutate) -> list[str]:
        broken = copy.deepcopy(self.dashboard)
        mutate(broken)
        return validate_dashboard.validate(broken)

    def assertRejected(self, mutate, *fragments: str) -> None:
        problems = self.problems_after(mutate)
        joined = "\n".join(problems)
        for fragment in fragments:
            self.assertIn(fragment, joined)

    def test_shipped_dashboard_is_valid(self) -> None:
        self.assertEqual(validate_dashboard.validate(self.dashboard), [])

    def test_misspelled_panel_key_is_rejected(self) -> None:
        def mutate(d):
            panel = first_panel(d, "stat")
            panel["gridpos"] = panel.pop("gridPos")
        self.assertRejected(mutate, "'gridpos' was unexpected")

    def test_wrongly_typed_panel_field_is_rejected(self) -> None:
        self.assertRejected(lambda d: first_panel(d, "timeseries")["gridPos"].update(w="12"),
                            ".gridPos.w: '12' is not of type 'integer'")

    def test_unknown_panel_option_value_is_rejected(self) -> None:
        self.assertRejected(lambda d: first_panel(d, "stat")["options"].update(colorMode="rainbow"),
                            "options.colorMode: 'rainbow' is not one of")

    def test_unknown_prometheus_query_key_is_rejected(self) -> None:
        self.assertRejected(lambda d: first_panel(d, "timeseries")["targets"][0].update(exprs="up"),
                            "targets[0]: Additional properties are not allowed ('exprs' was unexpected)")

    def test_unknown_timeseries_field_config_is_rejected(self) -> None:
        self.assertRejected(
            lambda d: first_panel(d, "timeseries")["fieldConfig"]["defaults"]["custom"].update(lineWidht=2),
            "'lineWidht' was unexpected")

    def test_panel_without_description_or_unit_is_rejected(self) -> None:
        def mutate(d):
            panel = first_panel(d, "table")
            panel["description"] = " "
            del panel["fieldConfig"]["defaults"]["unit"]
        self.assertRejected(mutate, "'Temporary credits': no description", "'Temporary credits': no unit")

    def test_panel_with_fixed_datasource_is_rejected(self) -> None:
        self.assertRejected(
            lambda d: first_panel(d, "stat").update(datasource={"type": "prometheus", "uid": "P1809F7CD0C75ACF3"}),
            "datasource must be")

    def test_missing_datasource_variable_is_rejected(self) -> None:
        def mutate(d):
            d["templating"]["list"] = [v for v in d["templating"]["list"] if v["name"] != "datasource"]
        self.assertRejected(mutate, "missing template variable 'datasource'")

    def test_changed_uid_is_rejected(self) -> None:
        self.assertRejected(lambda d: d.update(uid="my-copy"), "must stay 'balance-exporter'")

    def test_command_line_reports_and_fails(self) -> None:
        broken = copy.deepcopy(self.dashboard)
        broken["panels"][1]["gridPos"]["h"] = "tall"
        with tempfile.NamedTemporaryFile("w", suffix=".json") as file:
            json.dump(broken, file)
            file.flush()
            stderr = io.StringIO()
            with contextlib.redirect_stderr(stderr), contextlib.redirect_stdout(io.StringIO()):
                status = validate_dashboard.main(["validate_dashboard.py", file.name])
        self.assertEqual(status, 1)
        self.assertIn("gridPos.h: 'tall' is not of type 'integer'", stderr.getvalue())


class SubstitutionTests(unittest.TestCase):
    VARS = {**check_queries.BUILTINS, **check_queries.ALL_VALUES}

    def test_all_forms_of_variables_are_replaced(self) -> None:
        expr = 'rate(x{job=~"$job", uin=~"${uin}", provider=~"[[provider]]"}[$__rate_interval])'
        self.assertEqual(check_queries.substitute(expr, self.VARS),
                         'rate(x{job=~".+", uin=~".*", provider=~".*"}[5m])')

    def test_longer_builtin_is_not_cut_at_a_shorter_name(self) -> None:
        self.assertEqual(check_queries.substitute("x[$__range] * $__range_s", self.VARS), "x[1h] * 3600")

    def test_unknown_variable_is_an_error_not_left_in_the_query(self) -> None:
        with self.assertRaisesRegex(check_queries.UnknownVariable, r"\$region"):
            check_queries.substitute('x{region="$region"}', self.VARS)

    def test_label_values_becomes_a_query_with_data_when_the_variable_has_values(self) -> None:
        self.assertEqual(check_queries.variable_query_expr('label_values(balance_up{job=~"$job"}, uin)'),
                         'count by (uin) (balance_up{job=~"$job"})')
        self.assertIsNone(check_queries.variable_query_expr("query_result(up)"))

    def test_queries_come_from_variables_rows_and_visible_targets(self) -> None:
        dashboard = {
            "templating": {"list": [{"type": "query", "name": "job", "query": "label_values(up, job)"},
                                    {"type": "datasource", "name": "datasource", "query": "prometheus"}]},
            "panels": [
                {"id": 1, "type": "stat", "title": "A", "targets": [{"refId": "A", "expr": "a"},
                                                                    {"refId": "B", "expr": "b", "hide": True}]},
                {"id": 2, "type": "row", "collapsed": True, "panels": [
                    {"id": 3, "type": "stat", "title": "C", "targets": [{"refId": "A", "expr": "c"}]}]},
            ]}
        self.assertEqual([q.expr for q in check_queries.dashboard_queries(dashboard)],
                         ["count by (job) (up)", "a", "c"])


class FakePrometheus:
    """/api/v1/query and /api/v1/alerts on 127.0.0.1, answering from dictionaries."""

    def __init__(self, series_by_query: dict[str, int] | None = None, alerts: list[dict] | None = None):
        self.series_by_query = series_by_query or {}
        self.alerts = alerts or []
        self.seen_queries: list[str] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                url = urllib.parse.urlparse(self.path)
                if url.path == "/api/v1/alerts":
                    self.reply(200, {"status": "success", "data": {"alerts": fake.alerts}})
                    return
                expr = urllib.parse.parse_qs(url.query).get("query", [""])[0]
                fake.seen_queries.append(expr)
                if expr not in fake.series_by_query:
                    self.reply(400, {"status": "error", "errorType": "bad_data",
                                     "error": "1:1: parse error: unexpected character"})
                    return
                result = [{"metric": {"n": str(i)}, "value": [0, "1"]}
                          for i in range(fake.series_by_query[expr])]
                self.reply(200, {"status": "success", "data": {"resultType": "vector", "result": result}})

            def reply(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> "FakePrometheus":
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


def run_main(module, argv: list[str]) -> tuple[int, str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        status = module.main(argv)
    return status, out.getvalue()


class CheckQueriesTests(unittest.TestCase):
    def write_dashboard(self, exprs: list[str]) -> str:
        dashboard = {"panels": [{"id": i, "type": "stat", "title": f"P{i}",
                                 "targets": [{"refId": "A", "expr": e}]} for i, e in enumerate(exprs)]}
        file = tempfile.NamedTemporaryFile("w", suffix=".json", delete=False)
        self.addCleanup(Path(file.name).unlink)
        with file:
            json.dump(dashboard, file)
        return file.name

    def test_passes_when_every_query_has_data(self) -> None:
        path = self.write_dashboard(['balance_up{job=~"$job"}'])
        with FakePrometheus({'balance_up{job=~".+"}': 2}) as prom:
            status, out = run_main(check_queries, ["check_queries.py", prom.url, path])
        self.assertEqual(status, 0, out)
        self.assertIn("1 passed, 0 failed", out)

    def test_reports_empty_and_unparsable_queries(self) -> None:
        path = self.write_dashboard(["balance_up", "balance_nothing", "balance_up{"])
        with FakePrometheus({"balance_up": 1, "balance_nothing": 0}) as prom:
            status, out = run_main(check_queries, ["check_queries.py", prom.url, path])
        self.assertEqual(status, 1)
        self.assertIn("FAIL  panel 1 'P1' query A: no data", out)
        self.assertIn("FAIL  panel 2 'P2' query A: bad_data: 1:1: parse error", out)
        self.assertIn("1 passed, 2 failed", out)

    def test_pinned_job_is_escaped_as_a_regex(self) -> None:
        path = self.write_dashboard(['up{job=~"$job"}'])
        with FakePrometheus({r'up{job=~"balance\.prod"}': 1}) as prom:
            status, out = run_main(check_queries, ["check_queries.py", prom.url, path, "--var", "job=balance.prod"])
        self.assertEqual(status, 0, out)

    def test_unreachable_prometheus_is_a_usage_error(self) -> None:
        path = self.write_dashboard(["up"])
        with FakePrometheus() as prom:
            url = prom.url
        status, out = run_main(check_queries, ["check_queries.py", url, path])
        self.assertEqual(status, 2)
        self.assertIn("cannot reach Prometheus", out)


class ManualClock:
    def __init__(self) -> None:
        self.time = 0.0

    def now(self) -> float:
        return self.time

    def sleep(self, seconds: float) -> None:
        self.time += seconds


def alerts_body(*alerts: tuple[str, str]) -> dict:
    return {"status": "success", "data": {"alerts": [
        {"labels": {"alertname": name, "severity": "warning"}, "state": state} for name, state in alerts]}}


class CheckAlertsTests(unittest.TestCase):
    def test_waits_until_every_alert_is_pending_or_firing(self) -> None:
        clock = ManualClock()
        polls = iter([alerts_body(),
                      alerts_body(("BalanceLow", "pending")),
                      alerts_body(("BalanceLow", "firing"), ("BalanceOwed", "pending"))])
        seen, missing = check_alerts.wait_for_alerts(lambda: next(polls), ["BalanceLow", "BalanceOwed"],
                                                     timeout=60, interval=5, now=clock.now,
                                                     sleep=clock.sleep, log=lambda _: None)
        self.assertEqual(missing, [])
        self.assertEqual(seen, {"BalanceLow": "firing", "BalanceOwed": "pending"})
        self.assertEqual(clock.time, 10)

    def test_times_out_naming_the_missing_alerts(self) -> None:
        clock = ManualClock()
        seen, missing = check_alerts.wait_for_alerts(
            lambda: alerts_body(("BalanceLow", "inactive"), ("BalanceOwed", "firing")),
            ["BalanceLow", "BalanceOwed"], timeout=30, interval=4, now=clock.now, sleep=clock.sleep,
            log=lambda _: None)
        self.assertEqual(missing, ["BalanceLow"])
        self.assertEqual(seen, {"BalanceOwed": "firing"})
        self.assertEqual(clock.time, 30)

    def test_unreachable_prometheus_is_retried_until_the_timeout(self) -> None:
        clock = ManualClock()
        calls = []

        def fetch():
            calls.append(clock.time)
            if len(calls) < 3:
                raise ConnectionRefusedError("connection refused")
            return alerts_body(("BalanceExhausted", "pending"))
        seen, missing = check_alerts.wait_for_alerts(fetch, ["BalanceExhausted"], timeout=60, interval=5,
                                                     now=clock.now, sleep=clock.sleep, log=lambda _: None)
        self.assertEqual((seen, missing), ({"BalanceExhausted": "pending"}, []))
        self.assertEqual(calls, [0, 5, 10])

    def test_command_line_against_prometheus_api(self) -> None:
        alerts = alerts_body(("BalanceOwed", "firing"))["data"]["alerts"]
        with FakePrometheus(alerts=alerts) as prom:
            ok, out_ok = run_main(check_alerts, ["check_alerts.py", prom.url, "BalanceOwed"])
            missing, out_missing = run_main(check_alerts, ["check_alerts.py", prom.url, "BalanceOwed",
                                                           "BalanceLow", "--timeout", "0"])
        self.assertEqual(ok, 0, out_ok)
        self.assertIn("ok    BalanceOwed: firing", out_ok)
        self.assertEqual(missing, 1)
        self.assertIn("FAIL  BalanceLow: neither pending nor firing", out_missing)
        self.assertIn("1 passed, 1 failed", out_missing)


if __name__ == "__main__":
    unittest.main()
