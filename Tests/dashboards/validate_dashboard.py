#!/usr/bin/env python3
"""Validate a Grafana dashboard JSON file offline.

Usage: validate_dashboard.py [DASHBOARD_JSON]   (default: dashboards/balance-exporter.json)

Two layers of checks, all reported at once; exit 0 when clean, 1 on any problem, 2 on bad usage.

1. Grafana's dashboard schema. The PyPI package grafana-foundation-sdk ships no JSON schema file: it
   ships Python classes generated from Grafana's CUE schema (kinds `dashboard`, the panel plugins'
   `Options`/`FieldConfig`, the data sources' `Dataquery`), each with `from_json`/`to_json`. Their
   `from_json` is lenient (an unknown or misspelled key is silently dropped, no type is checked), so
   this script turns those classes into a JSON Schema: one object per class, properties named by the
   JSON keys its `from_json` reads, typed by its annotations, and no other property allowed. Panel
   `options` and `fieldConfig.defaults.custom` are checked against the panel plugin's classes (by
   panel `type`), targets against the data source's query class (by panel `datasource.type`), the
   way the SDK itself dispatches. `jsonschema` then reports every violation with its JSON path.

2. The project's conventions (README.md, "Grafana dashboard"): stable uid, a `datasource` template
   variable, `job`/`provider`/`uin` variables, and on every panel a description, a unit, the
   `${datasource}` data source and at least one query.
"""

from __future__ import annotations

import enum
import functools
import inspect
import json
import re
import sys
import types
import typing
from pathlib import Path

EXPECTED_UID = "balance-exporter"
PANEL_DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}
GRID_COLUMNS = 24

try:
    import jsonschema
    from grafana_foundation_sdk.cog import plugins as sdk_plugins
    from grafana_foundation_sdk.cog import runtime as sdk_runtime
    from grafana_foundation_sdk.cog import variants as sdk_variants
    from grafana_foundation_sdk.models import dashboard as sdk_dashboard
except ImportError as error:  # the message names the fix, not a traceback
    sys.exit(f"validate_dashboard: missing Python package ({error.name}): "
             "pip install grafana-foundation-sdk jsonschema")


# --- 1. JSON Schema derived from the SDK's generated classes --------------------------------------

# Generated `to_json` bodies write each key as `"jsonKey": self.attr,` or
# `payload["jsonKey"] = self.attr`; `from_json` reads them as `if "jsonKey" in data: args["attr"]`.
_TO_JSON_KEY = re.compile(r'(?:^\s*|payload\[)"([^"]+)"\]?\s*[:=]\s*self\.(\w+)', re.MULTILINE)
_FROM_JSON_KEY = re.compile(r'if "([^"]+)" in data:\s*\n\s*args\["(\w+)"\]')


class SchemaBuilder:
    """Builds a JSON Schema (`$defs` + `$ref`) from SDK model classes."""

    def __init__(self) -> None:
        self.defs: dict[str, dict] = {}

    def ref(self, cls: type) -> dict:
        name = f"{cls.__module__.rsplit('.', 1)[-1]}.{cls.__qualname__}"
        if name not in self.defs:
            self.defs[name] = {}  # placeholder: classes refer to themselves (rows hold panels)
            self.defs[name] = self.object_schema(cls)
        return {"$ref": f"#/$defs/{name}"}

    def object_schema(self, cls: type) -> dict:
        hints = typing.get_type_hints(cls)
        keys = (_TO_JSON_KEY.findall(inspect.getsource(cls.to_json))
                + _FROM_JSON_KEY.findall(inspect.getsource(cls.from_json)))
        if not keys and hints:
            raise RuntimeError(f"cannot read the JSON keys of {cls.__qualname__}.from_json "
                               "(grafana-foundation-sdk changed its generated code?)")
        properties = {key: self.type_schema(hints[attr]) for key, attr in keys}
        return {"type": "object", "properties": properties, "additionalProperties": False}

    def type_schema(self, hint: typing.Any) -> dict:
        origin = typing.get_origin(hint)
        args = typing.get_args(hint)
        if hint is type(None):
            return {"type": "null"}
        if hint in (typing.Any, object):
            return {}
        if hint is bool:
            return {"type": "boolean"}
        if hint is int:
            return {"type": "integer"}
        if hint is float:
            return {"type": "number"}
        if hint is str:
            return {"type": "string"}
        if origin is typing.Literal:
            return {"enum": list(args)}
        if origin in (typing.Union, types.UnionType):
            others = [arg for arg in args if arg is not type(None)]
            if len(others) == 1:
                # Optional[X]: null or X, written so that a bad X reports X's own error.
                return {"if": {"type": "null"}, "else": self.type_schema(others[0])}
            return {"anyOf": [self.type_schema(arg) for arg in args]}
        if origin is list:
            return {"type": "array", "items": self.type_schema(args[0]) if args else {}}
        if origin is dict:
            return {"type": "object", "additionalProperties": self.type_schema(args[1]) if args else {}}
        if isinstance(hint, type) and issubclass(hint, enum.Enum):
            return {"enum": [member.value for member in hint]}
        if isinstance(hint, type) and issubclass(hint, sdk_variants.Dataquery):
            return {}  # decided by the panel's data source type, see dashboard_schema()
        if isinstance(hint, type) and hasattr(hint, "from_json"):
            return self.ref(hint)
        raise RuntimeError(f"no JSON Schema mapping for type {hint!r}")


def _hook_class(hook: typing.Any) -> type | None:
    """The class behind a registered `Cls.from_json` hook (a bound classmethod)."""
    owner = getattr(hook, "__self__", None)
    return owner if isinstance(owner, type) else None


@functools.cache
def dashboard_schema() -> dict:
    sdk_plugins.register_default_plugins()
    registry = sdk_runtime.Runtime()
    builder = SchemaBuilder()
    root = builder.ref(sdk_dashboard.Dashboard)
    panel_ref = builder.ref(sdk_dashboard.Panel)
    row_ref = builder.ref(sdk_dashboard.RowPanel)

    # Panel options and custom field config by panel type, as Panel.from_json dispatches them.
    by_type = []
    for identifier, config in sorted(registry.panelcfg_variants.items()):
        then: dict = {"properties": {}}
        options_cls = _hook_class(config.options_from_json_hook)
        if options_cls is not None:
            then["properties"]["options"] = builder.ref(options_cls)
        custom_cls = _hook_class(config.field_config_from_json_hook)
        if custom_cls is not None:
            then["properties"]["fieldConfig"] = {"properties": {"defaults": {
                "properties": {"custom": builder.ref(custom_cls)}}}}
        by_type.append({"if": {"properties": {"type": {"const": identifier}}, "required": ["type"]},
                        "then": then})
    # Targets by the panel's data source type, as Panel.from_json dispatches them.
    for identifier, config in sorted(registry.dataquery_variants.items()):
        query_cls = _hook_class(config.from_json_hook)
        if query_cls is None:
            continue
        by_type.append({
            "if": {"properties": {"datasource": {"properties": {"type": {"const": identifier}},
                                                 "required": ["type"]}},
                   "required": ["datasource"]},
            "then": {"properties": {"targets": {"type": "array", "items": builder.ref(query_cls)}}}})

    panel_name = panel_ref["$ref"].rsplit("/", 1)[1]
    builder.defs[panel_name] = {"allOf": [builder.defs[panel_name], *by_type]}
    # Dashboard.from_json reads a panel of type "row" as RowPanel, anything else as Panel.
    dashboard_name = root["$ref"].rsplit("/", 1)[1]
    builder.defs[dashboard_name]["properties"]["panels"] = {"type": "array", "items": {
        "if": {"properties": {"type": {"const": "row"}}, "required": ["type"]},
        "then": row_ref, "else": panel_ref}}
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **root, "$defs": builder.defs}


def schema_problems(dashboard: dict) -> list[str]:
    validator = jsonschema.Draft202012Validator(dashboard_schema())
    problems = []
    for error in sorted(validator.iter_errors(dashboard), key=lambda e: list(map(str, e.absolute_path))):
        # "not valid under any of the given schemas" says little: name the closest alternative's fault.
        while error.context:
            error = max(error.context, key=lambda e: len(e.absolute_path))
        path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path) or "(root)"
        problems.append(f"schema: {path}: {error.message}")
    return problems


# --- 2. Project conventions -----------------------------------------------------------------------

def all_panels(dashboard: dict) -> list[dict]:
    """Top-level panels plus the panels kept inside collapsed rows."""
    found = []
    for panel in dashboard.get("panels") or []:
        if isinstance(panel, dict):
            found.append(panel)
            found.extend(p for p in panel.get("panels") or [] if isinstance(p, dict))
    return found


def panel_name(panel: dict) -> str:
    return f"panel {panel.get('id', '?')} {panel.get('title', '(untitled)')!r}"


def convention_problems(dashboard: dict) -> list[str]:
    problems = []
    if dashboard.get("uid") != EXPECTED_UID:
        problems.append(f"uid is {dashboard.get('uid')!r}, must stay {EXPECTED_UID!r} "
                        "(provisioning and links find the dashboard by it)")
    if not str(dashboard.get("title") or "").strip():
        problems.append("dashboard has no title")
    if not dashboard.get("tags"):
        problems.append("dashboard has no tags")
    if not isinstance(dashboard.get("schemaVersion"), int):
        problems.append("dashboard has no integer schemaVersion")

    variables = {v.get("name"): v for v in (dashboard.get("templating") or {}).get("list") or []
                 if isinstance(v, dict)}
    datasource = variables.get("datasource")
    if datasource is None or datasource.get("type") != "datasource" or datasource.get("query") != "prometheus":
        problems.append("missing template variable 'datasource' of type datasource with query 'prometheus' "
                        "(file provisioning has no import step to choose one)")
    for name in ("job", "provider", "uin"):
        variable = variables.get(name)
        query = variable.get("query") if variable else None
        query_text = query.get("query") if isinstance(query, dict) else query
        if variable is None or variable.get("type") != "query" or "label_values(" not in str(query_text):
            problems.append(f"missing template variable {name!r} of type query from label_values(...)")
        elif not (variable.get("multi") and variable.get("includeAll")):
            problems.append(f"template variable {name!r} must allow several values and All")

    seen_ids: dict[int, str] = {}
    for panel in all_panels(dashboard):
        name = panel_name(panel)
        if panel.get("id") in seen_ids:
            problems.append(f"{name}: id also used by {seen_ids[panel['id']]}")
        seen_ids[panel.get("id")] = name
        grid = panel.get("gridPos") or {}
        if not all(isinstance(grid.get(k), int) for k in "xywh"):
            problems.append(f"{name}: gridPos needs integer x, y, w, h")
        elif grid["w"] <= 0 or grid["h"] <= 0 or grid["x"] < 0 or grid["x"] + grid["w"] > GRID_COLUMNS:
            problems.append(f"{name}: gridPos {grid} is outside the {GRID_COLUMNS}-column grid")
        if panel.get("type") == "row":
            continue  # a row is a heading: no query, unit or description to show
        if not str(panel.get("title") or "").strip():
            problems.append(f"{name}: no title")
        if not str(panel.get("description") or "").strip():
            problems.append(f"{name}: no description (the (i) tooltip is the reader's only help)")
        unit = ((panel.get("fieldConfig") or {}).get("defaults") or {}).get("unit")
        if not str(unit or "").strip():
            problems.append(f"{name}: no unit in fieldConfig.defaults.unit")
        if panel.get("datasource") != PANEL_DATASOURCE:
            problems.append(f"{name}: datasource must be {PANEL_DATASOURCE}, is {panel.get('datasource')}")
        targets = panel.get("targets") or []
        if not targets:
            problems.append(f"{name}: no query")
        for target in targets:
            if not isinstance(target, dict):
                continue  # the schema reports it
            ref = target.get("refId", "?")
            if not str(target.get("expr") or "").strip():
                problems.append(f"{name}: query {ref} has no expr")
            if "datasource" in target and target["datasource"] != PANEL_DATASOURCE:
                problems.append(f"{name}: query {ref} datasource must be {PANEL_DATASOURCE}")
    return problems


def validate(dashboard: typing.Any) -> list[str]:
    if not isinstance(dashboard, dict):
        return ["the dashboard must be a JSON object"]
    return schema_problems(dashboard) + convention_problems(dashboard)


def main(argv: list[str]) -> int:
    if len(argv) > 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    path = Path(argv[1] if len(argv) == 2 else "dashboards/balance-exporter.json")
    try:
        dashboard = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        print(f"validate_dashboard: {path}: cannot read JSON: {error}", file=sys.stderr)
        return 1
    problems = validate(dashboard)
    for problem in problems:
        print(f"validate_dashboard: {path}: {problem}", file=sys.stderr)
    if problems:
        print(f"validate_dashboard: {path}: FAILED with {len(problems)} problem(s)", file=sys.stderr)
        return 1
    panels = [p for p in all_panels(dashboard) if p.get("type") != "row"]
    print(f"validate_dashboard: {path}: OK (Grafana schema from grafana-foundation-sdk, "
          f"{len(panels)} panels with description, unit and ${{datasource}})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
