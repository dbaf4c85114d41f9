#!/usr/bin/env python3
"""Unit tests of demo_e2e.py's pure parts: reading a /metrics body, the history it backfills, the
rules' test copy, the README's Alertmanager configuration and the reading of the notifications it
delivers; and the webhook receiver, over loopback. The script itself runs against the real exporter,
Prometheus and Alertmanager (DemoEndToEndTests.swift)."""

from __future__ import annotations

import json
import sys
import unittest
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import alertmanager_harness  # noqa: E402
import demo_e2e  # noqa: E402

NOW = 1_800_000_000.0
BODY = """\
# HELP balance_account_info Configured account.
# TYPE balance_account_info gauge
balance_account_info{provider="tencentcloud",uin="1",name="low",currency="CNY"} 1
balance_account_info{provider="yeastar",uin="2",name="rich \\"eu\\" {x}",currency="EUR",} 1
balance_account_info{provider="tencentcloud",uin="3",name="owes",currency="USD"} 1
# TYPE balance_available gauge
balance_available{provider="tencentcloud",uin="1"} 90
balance_available{provider="yeastar",uin="2"} 600
balance_available{provider="tencentcloud",uin="3"} -5
balance_last_success_timestamp_seconds{provider="tencentcloud",uin="1"} 1799999990
balance_upstream_requests_total{provider="tencentcloud",uin="1"} 4
balance_exporter_config_last_reload_successful 1
process_cpu_seconds_total 0.5
"""


def history_values(history: str, name: str, uin: str) -> list[tuple[int, float]]:
    """(timestamp, value) of one series of a synthesized history, in file order."""
    points = []
    for sample_line in history.splitlines():
        if sample_line.startswith(name + "{") and f'uin="{uin}"' in sample_line:
            *_, value, timestamp = sample_line.split(" ")
            points.append((int(timestamp), float(value)))
    return points


class ParseExpositionTests(unittest.TestCase):
    def test_reads_samples_with_escaped_label_values_and_skips_comments(self) -> None:
        samples = demo_e2e.parse_exposition(BODY)
        self.assertEqual(len(samples), 10)
        info = samples[1]
        self.assertEqual(info.labels["name"], 'rich "eu" {x}')
        self.assertEqual(info.label_text, 'provider="yeastar",uin="2",name="rich \\"eu\\" {x}",currency="EUR"')
        self.assertEqual(samples[5].value, -5.0)
        self.assertEqual(samples[-1].labels, {})

    def test_names_the_accounts_that_have_a_balance(self) -> None:
        samples = demo_e2e.parse_exposition(BODY)
        self.assertEqual(demo_e2e.account_names(samples)[("tencentcloud", "1")], "low")
        self.assertEqual(demo_e2e.accounts_with_balance(samples), {"low", 'rich "eu" {x}', "owes"})
        without_yeastar = [s for s in samples if s.labels.get("uin") != "2" or s.name != "balance_available"]
        self.assertNotIn('rich "eu" {x}', demo_e2e.accounts_with_balance(without_yeastar))


class SynthesizeHistoryTests(unittest.TestCase):
    def setUp(self) -> None:
        # "low" spends 30 a day; the others have no pace.
        self.history = demo_e2e.synthesize_history(demo_e2e.parse_exposition(BODY), NOW, "127.0.0.1:9999",
                                                   {("tencentcloud", "1"): 30 / 86400}, hours=12, step=120)

    def test_is_openmetrics_labelled_as_prometheus_will_label_the_scrapes(self) -> None:
        self.assertTrue(self.history.endswith("\n# EOF\n"))
        first = self.history.splitlines()[0]
        self.assertTrue(first.startswith('balance_account_info{job="balance_exporter",instance="127.0.0.1:9999",'
                                         'provider="tencentcloud",uin="1",name="low",currency="CNY"} 1.0 '), first)

    def test_spans_the_hours_asked_and_ends_before_now(self) -> None:
        points = history_values(self.history, "balance_available", "1")
        self.assertEqual(len(points), 12 * 30 + 1)
        self.assertEqual(points[-1][0] - points[0][0], 12 * 3600)
        self.assertLess(points[-1][0], NOW)

    def test_balance_falls_to_its_current_value_at_the_pace_given(self) -> None:
        points = history_values(self.history, "balance_available", "1")
        values = [value for _, value in points]
        self.assertEqual(values, sorted(values, reverse=True))
        timestamp, oldest = points[0]
        per_day = (oldest - 90) / (NOW - timestamp) * 86400
        self.assertAlmostEqual(per_day, 30.0)
        # Accounts without a pace stay flat.
        self.assertEqual({value for _, value in history_values(self.history, "balance_available", "2")}, {600.0})
        self.assertEqual({value for _, value in history_values(self.history, "balance_available", "3")}, {-5.0})

    def test_other_series_keep_their_values_and_refresh_times_move_with_the_clock(self) -> None:
        self.assertEqual({v for _, v in history_values(self.history, "balance_upstream_requests_total", "1")}, {4.0})
        for timestamp, value in history_values(self.history, "balance_last_success_timestamp_seconds", "1"):
            self.assertAlmostEqual(value, 1799999990 - (NOW - timestamp))
        self.assertIn("balance_exporter_config_last_reload_successful{job=", self.history)

    def test_leaves_out_the_process_series(self) -> None:
        self.assertNotIn("process_cpu_seconds_total", self.history)


def scrape(refreshed: float, low: float, rich: float, owes: float = -5) -> list:
    """A /metrics body's samples: three accounts refreshed at `refreshed` with these balances."""
    lines = []
    for uin, value in (("1", low), ("2", rich), ("3", owes)):
        provider = "yeastar" if uin == "2" else "tencentcloud"
        lines.append(f'balance_available{{provider="{provider}",uin="{uin}"}} {value}')
        lines.append(f'balance_last_success_timestamp_seconds{{provider="{provider}",uin="{uin}"}} {refreshed}')
    return demo_e2e.parse_exposition("\n".join(lines))


class PaceMeterTests(unittest.TestCase):
    LOW, RICH, OWES = ("tencentcloud", "1"), ("yeastar", "2"), ("tencentcloud", "3")

    def test_pace_is_the_fall_over_refreshes_at_least_the_span_apart(self) -> None:
        meter = demo_e2e.PaceMeter(span=15)
        meter.add(scrape(1000, low=90, rich=600))
        meter.add(scrape(1010, low=89, rich=599))  # 10 s: too close to tell
        self.assertFalse(meter.done(3))
        self.assertEqual(meter.per_second, {self.OWES: 0.0})  # nothing to spend
        meter.add(scrape(1020, low=88, rich=600))
        self.assertTrue(meter.done(3))
        self.assertAlmostEqual(meter.per_second[self.LOW], 0.1)
        self.assertEqual(meter.per_second[self.RICH], 0.0)
        meter.add(scrape(1040, low=80, rich=500))  # measured once, kept
        self.assertAlmostEqual(meter.per_second[self.LOW], 0.1)

    def test_a_top_up_starts_the_measurement_again(self) -> None:
        meter = demo_e2e.PaceMeter(span=15)
        meter.add(scrape(1000, low=10, rich=600))
        meter.add(scrape(1005, low=98, rich=600))  # recharged
        meter.add(scrape(1016, low=97, rich=600))  # 16 s after the first reading, 11 after the top-up
        self.assertNotIn(self.LOW, meter.per_second)
        meter.add(scrape(1020, low=90, rich=600))
        self.assertAlmostEqual(meter.per_second[self.LOW], 8 / 15)


class AlertAccountsTests(unittest.TestCase):
    def test_groups_active_alerts_by_account_name(self) -> None:
        names = {("tencentcloud", "1"): "low", ("tencentcloud", "3"): "owes"}
        found = demo_e2e.alert_accounts([
            {"labels": {"alertname": "BalanceLow", "provider": "tencentcloud", "uin": "1"}, "state": "pending"},
            {"labels": {"alertname": "BalanceLow", "provider": "tencentcloud", "uin": "3"}, "state": "firing"},
            {"labels": {"alertname": "BalanceOwed", "provider": "tencentcloud", "uin": "9"}, "state": "firing"},
            {"labels": {"alertname": "BalanceExhausted", "provider": "tencentcloud", "uin": "3"}, "state": "inactive"},
        ], names)
        self.assertEqual(found, {"BalanceLow": {"low", "owes"}, "BalanceOwed": {"9"}})



class RulesTestCopyTests(unittest.TestCase):
    def test_every_for_of_the_shipped_rules_is_shortened_and_nothing_else_changes(self) -> None:
        shipped = demo_e2e.RULES.read_text(encoding="utf-8")
        copy = demo_e2e.shorten_for(shipped, "10s")
        changed = [(old, new) for old, new in zip(shipped.splitlines(), copy.splitlines()) if old != new]
        self.assertEqual(len(copy.splitlines()), len(shipped.splitlines()))
        self.assertEqual(len(changed), shipped.count("\n        for: "))
        self.assertIn(("        for: 15m", "        for: 10s"), changed)
        self.assertIn(("        for: 1h", "        for: 10s"), changed)
        self.assertTrue(all(new.strip() == "for: 10s" for _, new in changed), changed)

    def test_rules_without_a_for_are_refused(self) -> None:
        with self.assertRaises(ValueError):
            demo_e2e.shorten_for("groups:\n  - name: x\n    rules: []\n")


class ReadmeAlertmanagerConfigTests(unittest.TestCase):
    def test_the_readme_has_one_config_with_route_receivers_and_the_inhibit_rule(self) -> None:
        config = alertmanager_harness.readme_alertmanager_config((demo_e2e.README).read_text(encoding="utf-8"))
        self.assertTrue(config.startswith("# alertmanager.yml\n"))
        for part in ("route:", "receivers:", "inhibit_rules:", 'source_matchers: [alertname="BalanceExhausted"]'):
            self.assertIn(part, config)
        for severity, receiver in demo_e2e.RECEIVERS.items():
            self.assertIn(f'- matchers: [severity="{severity}"]\n      receiver: {receiver}\n', config)
        self.assertEqual(alertmanager_harness.longest_duration(config, "group_wait"), 30)

    def test_a_readme_with_no_or_two_configs_or_no_webhook_is_refused(self) -> None:
        block = f"```yaml\n# alertmanager.yml\nreceivers:\n  - url: {alertmanager_harness.README_WEBHOOK_BASE}/a\n```\n"
        self.assertIn("receivers:", alertmanager_harness.readme_alertmanager_config("text\n" + block))
        for readme in ("no config", block + block, block.replace(alertmanager_harness.README_WEBHOOK_BASE, "http://x")):
            with self.assertRaises(ValueError):
                alertmanager_harness.readme_alertmanager_config(readme)

    def test_longest_duration_reads_every_unit_and_refuses_an_absent_key(self) -> None:
        config = "route:\n  group_wait: 30s\n  routes:\n    - group_wait: 2m   # slower\n  repeat_interval: 1h\n"
        self.assertEqual(alertmanager_harness.longest_duration(config, "group_wait"), 120)
        self.assertEqual(alertmanager_harness.longest_duration(config, "repeat_interval"), 3600)
        with self.assertRaises(KeyError):
            alertmanager_harness.longest_duration(config, "group_interval")

    def test_rfc3339_times_as_alertmanager_writes_them(self) -> None:
        self.assertEqual(alertmanager_harness.rfc3339_seconds("2027-01-15T08:00:00Z"), 1_800_000_000.0)
        self.assertAlmostEqual(alertmanager_harness.rfc3339_seconds("2027-01-15T08:00:00.123456789Z"), 1_800_000_000.123456789, places=5)
        self.assertEqual(alertmanager_harness.rfc3339_seconds("2027-01-15T09:00:00+01:00"), 1_800_000_000.0)
        with self.assertRaises(ValueError):
            alertmanager_harness.rfc3339_seconds("yesterday")


INFOS = {("tencentcloud", "2"): {"name": "demo-cn-staging", "currency": "CNY"},
         ("tencentcloud", "4"): {"name": "demo-arrears", "currency": "USD"}}
NAMES = {key: info["name"] for key, info in INFOS.items()}
INSTANCE = "127.0.0.1:9999"


def firing(alertname: str, uin: str, summary: str | None = None, **labels: str) -> dict:
    info = INFOS[("tencentcloud", uin)]
    account = f"tencentcloud/{uin} ({info['name']}, {info['currency']})"
    return {"status": "firing",
            "labels": {"alertname": alertname, "provider": "tencentcloud", "uin": uin, "job": "balance_exporter",
                       "instance": INSTANCE, "severity": demo_e2e.SEVERITY[alertname], **labels},
            "annotations": {"summary": summary or demo_e2e.SUMMARIES[alertname].format(
                account=account, uin=uin, name=info["name"], currency=info["currency"], credit=labels.get("credit", "")),
                "description": f"tencentcloud account {uin} ({info['name']}) has 12.5 available"}}


def notification(receiver: str, *alerts: dict) -> tuple[str, object]:
    return "/" + receiver, {"version": "4", "receiver": receiver, "status": "firing", "alerts": list(alerts)}


class NotificationTests(unittest.TestCase):
    def test_expected_deliveries_route_by_severity_and_leave_out_the_inhibited_alert(self) -> None:
        expected = demo_e2e.expected_deliveries()
        self.assertEqual(expected["balance-critical"], {("BalanceExhausted", "demo-arrears"), ("BalanceOwed", "demo-arrears"),
                                                        ("BalanceExhausted", "demo-alibaba-arrears"),
                                                        ("BalanceOwed", "demo-alibaba-arrears"),
                                                        ("BalanceOwed", "demo-huawei-credit"),
                                                        ("BalanceExhausted", "demo-volc-arrears"),
                                                        ("BalanceOwed", "demo-volc-arrears")})
        self.assertEqual(expected["balance-warning"], {("BalanceLow", "demo-cn-staging"),
                                                       ("BalancePredictedExhaustion", "demo-cn-staging")})
        self.assertEqual(expected["balance-info"], {("BalanceTempCreditEnding", "demo-credit")})

    def test_deliveries_name_the_firing_alerts_of_each_receiver_by_account(self) -> None:
        resolved = dict(firing("BalanceLow", "2"), status="resolved")
        received = [notification("balance-warning", firing("BalanceLow", "2"), resolved),
                    notification("balance-critical", firing("BalanceExhausted", "4"), firing("BalanceOwed", "4")),
                    ("/warning", "not json"),
                    notification("balance-warning", dict(firing("BalanceLow", "2"), labels={"alertname": "BalanceLow",
                                                                                           "uin": "7"}))]
        self.assertEqual(demo_e2e.deliveries(received, NAMES), {
            "balance-warning": {("BalanceLow", "demo-cn-staging"), ("BalanceLow", "7")},
            "balance-critical": {("BalanceExhausted", "demo-arrears"), ("BalanceOwed", "demo-arrears")}})

    def test_grouping_problems_are_two_accounts_in_one_or_two_for_one_account(self) -> None:
        one_each = [notification("balance-warning", firing("BalanceLow", "2"), firing("BalancePredictedExhaustion", "2")),
                    notification("balance-critical", firing("BalanceExhausted", "4")),
                    notification("balance-warning", firing("BalanceLow", "4"))]
        self.assertEqual(demo_e2e.grouping_problems(one_each, NAMES), [])
        mixed = [notification("balance-warning", firing("BalanceLow", "2"), firing("BalanceLow", "4"))]
        self.assertEqual(demo_e2e.grouping_problems(mixed, NAMES),
                         ["notification 0 to balance-warning names demo-arrears, demo-cn-staging"])
        twice = one_each + [notification("balance-warning", firing("BalancePredictedExhaustion", "2"))]
        self.assertEqual(demo_e2e.grouping_problems(twice, NAMES),
                         ["balance-warning sent 2 notifications for demo-cn-staging"])

    def test_alert_problems_check_severity_job_instance_summary_and_description(self) -> None:
        self.assertEqual(demo_e2e.alert_problems(firing("BalanceOwed", "4"), INFOS, INSTANCE), [])
        self.assertEqual(demo_e2e.alert_problems(firing("BalanceTempCreditEnding", "2", credit="c-1"), INFOS, INSTANCE), [])
        wrong = firing("BalanceLow", "2", severity="critical", summary="Low balance on tencentcloud/2")
        wrong["annotations"]["description"] = "tencentcloud account 2 ({{ $labels.name }}) has <no value>"
        problems = demo_e2e.alert_problems(wrong, INFOS, "127.0.0.1:1")
        self.assertEqual(len(problems), 4, problems)
        self.assertTrue(problems[0].startswith("BalanceLow for demo-cn-staging: severity 'critical', expected 'warning'"))
        self.assertIn("instance '127.0.0.1:9999', expected '127.0.0.1:1'", problems[1])
        self.assertIn("expected 'Low balance on tencentcloud/2 (demo-cn-staging, CNY)'", problems[2])
        self.assertTrue(problems[3].startswith("BalanceLow for demo-cn-staging: description"))
        self.assertEqual(len(demo_e2e.alert_problems(dict(firing("BalanceLow", "2"), labels={"alertname": "BalanceLow"}),
                                                     INFOS, INSTANCE)), 1)


class WebhookReceiverTests(unittest.TestCase):
    def test_records_every_post_in_order_and_answers_200(self) -> None:
        with alertmanager_harness.WebhookReceiver() as webhook:
            self.assertTrue(webhook.base.startswith("http://127.0.0.1:"))
            for path, body in (("/critical", json.dumps({"receiver": "balance-critical"})), ("/info", "{not json")):
                request = urllib.request.Request(webhook.base + path, data=body.encode(), method="POST",
                                                 headers={"Content-Type": "application/json"})
                with urllib.request.urlopen(request, timeout=5) as response:
                    self.assertEqual(response.status, 200)
            self.assertEqual(webhook.received(), [("/critical", {"receiver": "balance-critical"}), ("/info", "{not json")])


if __name__ == "__main__":
    unittest.main()
