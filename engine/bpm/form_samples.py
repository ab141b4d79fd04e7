"""Example data for a form, generated from its JSON Schema.

The linter renders every instruction with it, and the tests submit it through the web form: so
every construct the forms use must produce a value its schema accepts. A field with a
`pattern` gives its own value in `examples` (a regular expression has no obvious instance).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

SAMPLE_DATE = "2026-12-04"
SAMPLE_TEXT = "Texto de ejemplo"
# The reference a stored file leaves in the form data (see engine/commands/attachments.py).
SAMPLE_FILE = "adjunto:" + "0" * 64 + "/documento.pdf"

_FORMATS = {
    "date": SAMPLE_DATE,
    "date-time": f"{SAMPLE_DATE}T09:00:00-05:00",
    "time": "09:00:00",
    "email": "persona@cali.gov.co",
    "uri": "https://www.cali.gov.co",
    "data-url": SAMPLE_FILE,
}


class NoSample(ValueError):
    """The schema uses a construct for which no example can be made; Spanish message."""


def sample_data(schema: Mapping[str, Any], overrides: Mapping[str, Any] | None = None) -> Any:
    """A value `schema` accepts, with every optional property filled in.

    `overrides` gives the value of a property by name at any depth (a real username for a
    field the schema can only describe as text).
    """
    return _sample(schema, overrides or {})


def _sample(schema: Mapping[str, Any], overrides: Mapping[str, Any]) -> Any:
    for keyword in ("const", "default"):
        if keyword in schema:
            return schema[keyword]
    for keyword in ("examples", "enum"):
        if schema.get(keyword):
            return schema[keyword][0]
    for keyword in ("oneOf", "anyOf"):
        if schema.get(keyword):
            return _sample({**_without(schema, keyword), **schema[keyword][0]}, overrides)
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object" or "properties" in schema or "allOf" in schema:
        return _object(schema, overrides)
    if kind == "array":
        items = schema.get("items")
        item_schema = items if isinstance(items, Mapping) else {}
        return [_sample(item_schema, overrides) for _ in range(max(1, schema.get("minItems", 1)))]
    if kind == "boolean":
        return True
    if kind in ("integer", "number"):
        return _number(schema, kind)
    if kind == "null":
        return None
    return _string(schema)


def _without(schema: Mapping[str, Any], keyword: str) -> dict[str, Any]:
    return {key: value for key, value in schema.items() if key != keyword}


def _object(schema: Mapping[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    # A conditional branch's fields are filled too: its condition may hold.
    parts = [schema, *(s for s in schema.get("allOf") or [] if isinstance(s, Mapping))]
    parts += [p[k] for p in list(parts) for k in ("then", "else") if isinstance(p.get(k), Mapping)]
    for part in parts:
        for name, subschema in (part.get("properties") or {}).items():
            properties.setdefault(name, subschema)
    return {
        name: overrides[name] if name in overrides else _sample(subschema, overrides)
        for name, subschema in properties.items()
        if isinstance(subschema, Mapping)
    }


def _number(schema: Mapping[str, Any], kind: str) -> int | float:
    value = 1
    if "minimum" in schema:
        value = max(value, schema["minimum"])
    if "exclusiveMinimum" in schema:
        value = max(value, schema["exclusiveMinimum"] + 1)
    if "maximum" in schema:
        value = min(value, schema["maximum"])
    return int(value) if kind == "integer" else value


def _string(schema: Mapping[str, Any]) -> str:
    if "pattern" in schema:
        raise NoSample(
            f"el campo «{schema.get('title', '?')}» tiene un patrón (pattern) y ningún ejemplo "
            "(examples)"
        )
    value = _FORMATS.get(str(schema.get("format")), SAMPLE_TEXT)
    while len(value) < schema.get("minLength", 0):
        value += " " + SAMPLE_TEXT
    return value[: schema["maxLength"]] if "maxLength" in schema else value
