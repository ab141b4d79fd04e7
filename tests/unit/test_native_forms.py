"""The native check of form data never accepts what jsonschema refuses.

On every deployed form it is used for, with data generated from the form's own sample (fields
kept, changed, dropped or added, at any depth, with the values that tell the two apart: dates
Python cannot represent, texts around a length, NaN, the form's own options), and on schemas
whose keywords it must leave to jsonschema.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.bpm import forms, native_forms
from engine.bpm.form_samples import sample_data
from engine.bpm.forms import validate_form
from engine.errors import ValidationError

FORMS = sorted((Path(__file__).parents[2] / "processes" / "forms").glob("*.schema.json"))
SCHEMAS = {path.name.removesuffix(".schema.json"): json.loads(path.read_text()) for path in FORMS}
NATIVE = sorted(name for name, schema in SCHEMAS.items() if native_forms._native_check(schema))

_EDGE_TEXTS = ["", " ", "0000-01-01", "2026-02-29", "2024-02-29", "2026-12-04", "a@b", "sin arroba"]
_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-3, max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=6),
    st.from_regex(r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}\Z"),
    st.sampled_from(_EDGE_TEXTS),
)
_JSON = st.recursive(
    _SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=6,
)


def accepted_by_jsonschema(schema: dict[str, Any], data: Any) -> bool:
    return bool(forms._validator(schema).is_valid(data))


def options_of(schema: Any) -> list[Any]:
    """Every `const` and `enum` value of a schema, at any depth: what makes a branch apply."""
    if isinstance(schema, list):
        return [found for item in schema for found in options_of(item)]
    if not isinstance(schema, dict):
        return []
    found = [schema["const"]] if "const" in schema else list(schema.get("enum") or [])
    return found + [option for value in schema.values() for option in options_of(value)]


def places(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in `value` (the whole, then each item at any depth)."""
    found = [path]
    if isinstance(value, dict):
        for key, item in value.items():
            found += places(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += places(item, (*path, index))
    return found


def changed_at(value: Any, path: tuple[Any, ...], action: str, new: Any) -> Any:
    """`value` with the item at `path` replaced or dropped, or a key added beside it."""
    if not path:
        return new if action == "replace" else value
    copy = json.loads(json.dumps(value))
    parent = copy
    for step in path[:-1]:
        parent = parent[step]
    last = path[-1]
    if action == "replace":
        parent[last] = new
    elif action == "drop":
        del parent[last]
    elif isinstance(parent, dict):
        parent["campo_nuevo"] = new
    else:
        parent.append(new)
    return copy


@pytest.mark.parametrize("name", NATIVE)
@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,  # the same examples on every run: CI is reproducible
    suppress_health_check=[HealthCheck.too_slow],
)
@given(data=st.data())
def test_the_native_check_accepts_only_what_jsonschema_accepts(
    name: str, data: st.DataObject
) -> None:
    schema = SCHEMAS[name]
    values = st.one_of(
        st.sampled_from(_EDGE_TEXTS), st.sampled_from(options_of(schema) or [None]), _JSON
    )
    # One or two changes to a valid sample: data valid but at one place tells the two apart.
    candidate = sample_data(schema)
    for _ in range(data.draw(st.integers(min_value=1, max_value=2))):
        path = data.draw(st.sampled_from(places(candidate)))
        action = data.draw(st.sampled_from(["replace", "replace", "drop", "add"]))
        candidate = changed_at(candidate, path, action, data.draw(values))
    if native_forms.native_accepts(schema, candidate):
        assert accepted_by_jsonschema(schema, candidate), candidate


@pytest.mark.parametrize("name", NATIVE)
def test_a_forms_sample_is_accepted_natively(name: str) -> None:
    sample = sample_data(SCHEMAS[name])
    assert accepted_by_jsonschema(SCHEMAS[name], sample)
    assert native_forms.native_accepts(SCHEMAS[name], sample)


def test_most_deployed_forms_are_checked_natively() -> None:
    assert len(NATIVE) >= 0.9 * len(SCHEMAS), sorted(set(SCHEMAS) - set(NATIVE))


DATE = {"type": "object", "properties": {"fecha": {"type": "string", "format": "date"}}}


def test_a_format_means_what_it_means_to_jsonschema() -> None:
    # jsonschema_rs alone takes year 0 as a date; Python's dates (and jsonschema) do not.
    assert not accepted_by_jsonschema(DATE, {"fecha": "0000-01-01"})
    assert not native_forms.native_accepts(DATE, {"fecha": "0000-01-01"})
    assert native_forms.native_accepts(DATE, {"fecha": "2024-02-29"})
    with pytest.raises(ValidationError) as refused:
        validate_form(DATE, {"fecha": "0000-01-01"})
    assert refused.value.field_errors == {"fecha": "el formato no es válido"}


LIST = {"type": "object", "properties": {"nombres": {"type": "array", "items": {"type": "string"}}}}


def test_data_that_is_not_plain_json_is_left_to_jsonschema() -> None:
    assert native_forms.native_accepts(LIST, {"nombres": ["Ana"]})
    assert not native_forms.native_accepts(LIST, {"nombres": ("Ana",)})  # a tuple is no array
    with pytest.raises(ValidationError):
        validate_form(LIST, {"nombres": ("Ana",)})


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "string", "pattern": "^[0-9]+$"},
        {"$defs": {"x": {"type": "string"}}, "$ref": "#/$defs/x"},
        {"type": "array", "uniqueItems": True},
        {"type": "number", "multipleOf": 0.1},
        {"const": 1},
        {"enum": ["a", 2]},
        {"type": "integer", "maximum": 2**60},
        {"$schema": "http://json-schema.org/draft-07/schema#", "type": "string"},
        {"properties": {"x": {"patternProperties": {"^a": {}}}}},
        {"oneOf": [{"type": "string"}, {"type": "string", "pattern": "a"}]},
        {"type": "any"},  # not a valid schema: jsonschema reports what it does with it
        {"enum": ["\ud800"]},  # a text Rust cannot hold
        # Below the top, a `$schema` switches jsonschema to that draft's rules (in draft 4, a
        # true exclusiveMaximum makes `maximum` exclusive), not jsonschema_rs.
        {
            "properties": {
                "a": {
                    "$schema": "http://json-schema.org/draft-04/schema#",
                    "maximum": 5,
                    "exclusiveMaximum": 10,
                }
            }
        },
        {"properties": {"a": {"disallow": "string"}}},  # a keyword of an older draft
    ],
    ids=repr,
)
def test_schemas_the_two_could_read_differently_are_left_to_jsonschema(
    schema: dict[str, Any],
) -> None:
    assert native_forms._native_check(schema) is None


@pytest.mark.parametrize("number", [float("inf"), float("-inf"), float("nan")], ids=repr)
def test_a_number_that_is_not_finite_is_left_to_jsonschema(number: float) -> None:
    # jsonschema_rs takes them as no type at all: no limit would apply.
    limited = {"type": "object", "properties": {"n": {"maximum": 5, "minimum": -5}}}
    assert native_forms.native_accepts(limited, {"n": 1.5})
    assert not native_forms.native_accepts(limited, {"n": number})
    assert accepted_by_jsonschema(limited, {"n": number}) is (
        number != number
    )  # NaN compares false


def test_data_nested_deeper_than_a_walk_goes_is_left_to_jsonschema() -> None:
    deep: Any = "fondo"
    for _ in range(2000):
        deep = [deep]
    assert not native_forms.native_accepts({"type": "array"}, deep)
