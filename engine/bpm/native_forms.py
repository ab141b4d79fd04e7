"""A compiled check that form data is valid, for the forms where it answers as jsonschema does.

`jsonschema` walks a form's schema in Python on every submission (~0.1 ms for a delegation
ficha); `jsonschema_rs` checks the same Draft 2020-12 schema natively (under a microsecond). It
only answers "valid": data it refuses, and every form it is not used for, go to `jsonschema`,
which words the errors. So it must never accept what `jsonschema` refuses, and is used only
where both agree by construction:

- the schema uses only the keywords listed in `_CHECKED`, annotations (`_ANNOTATIONS`) and our
  own `x-` keys, which neither validator reads: anything else (`pattern`, whose regular
  expressions are Rust's; `$ref`; `uniqueItems` or `multipleOf`, whose equality and arithmetic
  differ; a `$schema` below the top, under which jsonschema switches to that draft's rules;
  any keyword unknown here) leaves the form to jsonschema;
- its `const` and `enum` values are texts, booleans or null, and its numeric limits are
  exactly representable as floats: equality and comparisons then mean the same in both;
- every `format` it names is checked by jsonschema's own `FormatChecker` (handed to the
  native validator), so a format means what it means to `jsonschema` (which knows fewer of them:
  a format it has no checker for accepts anything in both);
- the data is made of JSON's own types only, with finite numbers (`jsonschema_rs` takes a tuple
  as an array, which `jsonschema` does not, and an infinite float as no type at all, so no limit
  applies to it).

A schema is compiled once per object, as its jsonschema validator is: deployed schemas are
never changed in place (`DefinitionCache`).

`tests/unit/test_native_forms.py` compares both on every deployed form, with generated data.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

import jsonschema_rs
from jsonschema import FormatChecker

from engine.bpm.schema_memo import per_schema

# Keywords whose meaning is the same in both validators, for the values `_vetted` allows.
_CHECKED = frozenset({
    "type", "properties", "required", "additionalProperties", "items", "minItems", "maxItems",
    "const", "enum", "minLength", "maxLength", "minimum", "maximum", "exclusiveMinimum",
    "exclusiveMaximum", "allOf", "anyOf", "oneOf", "not", "if", "then", "else", "format",
})  # fmt: skip
# Read by neither (without a `$ref`, an `$id` changes nothing).
_ANNOTATIONS = frozenset({
    "title", "description", "default", "examples", "$comment", "deprecated", "readOnly",
    "writeOnly", "$id",
})  # fmt: skip
_DIALECT = "https://json-schema.org/draft/2020-12/schema"
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf")
_SUBSCHEMAS = ("items", "not", "if", "then", "else", "additionalProperties")
_LIMITS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")
_EXACT_FLOAT = 2**53  # integers up to this compare as floats without rounding
_SCALARS = (str, bool, type(None))
_JSON_TYPES = frozenset({str, int, float, bool, type(None)})
_FORMATS = FormatChecker()


def native_accepts(schema: Mapping[str, Any], data: Any) -> bool:
    """True when `data` is valid under `schema` and the native check can say so; False means
    "ask jsonschema" (the data may still be valid)."""
    check = _native_check(schema)
    try:
        return check is not None and _json_values(data) and check(data)
    # A value the native side cannot convert, or data nested deeper than a walk goes:
    # jsonschema says what it does with them.
    except (ValueError, TypeError, OverflowError, RecursionError):
        return False


@per_schema
def _native_check(schema: Mapping[str, Any]) -> Callable[[Any], bool] | None:
    formats: set[str] = set()
    if schema.get("$schema", _DIALECT) != _DIALECT or not _vetted(schema, formats, top=True):
        return None
    try:
        validator = jsonschema_rs.Draft202012Validator(
            dict(schema),
            validate_formats=True,
            formats={name: partial(_FORMATS.conforms, format=name) for name in formats},
        )
    except ValueError:  # not a valid schema (or a text Rust cannot hold): jsonschema decides
        return None
    return validator.is_valid


def _vetted(schema: Any, formats: set[str], top: bool = False) -> bool:
    """Whether `schema` (a subschema at any depth) uses only what both validators read alike;
    collects the formats it names."""
    if isinstance(schema, bool):
        return True
    if not isinstance(schema, dict):
        return False
    for key in schema:
        if not (
            key in _CHECKED
            or key in _ANNOTATIONS
            or (isinstance(key, str) and key.startswith("x-"))
            or (top and key == "$schema")
        ):
            return False
    for keyword in _CHECKED.intersection(schema):
        value = schema[keyword]
        if keyword == "format":
            if not isinstance(value, str):
                return False
            formats.add(value)
        elif keyword == "const":
            if not isinstance(value, _SCALARS):
                return False
        elif keyword == "enum":
            if not isinstance(value, list) or not all(isinstance(v, _SCALARS) for v in value):
                return False
        elif keyword in _LIMITS:
            if type(value) not in (int, float) or not -_EXACT_FLOAT < value < _EXACT_FLOAT:
                return False
        elif keyword == "properties":
            if not isinstance(value, dict) or not all(
                _vetted(sub, formats) for sub in value.values()
            ):
                return False
        elif keyword in _SCHEMA_LISTS:
            if not isinstance(value, list) or not all(_vetted(sub, formats) for sub in value):
                return False
        elif keyword in _SUBSCHEMAS and not _vetted(value, formats):
            return False
    return True


def _json_values(value: Any) -> bool:
    """Whether `value` is made only of JSON's types (exactly: no subclasses, no tuples), with
    finite numbers."""
    kind = type(value)
    if kind is dict:
        return all(type(key) is str and _json_values(item) for key, item in value.items())
    if kind is list:
        return all(_json_values(item) for item in value)
    if kind is float:
        return math.isfinite(value)
    return kind in _JSON_TYPES
