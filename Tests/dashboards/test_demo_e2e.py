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


if __name__ == "__main__":
    unittest.main()
