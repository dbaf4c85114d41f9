#!/usr/bin/env python3
"""Evaluate every query of a Grafana dashboard against a real Prometheus.

Usage: check_queries.py PROM_URL DASHBOARD_JSON [--var NAME=VALUE ...]

Template variables are replaced as Grafana would with "All" selected: `$job` by `.+`, `$provider`
and `$uin` by `.*` (their allValue), `$__rate_interval` by 5m, `$__interval` by 1m, `$__range` by
1h (and the `_s`/`_ms` forms). `--var job=balance_exporter` pins a variable to one value (escaped
as a regex). Every panel query and every `label_values(...)` variable query is sent to
`PROM_URL/api/v1/query` as an instant query at the current time; a query that fails to parse or
evaluate, or that returns no data, is reported.

Exit 0 when every query returned data, 1 when any failed, 2 on bad usage or an unreachable
Prometheus.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

# Grafana's built-in interval variables, at the values a 1-hour view with 15s scrapes would give.
BUILTINS = {
    "__rate_interval": "5m",
    "__interval": "1m",
    "__interval_ms": "60000",
    "__range": "1h",
    "__range_s": "3600",
    "__range_ms": "3600000",
}
# What Grafana substitutes for "All": the variable's allValue where it has one (provider, uin),
# else a regex of every value, which `.+` stands for.
ALL_VALUES = {"job": ".+", "provider": ".*", "uin": ".*"}

_VARIABLE = re.compile(r"\$\{(\w+)(?::[\w]+)?\}|\[\[(\w+)\]\]|\$(\w+)")
_LABEL_VALUES = re.compile(r"^\s*label_values\(\s*(.*?)\s*,\s*(\w+)\s*\)\s*$", re.DOTALL)


class UnknownVariable(ValueError):
    pass


def substitute(expr: str, variables: dict[str, str]) -> str:
    """Replace `$name`, `${name}`, `${name:format}` and `[[name]]` the way Grafana does."""
    def replace(match: re.Match) -> str:
        name = match.group(1) or match.group(2) or match.group(3)
        if name not in variables:
            raise UnknownVariable(f"unknown template variable ${name}")
        return variables[name]
    return _VARIABLE.sub(replace, expr)


def variable_query_expr(query: str) -> str | None:
    """`label_values(selector, label)` as PromQL that has data exactly when the variable has values."""
    match = _LABEL_VALUES.match(query)
    if not match:
        return None
    selector, label = match.groups()
    if not selector:
        return None  # label_values(label): every series; nothing specific to check
    return f"count by ({label}) ({selector})"


@dataclass(frozen=True)
class Query:
    where: str   # e.g. 'panel 3 "Available balance" query A'
    expr: str    # as written in the dashboard


def dashboard_queries(dashboard: dict) -> list[Query]:
    queries = []
    for variable in (dashboard.get("templating") or {}).get("list") or []:
        if variable.get("type") != "query":
            continue
        raw = variable.get("query")
        raw = raw.get("query") if isinstance(raw, dict) else raw
        expr = variable_query_expr(str(raw or ""))
        if expr is not None:
            queries.append(Query(f"variable ${variable.get('name')}", expr))
    panels = []
    for panel in dashboard.get("panels") or []:
        panels.append(panel)
        panels.extend(panel.get("panels") or [])  # collapsed rows keep their panels inside
    for panel in panels:
        for target in panel.get("targets") or []:
            if target.get("hide") or not str(target.get("expr") or "").strip():
                continue
            where = f"panel {panel.get('id')} {panel.get('title')!r} query {target.get('refId', '?')}"
            queries.append(Query(where, target["expr"]))
    return queries


class PrometheusUnreachable(Exception):
    pass


def instant_query(base_url: str, expr: str, timeout: float = 15) -> tuple[str | None, int]:
    """Returns (error, number of result series). Only an unreachable server raises."""
    url = base_url.rstrip("/") + "/api/v1/query?" + urllib.parse.urlencode({"query": expr})
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            body = json.load(response)
    except urllib.error.HTTPError as error:  # 400/422: the query is at fault, the body says why
        try:
            body = json.load(error)
        except ValueError:
            return f"HTTP {error.code}", 0
    except (urllib.error.URLError, OSError, ValueError) as error:
        raise PrometheusUnreachable(f"{base_url}: {error}") from error
    if body.get("status") != "success":
        return f"{body.get('errorType', 'error')}: {body.get('error', 'no detail')}", 0
    result = (body.get("data") or {}).get("result")
    if isinstance(result, list):
        return None, len(result)
    return None, 0 if result is None else 1  # scalar or string results


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("prom_url")
    parser.add_argument("dashboard")
    parser.add_argument("--var", action="append", default=[], metavar="NAME=VALUE",
                        help="pin a template variable to one value instead of All")
    args = parser.parse_args(argv[1:])

    variables = {**BUILTINS, **ALL_VALUES, "datasource": "prometheus"}
    for pin in args.var:
        name, sep, value = pin.partition("=")
        if not sep:
            parser.error(f"--var needs NAME=VALUE, got {pin!r}")
        variables[name] = re.escape(value)
    try:
        with open(args.dashboard, encoding="utf-8") as file:
            dashboard = json.load(file)
    except (OSError, ValueError) as error:
        print(f"check_queries: {args.dashboard}: cannot read JSON: {error}", file=sys.stderr)
        return 2

    passed = failed = 0
    for query in dashboard_queries(dashboard):
        try:
            expr = substitute(query.expr, variables)
            error, count = instant_query(args.prom_url, expr)
        except UnknownVariable as problem:
            error, count, expr = str(problem), 0, query.expr
        except PrometheusUnreachable as problem:
            print(f"check_queries: cannot reach Prometheus: {problem}", file=sys.stderr)
            return 2
        if error is None and count > 0:
            passed += 1
            print(f"ok    {query.where}: {count} series")
            continue
        failed += 1
        reason = error if error is not None else "no data"
        print(f"FAIL  {query.where}: {reason}\n      {' '.join(expr.split())}")
    print(f"check_queries: {passed} passed, {failed} failed")
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
