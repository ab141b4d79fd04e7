"""engine.bpm.forms: which keys of submitted data no form defines, at any depth, again and again
(what the schemas allow at each level is worked out once per set of schema objects)."""

from __future__ import annotations

from typing import Any

import pytest

from engine.bpm.forms import unknown_fields, validate_form
from engine.errors import ValidationError

SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "decision": {"type": "string"},
        "asistentes": {
            "type": "array",
            "items": {"type": "object", "properties": {"nombre": {"type": "string"}}},
        },
        "anexos": {"type": "object", "additionalProperties": True},
        "nota": {"properties": ["no es un objeto"]},  # a malformed subschema, never walked here
    },
    "allOf": [{"properties": {"fecha": {"type": "string"}}}],
    "if": {"properties": {"decision": {"const": "devolver"}}},
    "then": {"properties": {"motivo": {"type": "string"}}},
}


@pytest.mark.parametrize(
    ("data", "unknown"),
    [
        ({"decision": "aprobar", "fecha": "2026-12-04", "motivo": "x"}, []),
        ({"decision": "aprobar", "otro": 1}, ["otro"]),
        (
            {"asistentes": [{"nombre": "Ana"}, {"nombre": "Luis", "cargo": "x"}]},
            ["asistentes.1.cargo"],
        ),
        ({"anexos": {"lo_que_sea": {"a": 1}}}, []),
        ({"nota": 5}, []),
    ],
)
def test_the_keys_no_schema_defines_are_found_every_time(
    data: dict[str, Any], unknown: list[str]
) -> None:
    for _ in range(3):
        assert unknown_fields(SCHEMA, data) == unknown


def test_an_equal_copy_of_a_schema_gives_the_same_answer() -> None:
    data = {"decision": "aprobar", "otro": 1}
    copy = {**SCHEMA, "properties": dict(SCHEMA["properties"])}
    assert unknown_fields(copy, data) == unknown_fields(SCHEMA, data) == ["otro"]


def test_without_a_schema_every_key_is_unknown() -> None:
    for _ in range(2):
        with pytest.raises(ValidationError) as refused:
            validate_form(None, {"a": 1})
        assert refused.value.field_errors == {"a": "campo no permitido en este formulario"}
