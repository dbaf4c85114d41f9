#!/usr/bin/env python3
"""Unit tests of demo_e2e.py's pure parts: reading a /metrics body and the history it backfills.
The script itself runs against the real exporter and Prometheus (DemoEndToEndTests.swift)."""

from __future__ import annotations

import sys
import unittest
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

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
        self.history = demo_e2e.synthesize_history(demo_e2e.parse_exposition(BODY), NOW, "127.0.0.1:9999",
                                                   hours=12, step=120, days_left={"low": 3})

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

    def test_balance_falls_to_its_current_value_at_the_rate_asked(self) -> None:
        points = history_values(self.history, "balance_available", "1")
        values = [value for _, value in points]
        self.assertEqual(values, sorted(values, reverse=True))
        timestamp, oldest = points[0]
        per_day = (oldest - 90) / (NOW - timestamp) * 86400
        self.assertAlmostEqual(per_day, 30.0)  # 90 left at 30 a day: 3 days
        # Accounts not named drain at the default pace; an exhausted one stays flat.
        timestamp, oldest = history_values(self.history, "balance_available", "2")[0]
        self.assertAlmostEqual(600 / ((oldest - 600) / (NOW - timestamp) * 86400), demo_e2e.DEFAULT_DAYS_LEFT)
        self.assertEqual({value for _, value in history_values(self.history, "balance_available", "3")}, {-5.0})

    def test_other_series_keep_their_values_and_refresh_times_move_with_the_clock(self) -> None:
        self.assertEqual({v for _, v in history_values(self.history, "balance_upstream_requests_total", "1")}, {4.0})
        for timestamp, value in history_values(self.history, "balance_last_success_timestamp_seconds", "1"):
            self.assertAlmostEqual(value, 1799999990 - (NOW - timestamp))
        self.assertIn("balance_exporter_config_last_reload_successful{job=", self.history)

    def test_leaves_out_the_process_series(self) -> None:
        self.assertNotIn("process_cpu_seconds_total", self.history)


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


if __name__ == "__main__":
    unittest.main()
