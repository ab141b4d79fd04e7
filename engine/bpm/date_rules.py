"""Dates that must make sense: a form field says which date it may not precede or follow.

    "x-not-before": "fecha_realizacion"   not earlier than that field
    "x-not-after": "today"                not later than today (Bogotá, by the engine's clock)
    "x-after": "today"                    strictly later: in the future (a reprogrammed due date)
    "x-after": "fecha_realizacion"        strictly later than that field (a next session)

A field name is looked up in the submitted object (the commitment's own row first, then the
form's top level), then in the case's start data. A date that does not parse is left to the
schema's `format` check; a missing reference imposes nothing.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date
from typing import Any

NOT_BEFORE, NOT_AFTER, AFTER = "x-not-before", "x-not-after", "x-after"
RULES = (NOT_BEFORE, NOT_AFTER, AFTER)
TODAY = "today"


def date_rule_errors(
    schema: Mapping[str, Any] | None,
    data: Mapping[str, Any],
    case_data: Mapping[str, Any],
    today: date,
) -> dict[str, str]:
    """Field errors, in Spanish, for dates that break their form's `x-not-before/after`
    and `x-after`."""
    errors: dict[str, str] = {}
    if not schema or not isinstance(data, Mapping):
        return errors
    titles = _titles(schema)
    for path, rules, value, row in _dated(schema, data, ""):
        mine = _date(value)
        if mine is None:
            continue
        for keyword in RULES:
            reference = rules.get(keyword)
            if not isinstance(reference, str):
                continue
            bound: date | None = today
            label = "hoy"
            if reference != TODAY:
                found = next((s[reference] for s in (row, data, case_data) if reference in s), None)
                bound, label = _date(found), f"«{titles.get(reference, reference)}»"
            if bound is None:
                continue
            if keyword == NOT_AFTER and mine > bound:
                errors.setdefault(path, f"no puede ser posterior a {label} ({bound.isoformat()})")
            elif keyword == NOT_BEFORE and mine < bound:
                errors.setdefault(path, f"no puede ser anterior a {label} ({bound.isoformat()})")
            elif keyword == AFTER and mine <= bound:
                errors.setdefault(path, f"debe ser posterior a {label} ({bound.isoformat()})")
    return errors


def _dated(
    schema: Mapping[str, Any], data: Mapping[str, Any], prefix: str
) -> Iterator[tuple[str, Mapping[str, Any], Any, Mapping[str, Any]]]:
    for name, child in (schema.get("properties") or {}).items():
        if not isinstance(child, Mapping) or name not in data:
            continue
        value = data[name]
        if any(rule in child for rule in RULES):
            yield f"{prefix}{name}", child, value, data
        items = child.get("items")
        if isinstance(items, Mapping) and isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, Mapping):
                    yield from _dated(items, item, f"{prefix}{name}.{index}.")
        elif child.get("type") == "object" and isinstance(value, Mapping):
            yield from _dated(child, value, f"{prefix}{name}.")


def _titles(schema: Mapping[str, Any]) -> dict[str, str]:
    return {
        name: str(child.get("title") or name)
        for name, child in (schema.get("properties") or {}).items()
        if isinstance(child, Mapping)
    }


def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None
